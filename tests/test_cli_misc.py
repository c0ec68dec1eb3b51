"""detect, list, doctor, adr list, --version, --help, NO_COLOR, and one-line errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from backend_scaffold import __version__
from backend_scaffold.answers import AnswerSources
from backend_scaffold.errors import RenderError
from backend_scaffold.generate import NewRequest, create
from tests.conftest import CliRunner


def test_version(cli: CliRunner) -> None:
    result = cli("--version")
    assert result.stdout.strip() == f"backend-scaffold {__version__}"


@pytest.mark.parametrize("command", [[], ["new"], ["detect"], ["list"], ["doctor"], ["adr"], ["adr", "list"]])
def test_help_on_everything(cli: CliRunner, command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.returncode == 0
    assert "usage: backend-scaffold" in result.stdout


def test_list_json_has_every_stack_and_its_own_questions(cli: CliRunner) -> None:
    payload = json.loads(cli("list", "--json").stdout)
    by_id = {stack["id"]: {q["name"]: q for q in stack["questions"]} for stack in payload}
    assert set(by_id) == {"go-connectrpc", "rust-axum", "java-spring", "python-fastapi"}
    assert "go_module" in by_id["go-connectrpc"] and "go_module" not in by_id["rust-axum"]
    assert by_id["java-spring"]["java_framework"]["accepted"] == ["spring-boot", "quarkus"]
    assert by_id["python-fastapi"]["cache"]["default"] == "dragonfly"
    assert all("jwt_secret" not in questions for questions in by_id.values())


def test_detect_json_reports_a_go_project(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "go.mod").write_text("module example.com/svc\n\nrequire connectrpc.com/connect v1.19.0\n")
    payload = json.loads(cli("detect", "svc", "--json").stdout)
    assert payload["stack"] == "go-connectrpc"
    assert payload["frameworks"] == ["connect"]
    assert payload["prefill"] == {"go_module": "example.com/svc"}


def test_new_prefills_from_detection(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "go.mod").write_text("module github.com/acme/svc\n")
    result = cli("new", "svc", "--defaults", "--skip-existing", "--skip-tasks", "--no-git", "--json")
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)["answers"]
    assert answers["stack"] == "go-connectrpc"
    assert answers["go_module"] == "github.com/acme/svc"


def _doctor(stack: str, env: dict[str, str]) -> tuple[int, dict[str, dict[str, object]]]:
    """`doctor --stack STACK --json` in its own process: exit code and the checks by command."""
    result = subprocess.run(
        [sys.executable, "-m", "backend_scaffold", "doctor", "--stack", stack, "--json"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return result.returncode, {c["command"]: c for c in json.loads(result.stdout)["checks"]}


def test_doctor_names_a_missing_tool_with_a_hint_and_exits_1(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(Path(sys.executable).parent), "NO_COLOR": "1"}
    code, checks = _doctor("rust-axum", env)
    assert code == 1
    assert checks["cargo"]["found"] is False
    assert "rustup" in checks["cargo"]["install_hint"]


def _fake_java(directory: Path, version: str) -> None:
    """A `java` that answers -version like a JDK does (on stderr)."""
    directory.mkdir(parents=True)
    java = directory / "java"
    java.write_text(f"#!/bin/sh\necho 'openjdk version \"{version}\" 2025-04-15' >&2\n")
    java.chmod(0o755)


def test_doctor_refuses_a_jdk_older_than_generated_projects_need(tmp_path: Path) -> None:
    _fake_java(tmp_path / "bin", "17.0.15")
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env.update(PATH=f"{tmp_path / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin", NO_COLOR="1")

    code, checks = _doctor("java-spring", env)
    java = checks["java"]

    assert code == 1
    assert java["found"] is True and java["too_old"] is True
    assert "JAVA_HOME" in str(java["install_hint"])


def test_doctor_checks_the_jdk_java_home_names_as_maven_would(tmp_path: Path) -> None:
    _fake_java(tmp_path / "bin", "17.0.15")
    _fake_java(tmp_path / "jdk-25" / "bin", "25.0.1")
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin", "NO_COLOR": "1"}
    env["JAVA_HOME"] = str(tmp_path / "jdk-25")

    code, checks = _doctor("java-spring", env)
    java = checks["java"]

    assert java["too_old"] is False
    assert "25.0.1" in str(java["version"])
    assert code == 0


def test_doctor_reads_the_stack_of_a_project(cli: CliRunner, tmp_path: Path) -> None:
    assert cli("new", "p", "--stack", "python-fastapi", "--defaults", "--no-git").returncode == 0
    payload = json.loads(cli("doctor", "p", "--json").stdout)
    assert {c["stack"] for c in payload["checks"]} == {"python-fastapi"}
    assert {c["command"] for c in payload["checks"]} >= {"uv", "python3", "make", "git"}


def test_adr_list_shows_the_log(cli: CliRunner, tmp_path: Path) -> None:
    assert cli("new", "p", "--stack", "rust-axum", "--defaults", "--no-git").returncode == 0
    records = json.loads(cli("adr", "list", "p", "--json").stdout)
    assert records[0]["number"] == 1
    assert records[0]["title"] == "Record architecture decisions"
    assert all(record["status"] == "accepted" for record in records)
    table = cli("adr", "list", "p")
    assert "Record architecture decisions" in table.stdout


def test_errors_are_one_line_without_colour_or_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "1", "COLUMNS": "300"}
    result = subprocess.run(
        [sys.executable, "-m", "backend_scaffold", "adr", "list", str(tmp_path)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no decision records" in result.stderr
    assert not re.search(r"\x1b\[[0-9;]*3[0-9]m", result.stderr)


def test_a_failure_mid_render_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from backend_scaffold import generate

    def explode(*_: object) -> list[Path]:
        raise OSError("disk full")

    monkeypatch.setattr(generate, "write_decision_log", explode)
    sources = AnswerSources({"stack": "python-fastapi", "project_name": "x"}, use_defaults=True)
    with pytest.raises(RenderError, match="disk full"):
        create(NewRequest(dest=tmp_path / "deep" / "dest", sources=sources, git=False))
    assert list(tmp_path.iterdir()) == []
