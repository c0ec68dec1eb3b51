"""`list`: the stacks and the questions each asks, from the registry and copier.yml."""

from __future__ import annotations

import re
from typing import Any

from backend_scaffold.questions import Question, default_inputs, question_set
from backend_scaffold.stacks import STACKS, template_root

_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def default_in_words(question: Question) -> str | None:
    """The default as a reader wants it: a value, a pattern (`example.com/<project_slug>`), or its source."""
    if question.default is None:
        return None
    if "{" not in question.default:
        return question.default
    if not re.search(r"\{%|\{#|\|", question.default) and "{{" in question.default:
        return _PLACEHOLDER.sub(lambda match: f"<{match.group(1)}>", question.default)
    return "derived from " + ", ".join(sorted(default_inputs(question)))


def _entry(question: Question) -> dict[str, Any]:
    return {
        "name": question.name,
        "help": question.help,
        "default": default_in_words(question),
        "derived_from": sorted(default_inputs(question)),
        "accepted": question.accepted,
    }


def stacks_and_questions() -> list[dict[str, Any]]:
    """Each stack with the questions it asks, their defaults (in words) and accepted values."""
    questions = question_set(template_root())
    payload = []
    for stack in STACKS:
        asked = [q for q in questions.values() if not q.secret and q.applies({"stack": stack.id})]
        payload.append(
            {
                "id": stack.id,
                "title": stack.title,
                "language": stack.language,
                "questions": [_entry(q) for q in asked],
            }
        )
    return payload


def shared_questions(payload: list[dict[str, Any]]) -> list[str]:
    """The names of the questions every stack asks, in order."""
    asked = [{q["name"] for q in stack["questions"]} for stack in payload]
    common = set.intersection(*asked) if asked else set()
    return [q["name"] for q in payload[0]["questions"] if q["name"] in common] if payload else []
