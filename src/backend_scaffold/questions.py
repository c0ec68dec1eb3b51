"""The question set, read from the template's own copier.yml so Copier and the CLI share it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Choice:
    """One accepted value of a question, with the label prompts show."""

    label: str
    value: str


@dataclass(frozen=True)
class Question:
    """One template question as declared in copier.yml."""

    name: str
    help: str
    choices: tuple[Choice, ...] = ()
    default: str | None = None
    when: str | bool = True
    secret: bool = False

    @property
    def accepted(self) -> list[str]:
        """The accepted values, when the question has a fixed set."""
        return [choice.value for choice in self.choices]

    def applies(self, answers: dict[str, Any]) -> bool:
        """Whether the question is asked for these answers (its `when`)."""
        if isinstance(self.when, bool):
            return self.when
        return render_expression(self.when, answers).strip().lower() == "true"

    def default_for(self, answers: dict[str, Any]) -> str | None:
        """The default, rendered against the answers given so far."""
        if self.default is None:
            return None
        return render_expression(self.default, answers)


def default_inputs(question: Question) -> frozenset[str]:
    """The answers a question's default is derived from."""
    if question.default is None:
        return frozenset()
    from jinja2 import meta

    return frozenset(meta.find_undeclared_variables(_environment().parse(question.default)))


def render_expression(text: str, answers: dict[str, Any]) -> str:
    """Render one Jinja expression from copier.yml in a sandbox."""
    rendered: str = _environment().from_string(text).render(**answers)
    return rendered


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(autoescape=False)
    # Copier ships this filter (jinja2-ansible-filters); defaults in copier.yml use it.
    environment.filters["regex_replace"] = _regex_replace
    return environment


def _regex_replace(value: str, pattern: str = "", replacement: str = "") -> str:
    import re

    return re.sub(pattern, replacement, str(value))


def _choices(raw: Any) -> tuple[Choice, ...]:
    if raw is None:
        return ()
    if isinstance(raw, dict):
        return tuple(Choice(str(label), str(value)) for label, value in raw.items())
    return tuple(Choice(str(value), str(value)) for value in raw)


def _question(name: str, spec: dict[str, Any]) -> Question:
    default = spec.get("default")
    return Question(
        name=name,
        help=str(spec.get("help", name)),
        choices=_choices(spec.get("choices")),
        default=None if default is None else str(default),
        when=spec.get("when", True),
        secret=bool(spec.get("secret", False)),
    )


def load_questions(root: Path) -> tuple[Question, ...]:
    """Every question of the template at `root`, in declaration order."""
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    def include(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        target = root / str(loader.construct_scalar(node))  # type: ignore[arg-type]
        return yaml.load(target.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506

    _Loader.add_constructor("!include", include)
    merged: dict[str, Any] = {}
    text = (root / "copier.yml").read_text(encoding="utf-8")
    for document in yaml.load_all(text, Loader=_Loader):
        merged.update(document or {})
    return tuple(_question(name, spec) for name, spec in merged.items() if not name.startswith("_"))


@lru_cache(maxsize=4)
def question_set(root: Path) -> dict[str, Question]:
    """The questions by name (cached: the template does not change while we run)."""
    return {question.name: question for question in load_questions(root)}
