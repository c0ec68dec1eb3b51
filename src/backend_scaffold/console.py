"""Everything the terminal sees: rich tables and trees for people, one JSON document for machines."""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import TYPE_CHECKING, Any

from rich.markup import escape

if TYPE_CHECKING:
    from rich.console import Console

    from backend_scaffold.adr.records import Record
    from backend_scaffold.detect import Detection
    from backend_scaffold.doctor import DoctorResult
    from backend_scaffold.generate import NewResult
    from backend_scaffold.presets import GoalPlan
    from backend_scaffold.update import UpdateResult


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def emit_json(payload: Any) -> None:
    """One machine-readable document on stdout."""
    if dataclasses.is_dataclass(payload) and not isinstance(payload, type):
        payload = dataclasses.asdict(payload)
    sys.stdout.write(json.dumps(payload, indent=2, sort_keys=False) + "\n")


def error(message: str) -> None:
    """One line on stderr, no traceback; the message is shown as text, never read as markup."""
    line = " ".join(message.split())
    _console(stderr=True).print(f"[bold red]error:[/] {escape(line)}", markup=True, soft_wrap=True)


def notes(lines: list[str]) -> None:
    """Things the user should know that are not errors, one line each on stderr."""
    console = _console(stderr=True)
    for line in lines:
        console.print(f"[yellow]note:[/] {escape(' '.join(line.split()))}", soft_wrap=True)


def _tree(root_label: str, files: list[str]) -> Any:
    from rich.tree import Tree

    tree = Tree(f"[bold]{escape(root_label)}[/]")
    nodes: dict[str, Any] = {"": tree}
    for file in files:
        parts = file.split("/")
        for depth in range(1, len(parts)):
            key = "/".join(parts[:depth])
            if key not in nodes:
                nodes[key] = nodes["/".join(parts[: depth - 1])].add(f"[blue]{escape(parts[depth - 1])}/[/]")
        nodes["/".join(parts[:-1])].add(escape(parts[-1]))
    return tree


def show_goal(plan: GoalPlan) -> None:
    """What --goal turned into, before any prompt."""
    console = _console(stderr=True)
    console.print(f"[bold]Goal:[/] {escape(plan.goal)}")
    for note in plan.notes or ("no preset matched; answers keep their defaults",):
        console.print(f"  • {escape(note)}")


def show_new(result: NewResult, *, verbose: bool = False) -> None:
    """The summary after `new` on stdout: answers, counts, what ran, what to type next.

    The file tree is long (130+ lines), so it is shown with --pretend or --verbose only.
    """
    from backend_scaffold.nextsteps import next_steps

    notes(result.notes)
    console = _console()
    verb = "Would create" if result.pretend else "Created"
    if result.pretend or verbose:
        console.print(_tree(f"{result.dest} ({result.stack})", result.files))
    console.print(
        f"[bold green]{verb}[/] {escape(result.dest)} ({result.stack}): "
        f"{len(result.files)} files, {len(result.adrs) - 1} decision records.",
        soft_wrap=True,
    )
    console.print(f"  answers: {escape(_answers_line(result.answers))}", soft_wrap=True)
    if result.kept or result.overwritten:
        _show_existing(console, result)
    for step in result.steps:
        style = {"ok": "green", "failed": "red", "skipped": "yellow"}[step.status]
        detail = f": {step.detail}" if step.detail else ""
        console.print(f"  [{style}]{step.status}[/] {escape(step.command + detail)}")
    if result.commit:
        console.print(f"  git: initial commit {result.commit[:12]} on main")
    elif result.git_note and not result.pretend:
        console.print(f"  git: not initialised ({result.git_note})")
    if not result.pretend:
        console.print("[bold]Next:[/]")
        for hint in next_steps(result.dest, result.answers, result.steps):
            console.print(f"  {escape(hint.command):<40} [dim]# {escape(hint.why)}[/]", soft_wrap=True)


def _show_existing(console: Console, result: NewResult) -> None:
    # A real merge lists only the files it added; --pretend lists every file it renders.
    created = len(result.files) - (len(result.kept) + len(result.overwritten) if result.pretend else 0)
    verb_kept = "would keep" if result.pretend else "kept"
    console.print(
        f"  existing files: {created} created, {len(result.kept)} {verb_kept} as they were, "
        f"{len(result.overwritten)} overwritten",
        soft_wrap=True,
    )
    for label, names in (("kept", result.kept), ("overwritten", result.overwritten)):
        if names:
            console.print(f"    {label}: {escape(', '.join(names))}", soft_wrap=True)


def _answers_line(answers: dict[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in answers.items() if key not in ("stack",))


def show_recap(answers: dict[str, str]) -> None:
    """The answers, before asking to confirm them (interactive `new`)."""
    console = _console(stderr=True)
    console.print("[bold]Your answers:[/]")
    for key, value in answers.items():
        console.print(f"  {key:<16} {escape(value)}", soft_wrap=True)


def show_detect(found: Detection) -> None:
    """The detection report as a table."""
    from rich.table import Table

    table = Table(title=f"What {escape(found.path)} holds", show_header=False)
    rows = [
        ("build files", ", ".join(found.build_files)),
        ("languages", ", ".join(found.languages)),
        ("frameworks", ", ".join(found.frameworks)),
        ("database files", ", ".join(found.database_files)),
        ("config files", ", ".join(found.config_files)),
        ("git branch", found.git_branch or ""),
        ("suggested stack", found.stack or ""),
        ("prefilled answers", ", ".join(f"{k}={v}" for k, v in found.prefill.items())),
        ("modules", ", ".join(f"{m.path}/{m.build_file}".removeprefix("./") for m in found.modules[:20])),
        ("databases", "; ".join(f"{engine} ({', '.join(where[:3])})" for engine, where in found.databases.items())),
        ("migrations", "; ".join(f"{tool} ({', '.join(where[:3])})" for tool, where in found.migrations.items())),
    ]
    for label, value in rows:
        table.add_row(label, escape(value) if value else "[dim]none[/]")
    console = _console()
    console.print(table)
    for line in found.notes:
        console.print(f"[yellow]note:[/] {escape(line)}", soft_wrap=True)
    show_recommendations(found.recommendations, console)


def show_recommendations(lines: list[str], console: Console | None = None) -> None:
    """When no backend stack is found: the stacks we recommend, one line on why each."""
    if not lines:
        return
    console = console or _console(stderr=True)
    console.print("[bold]No stack that backend-scaffold generates was found here. Recommended:[/]")
    for line in lines:
        console.print(f"  • {line}")


def show_list(payload: list[dict[str, Any]]) -> None:
    """The questions every stack asks, once; then each stack with only its own questions."""
    from backend_scaffold.listing import shared_questions

    console = _console()
    shared = shared_questions(payload)
    first = {q["name"]: q for q in payload[0]["questions"]} if payload else {}
    console.print(_questions_table("Every stack asks", [first[name] for name in shared]))
    for stack in payload:
        own = [q for q in stack["questions"] if q["name"] not in shared]
        console.print(_questions_table(f"{stack['id']} — {stack['title']}", own))


def _questions_table(title: str, questions: list[dict[str, Any]]) -> Any:
    from rich.table import Table

    table = Table(title=escape(title), title_justify="left")
    for column in ("question", "default", "accepted", "help"):
        table.add_column(column, overflow="fold")
    for question in questions:
        table.add_row(
            question["name"], escape(question["default"] or ""), ", ".join(question["accepted"]), question["help"]
        )
    return table


def show_doctor(result: DoctorResult) -> None:
    """Tools found and missing, with install hints."""
    from rich.table import Table

    table = Table(title="Toolchains")
    for column in ("stack", "tool", "status", "version"):
        table.add_column(column)
    for check in result.checks:
        if check.too_old:
            status = "[red]too old[/]" if check.required else "[yellow]too old[/]"
        elif check.found:
            status = "[green]found[/]"
        else:
            status = "[red]missing[/]" if check.required else "[yellow]optional[/]"
        table.add_row(check.stack, check.command, status, escape(check.version))
    console = _console()
    console.print(table)
    hints = {(check.command, check.install_hint) for check in result.checks if not check.usable}
    for command, hint in sorted(hints):
        # Never wrapped or cut: a hint is a command or a URL to copy whole.
        console.print(f"{command}: {escape(hint)}", soft_wrap=True)


def show_records(records: list[Record]) -> None:
    """The decision log as a table."""
    from rich.table import Table

    table = Table(title="Architecture decisions")
    for column in ("ADR", "title", "status", "date"):
        table.add_column(column)
    for record in records:
        table.add_row(f"{record.number:04d}", record.title, record.status, record.date)
    _console().print(table)


def show_update(result: UpdateResult) -> None:
    """The summary after `update`: versions, answers changed, the diff (--pretend), conflicts."""
    console = _console(stderr=True)
    if result.check:
        state = "an update is available" if result.update_available else "up to date"
        where = escape(result.dest)
        console.print(f"{where}: template {result.current}; installed {result.available}: [bold]{state}[/]")
        return
    if not result.update_available and not result.answers:
        console.print(f"{escape(result.dest)} is up to date (template {result.current}); nothing to do.")
        return
    if result.diff:
        from rich.syntax import Syntax

        _console().print(Syntax(result.diff, "diff", theme="ansi_dark", background_color="default"))
    if result.resumed and not result.applied:
        console.print(f"{escape(result.dest)}: an interrupted update to {result.available} is waiting; run update")
        return
    verb = "Would update" if result.pretend else "Finished the interrupted update of" if result.resumed else "Updated"
    versions = f"{result.current} -> {result.available}" if result.update_available else f"{result.current}, unchanged"
    console.print(f"[bold green]{verb}[/] {escape(result.dest)}: template {versions}")
    for key, (before, after) in result.answers.items():
        console.print(f"  answer {key}: {escape(str(before))} -> {escape(str(after))}")
    console.print(f"  {len(result.files)} files changed; decision records: {', '.join(result.adrs) or 'none'}")
    for step in result.steps:
        style = {"ok": "green", "failed": "red", "skipped": "yellow"}[step.status]
        detail = f": {step.detail}" if step.detail else ""
        console.print(f"  [{style}]{step.status}[/] {escape(step.command + detail)}")
    if result.conflicts:
        console.print(f"[bold red]{len(result.conflicts)} conflict(s)[/] to resolve by hand:")
        for name in result.conflicts:
            why = " (the new version removes it; your edited copy was kept)" if name in result.kept else ""
            console.print(f"  {escape(name)}{why}")
    if not result.pretend:
        console.print("[bold]Next:[/] review with `git diff`, run the tests, then commit.")
