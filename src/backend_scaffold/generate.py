"""`new`: resolve answers, render atomically, write the decision log, make the first commit."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from backend_scaffold import __version__, history, transaction
from backend_scaffold.adr.writer import AdrContext, today, write_decision_log
from backend_scaffold.answers import AnswerSources, Asker, answers_for_display, resolve, secrets_for
from backend_scaffold.destination import prepare
from backend_scaffold.errors import Aborted, DestinationError, ProjectError, RenderError
from backend_scaffold.existing import overlap
from backend_scaffold.presets import GoalPlan
from backend_scaffold.render import (
    Existing,
    StepOutcome,
    copier_copy,
    files_under,
    place,
    run_steps,
    staging_dir,
)
from backend_scaffold.stacks import get_stack, template_root


@dataclass(frozen=True)
class NewRequest:
    """Everything `new` was asked to do."""

    dest: Path | None
    sources: AnswerSources
    goal: GoalPlan | None = None
    pretend: bool = False
    git: bool = True
    tasks: bool = True
    existing: Existing = "refuse"
    ask: Asker | None = None
    # Shown the resolved answers (interactive runs); False stops before anything is written.
    confirm: Callable[[dict[str, str]], bool] | None = None


@dataclass(frozen=True)
class NewResult:
    """What `new` did (or, with --pretend, would do)."""

    dest: str
    stack: str
    answers: dict[str, str]
    files: list[str]
    adrs: list[str]
    steps: list[StepOutcome] = field(default_factory=list)
    commit: str | None = None
    git_note: str | None = None
    pretend: bool = False
    notes: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # existing files left as they were (--skip-existing)
    overwritten: list[str] = field(default_factory=list)  # existing files replaced (--overwrite)


def _adr_context(answers: dict[str, str], goal: GoalPlan | None) -> AdrContext:
    return AdrContext(
        answers=answers,
        stack_title=get_stack(answers["stack"]).title,
        date=today(),
        template_version=__version__,
        goal=goal.goal if goal else None,
        goal_notes=goal.notes if goal else (),
    )


def _render(
    folder: Path,
    answers: dict[str, str],
    data: dict[str, str],
    goal: GoalPlan | None,
    source: history.Installed,
    *,
    steps: bool,
) -> tuple[list[str], list[StepOutcome]]:
    copier_copy(template_root(), folder, data)
    history.record_source(folder, source.ref)
    post_render = get_stack(answers["stack"]).post_render
    if steps:
        outcomes = run_steps(folder, post_render)
    else:
        outcomes = [StepOutcome(" ".join(step), "skipped", "--skip-tasks given") for step in post_render]
    adrs = write_decision_log(folder, _adr_context(answers, goal))
    return [path.relative_to(folder).as_posix() for path in adrs], outcomes


def create(request: NewRequest) -> NewResult:
    """Generate a project as the request says; on any failure the destination is left as it was."""
    from backend_scaffold import gitops

    transaction.sweep()  # scratch folders of runs that were killed
    if request.dest is not None:
        prepare(request.dest, request.existing)
    answers = resolve(template_root(), request.sources, request.ask)
    if request.confirm is not None and not request.confirm(answers_for_display(answers)):
        raise Aborted("not confirmed; nothing was written")
    dest = prepare(request.dest or Path(answers["project_slug"]), request.existing)
    data = {**answers, **secrets_for(answers, request.sources.explicit)}
    shown = answers_for_display(answers)
    source = history.installed()
    if request.pretend:
        result = _pretend(dest, answers, data, request.goal, source, skip=request.existing == "skip")
        return dataclasses.replace(result, notes=[*_notes(request.sources), *result.notes])
    fresh = not dest.exists() or not any(dest.iterdir())
    use_git = request.git and not gitops.inside_work_tree(dest)
    created_parent, staging = _make_room(dest)
    try:
        adrs, outcomes = _render(staging, answers, data, request.goal, source, steps=request.tasks)
        commit = gitops.init_and_commit(staging, _message(answers)) if use_git and fresh else None
        found = overlap(staging, dest, files_under(staging), skip=request.existing == "skip")
        files = place(staging, dest, request.existing)
        if use_git and not fresh:
            commit = gitops.init_and_commit(dest, _message(answers))
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if created_parent is not None:
            shutil.rmtree(created_parent, ignore_errors=True)
        if isinstance(exc, OSError):
            raise RenderError(f"writing the project failed ({exc.strerror or exc}); nothing was left behind") from exc
        raise
    _keep_history(source)
    note = None if use_git else ("--no-git given" if not request.git else "destination is inside a git work tree")
    notes = [*_notes(request.sources), *found.warnings]
    return NewResult(
        str(dest), answers["stack"], shown, files, adrs, outcomes, commit, note,
        notes=notes, kept=found.kept, overwritten=found.overwritten,
    )  # fmt: skip


def _pretend(
    dest: Path,
    answers: dict[str, str],
    data: dict[str, str],
    goal: GoalPlan | None,
    source: history.Installed,
    *,
    skip: bool,
) -> NewResult:
    with transaction.scratch("pretend") as scratch:
        adrs, _ = _render(scratch / "project", answers, data, goal, source, steps=False)
        files = files_under(scratch / "project")
        found = overlap(scratch / "project", dest, files, skip=skip)
    planned = [StepOutcome(" ".join(step), "skipped", "would run") for step in get_stack(answers["stack"]).post_render]
    return NewResult(
        str(dest), answers["stack"], answers_for_display(answers), files, adrs, planned, pretend=True,
        notes=found.warnings, kept=found.kept, overwritten=found.overwritten,
    )  # fmt: skip


def _notes(sources: AnswerSources) -> list[str]:
    return [*sources.notes, *sources.rejected.values()]


def _keep_history(source: history.Installed) -> None:
    """Make this template version available to later updates; the project is fine without it."""
    with contextlib.suppress(ProjectError, OSError):
        history.sync_store(source)


def _make_room(dest: Path) -> tuple[Path | None, Path]:
    """Missing parents and the staging folder; on failure nothing of them is left."""
    created_parent = None
    try:
        created_parent = _make_parent(dest)
        return created_parent, staging_dir(dest)
    except OSError as exc:
        if created_parent is not None:
            shutil.rmtree(created_parent, ignore_errors=True)
        raise DestinationError(f"cannot create {dest} ({exc.strerror or exc}); choose another destination") from exc


def _make_parent(dest: Path) -> Path | None:
    """Create missing parents of `dest`; return the topmost one created, to remove on failure."""
    missing = [parent for parent in dest.parents if not parent.exists()]
    if not missing:
        return None
    dest.parent.mkdir(parents=True)
    return missing[-1]


def _message(answers: dict[str, str]) -> str:
    return (
        f"Generate {answers['project_name']} with backend-scaffold {__version__}\n\n"
        f"Stack: {answers['stack']}. Decisions are recorded in docs/architecture/."
    )
