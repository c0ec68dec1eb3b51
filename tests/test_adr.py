"""Decision records: one per decision made, specific to the answers, numbered and indexed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from backend_scaffold.adr.catalogue import decisions_for, raw_catalogue
from backend_scaffold.adr.records import INDEX_END, INDEX_START, next_number, read_records, write_index
from backend_scaffold.adr.writer import AdrContext, render_record, write_decision_log
from backend_scaffold.questions import question_set
from backend_scaffold.stacks import STACKS, get_stack, template_root

ON = {"database": "postgres", "cache": "dragonfly", "messaging": "redpanda", "auth": "jwt", "ci": "github"}
OFF = {"database": "none", "cache": "none", "messaging": "none", "auth": "none", "ci": "none"}
NAMES = {
    "go-connectrpc": {"go_module": "example.com/orders"},
    "rust-axum": {"rust_crate": "orders"},
    "java-spring": {
        "java_group_id": "com.example",
        "java_package": "com.example.orders",
        "java_framework": "spring-boot",
    },
    "python-fastapi": {"python_package": "orders"},
}


def _answers(stack: str, toggles: dict[str, str]) -> dict[str, str]:
    base = {
        "stack": stack,
        "project_name": "Orders",
        "project_slug": "orders",
        "description": "Orders: a backend service",
        "author_name": "Shop Team",
        "author_email": "shop@example.com",
        "license": "MIT",
    }
    return {**base, **toggles, **NAMES[stack]}


def _context(answers: dict[str, str], goal: str | None = None) -> AdrContext:
    notes = ("api: authentication on",) if goal else ()
    return AdrContext(answers, get_stack(answers["stack"]).title, "2026-11-23", "0.1.0", goal, notes)


CASES = [(stack.id, toggles) for stack in STACKS for toggles in (ON, OFF)]


@pytest.mark.parametrize(("stack", "toggles"), CASES)
def test_every_decision_is_recorded_for_every_answer_set(stack: str, toggles: dict[str, str]) -> None:
    decisions = decisions_for(_answers(stack, toggles), get_stack(stack).title)
    assert [d.id for d in decisions] == [entry["id"] for entry in raw_catalogue()]
    assert len({d.title for d in decisions}) == len(decisions)
    for decision in decisions:
        assert decision.chosen in [option.name for option in decision.options], decision.id
        assert len(decision.options) >= 2, decision.id
        assert decision.context and decision.because, decision.id
        # It follows "Chosen option: ..., because" verbatim: lowercase unless it opens with a name.
        assert decision.because[0].islower() or decision.because.split()[0] in {"Dragonfly"}, decision.id
        if decision.answer:
            assert decision.choice == _answers(stack, toggles)[decision.answer]


def test_catalogue_covers_every_accepted_answer() -> None:
    questions = question_set(template_root())
    for entry in raw_catalogue():
        answer = entry.get("answer")
        if not answer:
            continue
        covered = {variant["when"].get(answer) for variant in entry["variants"]}
        assert set(questions[answer].accepted) - {"quarkus"} <= covered, entry["id"]


@pytest.mark.parametrize(("stack", "toggles"), CASES)
def test_records_are_madr_with_machine_readable_front_matter(stack: str, toggles: dict[str, str]) -> None:
    answers = _answers(stack, toggles)
    for decision in decisions_for(answers, get_stack(stack).title):
        text = render_record(decision, _context(answers))
        _, front, body = text.split("---\n", 2)
        meta = yaml.safe_load(front)
        assert meta["status"] == "accepted"
        assert meta["date"] == "2026-11-23"
        assert meta["generator"]["decision"] == decision.id
        assert meta["generator"]["template-version"] == "0.1.0"
        for heading in ("## Context and Problem Statement", "## Considered Options", "## Decision Outcome"):
            assert heading in body
        assert f'Chosen option: "{decision.chosen}"' in body
        assert "{{" not in text and "{%" not in text
        assert "\n\n\n" not in text
        # A fact substituted into prose must read as a sentence: "the ordinary X client client" did not.
        assert not (doubled := re.search(r"\b(\w+)\s+\1\b", body, re.IGNORECASE)), (decision.id, doubled)


def test_switched_off_cache_is_a_decision_with_a_way_back() -> None:
    answers = _answers("go-connectrpc", OFF)
    caching = next(d for d in decisions_for(answers, "Go + ConnectRPC") if d.id == "caching")
    assert caching.choice == "none"
    text = render_record(caching, _context(answers))
    assert "cache=dragonfly" in text


def test_stack_specific_records_name_the_stack_libraries() -> None:
    go = render_record(
        decisions_for(_answers("go-connectrpc", ON), "Go + ConnectRPC")[1], _context(_answers("go-connectrpc", ON))
    )
    assert "connect" in go.lower()
    rust = render_record(
        decisions_for(_answers("rust-axum", ON), "Rust + Axum + SQLx")[1], _context(_answers("rust-axum", ON))
    )
    assert "axum" in rust.lower()


def test_goal_is_recorded_in_the_context(tmp_path: Path) -> None:
    answers = _answers("python-fastapi", ON)
    written = write_decision_log(tmp_path, _context(answers, goal="An orders API with login"))
    first = written[1].read_text()
    assert 'The team stated its goal as: "An orders API with login"' in first
    assert "api: authentication on" in first


def test_log_is_numbered_in_order_and_indexed(tmp_path: Path) -> None:
    answers = _answers("rust-axum", ON)
    written = write_decision_log(tmp_path, _context(answers))
    names = [path.name for path in written]
    assert names[0] == "0001-record-architecture-decisions.md"
    assert [name[:4] for name in names[:-1]] == [f"{n:04d}" for n in range(1, len(names))]
    assert names[-1] == "README.md"
    index = written[-1].read_text()
    for record in read_records(written[0].parent):
        assert f"[{record.number:04d}]({record.file})" in index


def test_numbers_continue_after_the_teams_own_records(tmp_path: Path) -> None:
    docs = tmp_path / "docs" / "architecture"
    docs.mkdir(parents=True)
    (docs / "0012-use-graphql-for-reporting.md").write_text("# Use GraphQL for reporting\n\n## Status\n\nAccepted\n")
    assert next_number(docs) == 13
    written = write_decision_log(tmp_path, _context(_answers("python-fastapi", OFF)))
    assert written[0].name.startswith("0013-")
    team = read_records(docs)[0]
    assert (team.number, team.title, team.status) == (12, "Use GraphQL for reporting", "Accepted")


def test_index_keeps_the_teams_text_outside_the_markers(tmp_path: Path) -> None:
    docs = tmp_path
    (docs / "README.md").write_text(
        f"# Our decisions\n\nRead these first.\n\n{INDEX_START}\nold\n{INDEX_END}\n\nFooter.\n"
    )
    (docs / "0001-record-architecture-decisions.md").write_text(
        "---\nstatus: accepted\ndate: 2026-01-02\n---\n# Record\n"
    )
    text = write_index(docs, "Orders").read_text()
    assert text.startswith("# Our decisions\n\nRead these first.\n")
    assert text.endswith("\n\nFooter.\n")
    assert "old" not in text
    assert "| [0001](0001-record-architecture-decisions.md) | Record | accepted | 2026-01-02 |" in text
