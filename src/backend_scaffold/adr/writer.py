"""Write a new project's decision log: ADR 0001, one record per decision made, and the index."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from backend_scaffold.adr.catalogue import Decision, decisions_for
from backend_scaffold.adr.records import ADR_DIR, front_matter, next_number, read_records, write_index

_TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class AdrContext:
    """What every record of one generation shares."""

    answers: dict[str, str]
    stack_title: str
    date: str
    template_version: str
    goal: str | None = None
    goal_notes: tuple[str, ...] = field(default=())


def slugify(title: str) -> str:
    """The file-name form of a title: lowercase words joined by dashes."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].rstrip("-")


def _front_matter(decision: Decision, context: AdrContext) -> str:
    import yaml

    meta: dict[str, Any] = {
        "status": "accepted",
        "date": context.date,
        "decision-makers": [context.answers.get("author_name", "")],
        "consulted": [],
        "informed": [],
        "generator": {
            "tool": "backend-scaffold",
            "decision": decision.id,
            "answer": decision.answer or None,
            "choice": decision.choice or None,
            "template-version": context.template_version,
        },
    }
    dumped: str = yaml.safe_dump(meta, sort_keys=False, default_flow_style=False, allow_unicode=True)
    return dumped


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(
        # Markdown, not HTML: escaping would corrupt the records.
        loader=FileSystemLoader(_TEMPLATES),
        undefined=StrictUndefined,
        autoescape=False,  # noqa: S701
        keep_trailing_newline=True,
    )
    environment.filters["upper_first"] = lambda text: text[:1].upper() + text[1:]
    return environment


def render_record(decision: Decision, context: AdrContext, supersedes: str = "") -> str:
    """One ADR as markdown; `supersedes` is the line linking the record it replaces."""
    template = _environment().get_template("adr.md.jinja")
    text = template.render(
        d=decision,
        front_matter=_front_matter(decision, context),
        goal=context.goal,
        goal_notes=context.goal_notes,
        supersedes=supersedes,
    )
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


def write_decision_log(project: Path, context: AdrContext) -> list[Path]:
    """Write every record these answers call for, numbered after any already present."""
    docs = project / ADR_DIR
    docs.mkdir(parents=True, exist_ok=True)
    number = next_number(docs)
    written: list[Path] = []
    for decision in decisions_for(context.answers, context.stack_title):
        path = docs / f"{number:04d}-{slugify(decision.title)}.md"
        path.write_text(render_record(decision, context), encoding="utf-8")
        written.append(path)
        number += 1
    written.append(write_index(docs, context.answers.get("project_name", "this service")))
    return written


def today() -> str:
    """The date records carry; SOURCE_DATE_EPOCH makes it reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()
    return dt.date.today().isoformat()


def supersede_changed(project: Path, before: dict[str, str], after: dict[str, str], changed: set[str]) -> list[Path]:
    """A new record for each decision whose answer changed, superseding the record it replaces.

    Accepted records are never rewritten: the old one only gains its new status and a link.
    Records of decisions no answer changed, and the team's own records, are left alone.
    """
    from backend_scaffold import __version__
    from backend_scaffold.stacks import get_stack

    docs = project / ADR_DIR
    decisions = [d for d in decisions_for(after, get_stack(after["stack"]).title) if d.answer in changed]
    if not decisions:
        return []
    docs.mkdir(parents=True, exist_ok=True)
    context = AdrContext(after, get_stack(after["stack"]).title, today(), __version__)
    current = _accepted_generated_records(docs)
    written: list[Path] = []
    for decision in decisions:
        number = next_number(docs)
        path = docs / f"{number:04d}-{slugify(decision.title)}.md"
        change = f"the `{decision.answer}` answer changed from `{before.get(decision.answer)}` to `{decision.choice}`"
        previous = current.get(decision.id)
        link = f"Supersedes [ADR-{previous[0]:04d}]({previous[1].name}): {change}." if previous else ""
        path.write_text(render_record(decision, context, supersedes=link), encoding="utf-8")
        written.append(path)
        if previous:
            _mark_superseded(previous[1], number, path.name)
            written.append(previous[1])
    written.append(write_index(docs, after.get("project_name", "this service")))
    return written


def _accepted_generated_records(docs: Path) -> dict[str, tuple[int, Path]]:
    """Decision id -> the accepted record backend-scaffold wrote for it (the newest, if several)."""
    found: dict[str, tuple[int, Path]] = {}
    for record in read_records(docs):
        if not record.status.startswith("accepted"):
            continue
        path = docs / record.file
        generator = front_matter(path.read_text(encoding="utf-8")).get("generator")
        if isinstance(generator, dict) and generator.get("tool") == "backend-scaffold" and generator.get("decision"):
            found[str(generator["decision"])] = (record.number, path)
    return found


def _mark_superseded(path: Path, number: int, file_name: str) -> None:
    """Change only the status and add the link, as MADR asks of an accepted record."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^status: .*$", f"status: superseded by ADR-{number:04d}", text, count=1)
    text = re.sub(
        r"(?m)^(# .+)$", lambda m: f"{m.group(1)}\n\nSuperseded by [ADR-{number:04d}]({file_name}).", text, count=1
    )
    path.write_text(text, encoding="utf-8")
