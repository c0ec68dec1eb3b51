"""`list`: the stacks and the questions each asks, from the registry and copier.yml."""

from __future__ import annotations

from typing import Any

from backend_scaffold.questions import question_set
from backend_scaffold.stacks import STACKS, template_root


def stacks_and_questions() -> list[dict[str, Any]]:
    """Each stack with the questions it asks, their defaults and accepted values."""
    questions = question_set(template_root())
    payload = []
    for stack in STACKS:
        asked = [q for q in questions.values() if not q.secret and q.applies({"stack": stack.id})]
        payload.append(
            {
                "id": stack.id,
                "title": stack.title,
                "language": stack.language,
                "questions": [
                    {"name": q.name, "help": q.help, "default": q.default, "accepted": q.accepted} for q in asked
                ],
            }
        )
    return payload
