"""The real questionary prompts, driven through a pseudo-terminal."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest
import yaml

DOWN = "\x1b[B"
ENTER = "\r"
CLEAR_LINE = "\x15"  # Ctrl-U: discard the prefilled default


@pytest.fixture
def session(tmp_path: Path) -> pexpect.spawn:
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm", "GIT_CONFIG_NOSYSTEM": "1"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "backend_scaffold", "new", "orders", "--no-git", "--skip-tasks"],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 200),
    )
    yield child
    child.close(force=True)


def _answer(child: pexpect.spawn, key: str, keys: str) -> None:
    child.expect(rf"\({key}\)")
    child.send(keys)


def test_prompts_ask_validate_and_generate(session: pexpect.spawn, tmp_path: Path) -> None:
    child = session
    child.expect("Recommended")  # nothing detected in an empty folder: say what we recommend and why
    _answer(child, "stack", DOWN * 3 + ENTER)  # the fourth stack: python-fastapi
    _answer(child, "project_name", CLEAR_LINE + "Orders Service" + ENTER)
    _answer(child, "project_slug", ENTER)  # derived default: orders-service
    _answer(child, "description", ENTER)
    _answer(child, "author_name", CLEAR_LINE + "Shop Team" + ENTER)
    _answer(child, "author_email", CLEAR_LINE + "shop@example.com" + ENTER)
    _answer(child, "license", ENTER)
    _answer(child, "database", ENTER)
    _answer(child, "cache", DOWN + ENTER)  # None
    _answer(child, "messaging", ENTER)
    _answer(child, "auth", ENTER)
    _answer(child, "ci", DOWN * 2 + ENTER)  # None
    _answer(child, "python_package", CLEAR_LINE + "json" + ENTER)
    child.expect("standard library")  # validation rejects it on the spot
    child.send(CLEAR_LINE + "orders_core" + ENTER)
    child.expect("Your answers:")  # a recap of every answer, then one confirmation
    child.expect("python_package +orders_core")
    child.expect("Generate the project with these answers")
    child.send(ENTER)
    child.expect("Created")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    answers = yaml.safe_load((tmp_path / "orders" / ".copier-answers.yml").read_text())
    assert answers["stack"] == "python-fastapi"
    assert answers["project_name"] == "Orders Service"
    assert answers["project_slug"] == "orders-service"
    assert answers["author_name"] == "Shop Team"
    assert answers["cache"] == "none"
    assert answers["ci"] == "none"
    assert answers["python_package"] == "orders_core"


def test_declining_the_recap_writes_nothing(tmp_path: Path) -> None:
    answers = {"stack": "go-connectrpc", "project_name": "Orders", "go_module": "example.com/orders"}
    (tmp_path / "answers.yml").write_text(yaml.safe_dump(answers))
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm", "GIT_CONFIG_NOSYSTEM": "1"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "backend_scaffold", "new", "orders", "--answers-file", "answers.yml", "--no-git", "--skip-tasks"],
        cwd=str(tmp_path), env=env, encoding="utf-8", timeout=60, dimensions=(40, 200),
    )  # fmt: skip
    for key in ("project_slug", "description", "author_name", "author_email", "license"):
        _answer(child, key, ENTER)
    for key in ("database", "cache", "messaging", "auth", "ci"):
        _answer(child, key, ENTER)
    child.expect("go_module +example.com/orders")
    child.expect("Generate the project with these answers")
    child.send("n")
    child.expect("not confirmed; nothing was written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.yml"]
