"""The merge of one update, done in a scratch clone and staged for the work tree (transaction.py).

In the clone: Copier's three-way update, secrets the new answers need, post-render steps, the
superseding decision records. Then every file the update removes is checked against the
project's own template version: one the team edited is put back and reported as a conflict.
What remains is the update; --pretend shows it as a diff, otherwise it is staged and applied.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from backend_scaffold import transaction
from backend_scaffold.errors import GitError, ProjectError, RenderError
from backend_scaffold.render import StepOutcome, run_steps
from backend_scaffold.stacks import get_stack

if TYPE_CHECKING:
    from backend_scaffold.update import UpdateResult

Conflict = Literal["inline", "rej"]
# Migration files as the stacks' tools find them (Alembic versions, sqlx and Go, Flyway). A
# database may have applied one: editing it breaks the tool's checksum or history, removing it too.
_MIGRATION = re.compile(r"(^|/)(migrations/versions/[^/]+\.py|migrations/[^/]+\.sql|db/migration/[^/]+\.sql)$")
# What `copier update` writes into a file it could not merge (its labels are fixed).
_MARKERS = ("<<<<<<< before updating", ">>>>>>> after updating")


@dataclass(frozen=True)
class Plan:
    """One update, decided: the answers before and after, and the template versions involved."""

    before: dict[str, str]
    after: dict[str, str]
    given: dict[str, str]
    changed: dict[str, list[str | None]]
    target: str
    conflict: Conflict
    current: str = ""
    source: str = ""  # the recorded _src_path: where the project's own template version lives


@dataclass(frozen=True)
class _Outcome:
    """The clone after the merge: what changed, relative to the project."""

    writes: list[str]
    deletes: list[str]
    kept: list[str]
    steps: list[StepOutcome]
    adrs: list[str]


def merge(project: Path, plan: Plan, base: UpdateResult, *, pretend: bool) -> UpdateResult:
    """Merge in a scratch clone; with `pretend` report the diff, else bring the result in."""
    top = Path(git(project, "rev-parse", "--show-toplevel").stdout.strip())
    rel = project.relative_to(top)
    with transaction.scratch() as scratch:
        clone = scratch / "clone"
        git(scratch, "clone", "--quiet", "--no-hardlinks", str(top), str(clone))
        work = clone / rel
        outcome = _merge_in(work, scratch, plan, steps=not pretend)
        report = _report(base, plan, outcome, _conflicts(work, outcome.writes))
        if pretend:
            post_render = get_stack(plan.after["stack"]).post_render
            planned = [StepOutcome(" ".join(step), "skipped", "would run") for step in post_render]
            diff = git(clone, "diff", "--cached", "--no-color", "--no-ext-diff", "HEAD", "--", rel.as_posix()).stdout
            return as_result(base, report, planned, diff=diff, applied=False)
        _refuse_migration_edits(work)
        writes: dict[str, Path | str] = {name: work / name for name in outcome.writes}
        env = _env_with_new_secrets(project, plan)
        if env is not None:
            writes[".env"] = env
        transaction.stage(project, writes, outcome.deletes, report)
    manifest = transaction.pending(project)
    if manifest is None:  # pragma: no cover - staged a moment ago
        raise RenderError("the staged update vanished before it was applied; the project was not changed")
    transaction.apply(project, manifest)
    return as_result(base, report, outcome.steps, applied=True)


def _report(base: UpdateResult, plan: Plan, outcome: _Outcome, conflicts: list[str]) -> dict[str, Any]:
    """What the journal records, so an interrupted run can still report it when finished."""
    return {
        "current": base.current,
        "available": base.available,
        "answers": plan.changed,
        "files": sorted({*outcome.writes, *outcome.deletes}),
        "conflicts": sorted({*conflicts, *outcome.kept}),
        "adrs": outcome.adrs,
        "kept": outcome.kept,
        "steps": [dataclasses.asdict(step) for step in outcome.steps],
    }


def as_result(base: UpdateResult, report: dict[str, Any], steps: list[StepOutcome], **extra: Any) -> UpdateResult:
    """The UpdateResult a (possibly resumed) journal report describes."""
    return dataclasses.replace(
        base,
        answers=report["answers"],
        files=report["files"],
        conflicts=report["conflicts"],
        adrs=report["adrs"],
        kept=report["kept"],
        steps=steps,
        **extra,
    )


def _merge_in(work: Path, scratch: Path, plan: Plan, *, steps: bool) -> _Outcome:
    _run_copier(work, plan.given, plan.target, plan.conflict)
    outcomes = run_steps(work, get_stack(plan.after["stack"]).post_render) if steps else []
    adrs = _supersede(work, plan.before, plan.after, plan.changed)
    writes, deletes = _changes(work)
    kept = _keep_edited_removals(work, scratch, plan, deletes)
    if kept:
        writes, deletes = _changes(work)
    return _Outcome(writes, deletes, kept, outcomes, adrs)


def _changes(work: Path) -> tuple[list[str], list[str]]:
    """Files written and deleted in the clone, relative to `work`, from git's own comparison."""
    git(work, "add", "--all", "--", ".")
    writes: list[str] = []
    deletes: list[str] = []
    for status, name in _staged(work):
        (deletes if status == "D" else writes).append(name)
    return sorted(writes), sorted(deletes)


def _staged(work: Path) -> list[tuple[str, str]]:
    """(status, path) of each change staged in the clone against HEAD, paths relative to `work`."""
    listing = git(work, "diff", "--cached", "--name-status", "--no-renames", "-z", "--relative", "HEAD").stdout
    fields = listing.split("\0")
    return list(zip(fields[::2], fields[1::2], strict=False))


def _refuse_migration_edits(work: Path) -> None:
    """Stop before the update edits or removes a migration that the project already had."""
    touched = [name for status, name in _staged(work) if status != "A" and _MIGRATION.search(name)]
    if touched:
        raise ProjectError(
            f"update stopped, nothing was changed: it would edit or remove {', '.join(sorted(touched))}, a migration "
            "a database may already have applied (its migration tool would then refuse or diverge from it). "
            "Keep the answers as they are, or see the change with --pretend and bring it in as a new migration"
        )


def _keep_edited_removals(work: Path, scratch: Path, plan: Plan, deletes: list[str]) -> list[str]:
    """Put back each removed file whose content differs from what the project's own version made."""
    if not deletes:
        return []
    old = scratch / "old-render"
    _render_version(plan.source, plan.current, plan.before, old)
    kept = []
    for name in deletes:
        head = git(work, "rev-parse", "--verify", "--quiet", f"HEAD:./{name}", check=False).stdout.strip()
        made = git(work, "hash-object", str(old / name)).stdout.strip() if (old / name).is_file() else None
        if made == head:
            continue  # exactly what the project's own template version made: the removal is the template's
        git(work, "checkout", "HEAD", "--", name)
        kept.append(name)
    return kept


def _render_version(source: str, ref: str, answers: dict[str, str], target: Path) -> None:
    import warnings

    import copier

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            copier.run_copy(
                str(Path(source).expanduser()), str(target), data=answers, vcs_ref=ref, defaults=True,
                overwrite=True, quiet=True, unsafe=False,
            )  # fmt: skip
    except Exception as exc:  # Copier's own words; nothing was written to the project
        raise RenderError(f"rendering template {ref} to compare removed files failed: {exc}") from exc


def _env_with_new_secrets(project: Path, plan: Plan) -> str | None:
    """`.env` is the team's and never re-rendered; an answer that now needs a secret adds it there."""
    from backend_scaffold.answers import secrets_for

    env = project / ".env"
    if not env.is_file():
        return None
    original = text = env.read_text(encoding="utf-8")
    for key, value in secrets_for(plan.after, {}).items():
        variable = key.upper()
        if not any(line.startswith(f"{variable}=") for line in text.splitlines()):
            text = (
                text.rstrip("\n") + f"\n# Added by backend-scaffold update ({key} is now needed)\n{variable}={value}\n"
            )
    return text if text != original else None


def _run_copier(project: Path, given: dict[str, str], target: str, conflict: Conflict) -> None:
    import warnings

    import copier

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            copier.run_update(
                str(project), data=given, defaults=True, overwrite=True, skip_answered=True, vcs_ref=target,
                conflict=conflict, quiet=True, unsafe=False,
            )  # fmt: skip
    except Exception as exc:  # Copier's own words; it ran in a scratch clone
        raise RenderError(f"updating failed: {exc}; the project was not changed") from exc


def _supersede(
    project: Path, before: dict[str, str], after: dict[str, str], changed: dict[str, list[str | None]]
) -> list[str]:
    from backend_scaffold.adr.writer import supersede_changed

    written = supersede_changed(project, before, after, set(changed))
    return [path.relative_to(project).as_posix() for path in written]


def _conflicts(work: Path, files: list[str]) -> list[str]:
    found = []
    for name in files:
        if name.endswith(".rej"):
            found.append(name.removesuffix(".rej"))
            continue
        try:
            text = (work / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if all(marker in text for marker in _MARKERS):
            found.append(name)
    return sorted(set(found))


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run git; a failure is a GitError with git's own words."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed in {cwd}: {result.stderr.strip()}")
    return result
