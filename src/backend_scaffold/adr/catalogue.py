"""Load the decision catalogue and pick, for a set of answers, the variant each decision takes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"


@dataclass(frozen=True)
class Option:
    """One option a decision weighed."""

    name: str
    summary: str
    good: tuple[str, ...]
    bad: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """A decision rendered for one set of answers: every text field is final markdown."""

    id: str
    answer: str
    choice: str
    title: str
    context: str
    options: tuple[Option, ...]
    chosen: str
    because: str
    good: tuple[str, ...]
    bad: tuple[str, ...]
    confirmation: str
    more: tuple[str, ...]


def _load_yaml(path: Path) -> Any:
    import yaml

    # libyaml's loader when PyYAML was built with it: the catalogue is large enough to notice.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)


@lru_cache(maxsize=1)
def raw_catalogue() -> tuple[dict[str, Any], ...]:
    """Every decision file, in file-name order (the order ADR numbers follow)."""
    return tuple(_load_yaml(path) for path in sorted(CATALOGUE_DIR.glob("[0-9][0-9]-*.yml")))


@lru_cache(maxsize=1)
def facts() -> dict[str, dict[str, str]]:
    """Per-stack facts (libraries, tools, images) the texts interpolate."""
    loaded: dict[str, dict[str, str]] = _load_yaml(CATALOGUE_DIR / "facts.yml")
    return loaded


def _matches(when: dict[str, str], answers: dict[str, str]) -> bool:
    return all(answers.get(key) == value for key, value in (when or {}).items())


def _renderer(variables: dict[str, Any]) -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)

    def render(text: str) -> str:
        # Most catalogue text is plain prose; compiling it as a template would only cost time.
        if "{" not in (text or ""):
            return (text or "").strip()
        return environment.from_string(text).render(**variables).strip()

    return render


def decisions_for(answers: dict[str, str], stack_title: str) -> list[Decision]:
    """The decisions these answers make, in catalogue order, with texts rendered."""
    variables: dict[str, Any] = {**answers, "facts": facts().get(answers["stack"], {}), "stack_title": stack_title}
    render = _renderer(variables)
    chosen: list[Decision] = []
    for entry in raw_catalogue():
        variant = next((v for v in entry["variants"] if _matches(v.get("when", {}), answers)), None)
        if variant is None:
            continue
        chosen.append(_decision(entry, variant, answers, render))
    return chosen


def _decision(entry: dict[str, Any], variant: dict[str, Any], answers: dict[str, str], render: Any) -> Decision:
    def texts(items: list[str] | None) -> tuple[str, ...]:
        return tuple(render(item) for item in items or [])

    options = tuple(
        Option(render(o["name"]), render(o.get("summary", "")), texts(o.get("good")), texts(o.get("bad")))
        for o in variant.get("options", [])
    )
    consequences = variant.get("consequences", {})
    answer = entry.get("answer") or ""
    return Decision(
        id=entry["id"],
        answer=answer,
        choice=answers.get(answer, "") if answer else "",
        title=render(variant["title"]),
        context=render(variant["context"]),
        options=options,
        chosen=render(variant["chosen"]),
        because=render(variant["because"]),
        good=texts(consequences.get("good")),
        bad=texts(consequences.get("bad")),
        confirmation=render(variant.get("confirmation", "")),
        more=texts(variant.get("more")),
    )
