"""Write a new project's decision log: ADR 0001, one record per decision made, and the index."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from backend_scaffold.adr.catalogue import Decision, decisions_for
from backend_scaffold.adr.records import ADR_DIR, next_number, write_index

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
    environment.filters["lower_first"] = lambda text: text[:1].lower() + text[1:]
    environment.filters["upper_first"] = lambda text: text[:1].upper() + text[1:]
    return environment


def render_record(decision: Decision, context: AdrContext) -> str:
    """One ADR as markdown."""
    template = _environment().get_template("adr.md.jinja")
    text = template.render(
        d=decision, front_matter=_front_matter(decision, context), goal=context.goal, goal_notes=context.goal_notes
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
