"""Interactive questions through questionary; the only module that prompts."""

from __future__ import annotations

from typing import Any

from backend_scaffold.answers import Asker, validate
from backend_scaffold.errors import Aborted
from backend_scaffold.questions import Question


def _select(question: Question, suggested: str | None) -> Any:
    import questionary

    choices = [questionary.Choice(choice.label, value=choice.value) for choice in question.choices]
    default = suggested if suggested in question.accepted else None
    return questionary.select(f"{question.help} ({question.name})", choices=choices, default=default).ask()


def _text(question: Question, suggested: str | None) -> Any:
    import questionary

    def check(value: str) -> bool | str:
        problem = validate(question, value)
        return True if problem is None else f"{question.name}: {problem}"

    return questionary.text(f"{question.help} ({question.name})", default=suggested or "", validate=check).ask()


def terminal_confirm(answers: dict[str, str]) -> bool:
    """Recap every answer and ask to go ahead (Enter accepts)."""
    import questionary

    from backend_scaffold.console import show_recap

    show_recap(answers)
    confirmed = questionary.confirm("Generate the project with these answers?", default=True).ask()
    if confirmed is None:
        raise Aborted("aborted at the prompt; nothing was written")
    return bool(confirmed)


def terminal_asker() -> Asker:
    """An Asker that prompts on the terminal, re-asking until the answer is valid."""
    import questionary

    def ask(question: Question, suggested: str | None, answers: dict[str, str]) -> str:
        while True:
            value = _select(question, suggested) if question.choices else _text(question, suggested)
            if value is None:
                raise Aborted("aborted at the prompt; nothing was written")
            problem = validate(question, str(value))
            if problem is None:
                return str(value)
            questionary.print(f"{question.name}: {problem}", style="fg:red")

    return ask
