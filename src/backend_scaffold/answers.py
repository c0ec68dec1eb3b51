"""Answers: where they come from (files, --data, presets, defaults), how they merge, and checks."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend_scaffold.errors import AnswerError, MissingAnswersError, brief
from backend_scaffold.questions import Question, default_inputs, question_set
from backend_scaffold.validators import RULES

# Asks one question; gets the question, the suggested value and the answers so far.
Asker = Callable[[Question, "str | None", dict[str, str]], str]


@dataclass(frozen=True)
class AnswerSources:
    """Everything the user said, by strength: explicit beats presets beats suggestions."""

    explicit: Mapping[str, str] = field(default_factory=dict)
    presets: Mapping[str, str] = field(default_factory=dict)
    suggestions: Mapping[str, str] = field(default_factory=dict)
    use_defaults: bool = False
    # Detected values that failed validation, by key: why each was not used.
    rejected: Mapping[str, str] = field(default_factory=dict)
    # What detection said that the user should hear (an engine the templates do not offer).
    notes: tuple[str, ...] = ()


def parse_data(items: list[str]) -> dict[str, str]:
    """Turn repeated `--data KEY=VALUE` into a mapping."""
    data: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise AnswerError(f"--data {brief(item)}: expected KEY=VALUE, for example --data cache=none")
        data[key.strip()] = value
    return data


def load_answers_file(path: Path) -> dict[str, str]:
    """Read a YAML answers file (the same keys as the questions; Copier's `_` keys are ignored)."""
    from backend_scaffold.answerfile import read_answers

    return read_answers(path)


def check_keys(root: Path, given: Mapping[str, str]) -> None:
    """Refuse keys that are not questions of the template."""
    questions = question_set(root)
    unknown = sorted(set(given) - set(questions))
    if unknown:
        accepted = ", ".join(name for name in questions)
        named = ", ".join(key if key.isidentifier() and len(key) < 40 else brief(key) for key in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise AnswerError(f"unknown answer key(s): {named}{more}; accepted keys: {accepted}")


def vet_suggestions(
    root: Path, suggestions: Mapping[str, str], origins: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Keep the detected values that would pass validation; say why each other one is not used."""
    questions = question_set(root)
    kept: dict[str, str] = {}
    rejected: dict[str, str] = {}
    for name, value in suggestions.items():
        question = questions.get(name)
        problem = "not a question of this template" if question is None else validate(question, value)
        if problem is None:
            kept[name] = value
        else:
            origin = origins.get(name, "the destination")
            rejected[name] = f"detected {name}={brief(value)} in {origin}, not used: {problem}"
    return kept, rejected


def validate(question: Question, value: str) -> str | None:
    """The problem with this answer, or None."""
    if question.choices and value not in question.accepted:
        return f"must be one of {', '.join(question.accepted)}"
    rule = RULES.get(question.name)
    return rule(value) if rule else None


def resolve(root: Path, sources: AnswerSources, ask: Asker | None = None) -> dict[str, str]:
    """Merge the sources into validated answers; ask for the rest, or fail naming every gap."""
    questions = question_set(root)
    check_keys(root, {**sources.presets, **sources.explicit})
    answers: dict[str, str] = {}
    missing: list[str] = []
    for question in questions.values():
        if question.secret or not question.applies(answers):
            continue
        value = _value_for(question, sources, answers, ask)
        if value is None:
            missing.append(question.name)
        else:
            answers[question.name] = value
    if missing:
        reasons = tuple(sources.rejected[name] for name in missing if name in sources.rejected)
        raise MissingAnswersError(missing, defaults_given=sources.use_defaults, reasons=reasons)
    _check_applicable(questions, sources.explicit, answers)
    _check_values(questions, answers)
    return answers


def _value_for(question: Question, sources: AnswerSources, answers: dict[str, str], ask: Asker | None) -> str | None:
    name = question.name
    if name in sources.explicit:
        return sources.explicit[name]
    if name in sources.presets and ask is None:
        return sources.presets[name]
    suggested = sources.presets.get(name) or sources.suggestions.get(name)
    if suggested is None and _inputs_known(question, answers):
        suggested = question.default_for(answers)
    if ask is not None:
        return ask(question, suggested, answers)
    return suggested if sources.use_defaults else None


def _inputs_known(question: Question, answers: dict[str, str]) -> bool:
    """A derived default is only meaningful once the answers it is derived from exist."""
    return default_inputs(question) <= answers.keys()


def _check_applicable(questions: Mapping[str, Question], explicit: Mapping[str, str], answers: dict[str, str]) -> None:
    for name in explicit:
        question = questions[name]
        if name not in answers and not question.secret:
            raise AnswerError(
                f"{name}: does not apply to stack {answers.get('stack')!r}; remove it or pick the stack it belongs to"
            )


def _check_values(questions: Mapping[str, Question], answers: dict[str, str]) -> None:
    problems = []
    for name, value in answers.items():
        problem = validate(questions[name], value)
        if problem:
            problems.append(f"{name}={brief(value)}: {problem}")
    if problems:
        raise AnswerError("; ".join(problems))


def secrets_for(answers: Mapping[str, str], explicit: Mapping[str, str]) -> dict[str, str]:
    """Per-project secrets: given ones are validated, missing ones generated; never recorded."""
    if answers.get("auth") != "jwt":
        return {}
    secret = explicit.get("jwt_secret") or secrets.token_urlsafe(48)
    problem = RULES["jwt_secret"](secret)
    if problem:
        raise AnswerError(f"jwt_secret: {problem}")
    return {"jwt_secret": secret}


def answers_for_display(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers without secrets, for summaries and --json."""
    return {key: value for key, value in answers.items() if key != "jwt_secret"}
