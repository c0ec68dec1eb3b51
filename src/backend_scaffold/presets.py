"""`--goal`: deterministic keyword rules that turn a request in plain words into answer presets.

Rules (documented in the README): each preset has trigger words; a word counts when it appears
as a whole word in the goal, case-insensitively. "no X" / "without X" for a preset's dependency
word switches that dependency off instead. Stack words pick the stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class PresetRule:
    """One named preset: the words that trigger it and the answers it sets."""

    name: str
    words: tuple[str, ...]
    answers: dict[str, str]
    brings: str
    off_words: tuple[str, ...] = ()
    off_answers: dict[str, str] | None = None


RULES: tuple[PresetRule, ...] = (
    PresetRule(
        "api",
        ("api", "apis", "rest", "endpoint", "endpoints", "crud", "auth", "login", "users", "jwt"),
        {"auth": "jwt"},
        "authentication on (JWT + refresh tokens), request validation, OpenAPI document",
        ("auth", "authentication"),
        {"auth": "none"},
    ),
    PresetRule(
        "database",
        (
            "database",
            "db",
            "postgres",
            "postgresql",
            "sql",
            "persistence",
            "persistent",
            "migrations",
            "order",
            "orders",
        ),
        {"database": "postgres"},
        "PostgreSQL on, migrations, indexes for the queries the service makes",
        ("database", "db", "postgres"),
        {"database": "none"},
    ),
    PresetRule(
        "microservices",
        ("microservice", "microservices", "events", "event", "kafka", "redpanda", "streaming", "async", "outbox"),
        {"messaging": "redpanda"},
        "Redpanda events through a transactional outbox, health and readiness probes",
        ("events", "messaging", "kafka", "redpanda"),
        {"messaging": "none"},
    ),
    PresetRule(
        "performance",
        ("performance", "fast", "latency", "cache", "caching", "scale", "scalable", "throughput", "traffic"),
        {"cache": "dragonfly"},
        "Dragonfly cache-aside for hot reads, Prometheus metrics",
        ("cache", "caching", "dragonfly"),
        {"cache": "none"},
    ),
)

STACK_WORDS: dict[str, str] = {
    "golang": "go-connectrpc",
    "grpc": "go-connectrpc",
    "connectrpc": "go-connectrpc",
    "rust": "rust-axum",
    "axum": "rust-axum",
    "java": "java-spring",
    "spring": "java-spring",
    "python": "python-fastapi",
    "fastapi": "python-fastapi",
}


@dataclass(frozen=True)
class GoalPlan:
    """What a goal asked for: the presets that fired, and the answers they set."""

    goal: str
    presets: tuple[str, ...]
    answers: dict[str, str]
    notes: tuple[str, ...]


def _words(goal: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", goal.lower())


def _negated(words: list[str], targets: tuple[str, ...]) -> bool:
    return any(word in ("no", "without") and nxt in targets for word, nxt in pairwise(words))


def plan_goal(goal: str) -> GoalPlan:
    """Apply the keyword rules to a goal; the same text always gives the same plan."""
    words = _words(goal)
    answers: dict[str, str] = {}
    presets: list[str] = []
    notes: list[str] = []
    for rule in RULES:
        if rule.off_answers and _negated(words, rule.off_words):
            answers.update(rule.off_answers)
            notes.append(f"{rule.name}: switched off because the goal says so")
        elif any(word in rule.words for word in words):
            answers.update(rule.answers)
            presets.append(rule.name)
            notes.append(f"{rule.name}: {rule.brings}")
    stacks = {STACK_WORDS[word] for word in words if word in STACK_WORDS}
    if len(stacks) == 1:
        answers["stack"] = stacks.pop()
        notes.append(f"stack: {answers['stack']} named in the goal")
    return GoalPlan(goal, tuple(presets), answers, tuple(notes))
