"""--goal keyword rules are deterministic and documented."""

from __future__ import annotations

from backend_scaffold.presets import plan_goal


def test_api_goal_turns_on_auth() -> None:
    plan = plan_goal("A REST API for users")
    assert plan.answers == {"auth": "jwt"}
    assert plan.presets == ("api",)


def test_each_preset_fires_on_its_words() -> None:
    plan = plan_goal("Scalable microservices with a Postgres database, low latency and login")
    assert plan.answers == {"auth": "jwt", "database": "postgres", "messaging": "redpanda", "cache": "dragonfly"}
    assert plan.presets == ("api", "database", "microservices", "performance")


def test_negation_switches_a_dependency_off() -> None:
    plan = plan_goal("order service without cache and no kafka")
    assert plan.answers["cache"] == "none"
    assert plan.answers["messaging"] == "none"
    assert plan.answers["database"] == "postgres"


def test_a_single_stack_word_picks_the_stack() -> None:
    assert plan_goal("fast Rust service").answers["stack"] == "rust-axum"
    assert "stack" not in plan_goal("rust or java, not sure").answers


def test_words_match_whole_words_only() -> None:
    assert plan_goal("rapid prototyping of a dashboard").answers == {}


def test_same_goal_same_plan() -> None:
    assert plan_goal("Orders API with caching") == plan_goal("Orders API with caching")
