"""What a newcomer sees first: `list`, `doctor`, the summary after `new`, a secret of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CliRunner

SECRET = "my-own-development-secret-0123456789abcdef"


def _script(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def _doctor(stack: str, env: dict[str, str], *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend_scaffold", "doctor", "--stack", stack, *flags],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def _tool_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env.update({"PATH": f"{tmp_path / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin", "NO_COLOR": "1", **extra})
    return env


def test_list_shows_shared_questions_once_and_defaults_in_words(cli: CliRunner) -> None:
    result = cli("list")
    assert result.returncode == 0, result.stderr
    assert "{{" not in result.stdout and "{%" not in result.stdout
    assert result.stdout.count("│ project_name ") == 1
    assert "Every stack asks" in result.stdout
    assert "derived from project_name" in result.stdout
    assert "example.com/<project_slug>" in result.stdout
    payload = json.loads(cli("list", "--json").stdout)
    assert "{{" not in json.dumps(payload)
    go = {q["name"]: q for q in payload[0]["questions"]}
    assert go["project_slug"]["derived_from"] == ["project_name"]


def test_doctor_strips_the_escapes_a_tool_prints(tmp_path: Path) -> None:
    _script(tmp_path / "bin" / "mvn", r"printf '\033[1mApache Maven 3.9.9\033[m (abc)\n'")
    env = _tool_env(tmp_path)
    table = _doctor("java-spring", env)
    assert "\x1b" not in table.stdout
    assert "Apache Maven 3.9.9 (abc)" in table.stdout
    checks = {c["command"]: c for c in json.loads(_doctor("java-spring", env, "--json").stdout)["checks"]}
    assert checks["mvn"]["version"] == "Apache Maven 3.9.9 (abc)"


def test_doctor_points_java_home_at_an_installed_jdk_25(tmp_path: Path) -> None:
    _script(tmp_path / "bin" / "java", "echo 'openjdk version \"17.0.15\" 2025-04-15' >&2")
    jdk = tmp_path / "jvm" / "temurin-25-jdk-amd64"
    _script(jdk / "bin" / "java", "echo 'openjdk version \"25.0.3\" 2026-04-21' >&2")
    (jdk / "release").write_text('IMPLEMENTOR="Eclipse Adoptium"\nJAVA_VERSION="25.0.3"\n')
    older = tmp_path / "jvm" / "java-17-openjdk-amd64"
    _script(older / "bin" / "java", "exit 0")
    (older / "release").write_text('JAVA_VERSION="17.0.15"\n')
    env = _tool_env(tmp_path, BACKEND_SCAFFOLD_JDK_ROOTS=str(tmp_path / "jvm"))
    result = _doctor("java-spring", env, "--json")
    assert result.returncode == 1
    java = {c["command"]: c for c in json.loads(result.stdout)["checks"]}["java"]
    assert java["too_old"] is True
    assert java["install_hint"] == f"a JDK 25+ is installed at {jdk}: export JAVA_HOME={jdk}"


def test_doctor_hints_are_never_cut_on_a_narrow_terminal(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    result = _doctor("python-fastapi", _tool_env(tmp_path, COLUMNS="80", PATH=str(tmp_path / "bin")))
    assert result.returncode == 1
    assert "uv: pip install uv (or https://docs.astral.sh/uv/)" in result.stdout.splitlines()


def test_new_prints_a_short_summary_on_stdout_and_the_tree_only_when_asked(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("new", "svc", "--stack", "python-fastapi", "--defaults", "--no-git")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Created {tmp_path / 'svc'} (python-fastapi): ")
    assert "database=postgres" in lines[1] and "python_package=svc" in lines[1]
    assert len(lines) < 20, result.stdout
    assert "pyproject.toml" not in result.stdout
    assert result.stderr == ""
    verbose = cli("new", "svc2", "--stack", "python-fastapi", "--defaults", "--no-git", "--verbose")
    assert "pyproject.toml" in verbose.stdout
    pretend = cli("new", "svc3", "--stack", "python-fastapi", "--defaults", "--pretend")
    assert "pyproject.toml" in pretend.stdout and "Would create" in pretend.stdout
    assert not (tmp_path / "svc3").exists()


@pytest.mark.parametrize(
    ("stack", "data", "expected", "absent"),
    [
        ("python-fastapi", [], ["make test", "make infra", "DATABASE_URL, CACHE_URL, KAFKA_BROKERS"], []),
        ("rust-axum", ["cache=none", "messaging=none"], ["docker compose up --detach postgres", "DATABASE_URL"],
         ["CACHE_URL", "redpanda"]),
        ("go-connectrpc", ["database=none", "cache=none", "messaging=none"], ["nothing else to start", "make generate"],
         ["docker compose", "make infra"]),
    ],
)  # fmt: skip
def test_next_steps_are_true_for_the_answers(
    cli: CliRunner, stack: str, data: list[str], expected: list[str], absent: list[str]
) -> None:
    flags = [arg for item in data for arg in ("--data", item)]
    result = cli("new", "svc", "--stack", stack, "--defaults", "--no-git", "--skip-tasks", *flags)
    assert result.returncode == 0, result.stderr
    steps = result.stdout.split("Next:", 1)[1]
    for text in expected:
        assert text in steps
    for text in absent:
        assert text not in steps


def test_a_development_secret_of_your_own_lands_only_in_env(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("new", "svc", "--stack", "python-fastapi", "--defaults", "--data", f"jwt_secret={SECRET}")
    assert result.returncode == 0, result.stderr
    assert f"JWT_SECRET={SECRET}\n" in (tmp_path / "svc" / ".env").read_text()
    assert SECRET not in (tmp_path / "svc" / ".copier-answers.yml").read_text()
    assert SECRET not in result.stdout + result.stderr


def test_skip_existing_lists_kept_files_and_warns_about_kept_build_files(cli: CliRunner, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "go.mod").write_text("module example.com/repo\n\ngo 1.26\n")
    (repo / "Makefile").write_text("build:\n\tgo build ./...\n")
    (repo / "README.md").write_text("ours\n")
    args = ("new", "repo", "--stack", "go-connectrpc", "--defaults", "--skip-existing", "--no-git", "--skip-tasks")
    for pretend in (True, False):
        result = cli(*args, *(["--pretend"] if pretend else []))
        assert result.returncode == 0, result.stderr
        assert "kept: Makefile, README.md, go.mod" in result.stdout
        assert "overwritten" not in result.stdout.split("existing files:")[1].split("\n")[0].replace(
            "0 overwritten", ""
        )
        modules = result.stderr.split("kept go.mod lacks required modules the generated code needs: ")[1]
        assert "buf.build/go/protovalidate, connectrpc.com/connect" in modules.split("\n")[0]
        assert "kept Makefile lacks targets the generated code needs: " in result.stderr
    assert (repo / "go.mod").read_text() == "module example.com/repo\n\ngo 1.26\n"
    payload = json.loads(cli("new", "repo", "--stack", "go-connectrpc", "--defaults", "--overwrite", "--no-git",
                             "--skip-tasks", "--pretend", "--json").stdout)  # fmt: skip
    assert set(payload["overwritten"]) >= {"Makefile", "README.md", "go.mod"}
    assert payload["kept"] == []


def test_scratch_folders_of_killed_runs_are_removed_by_the_next(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    tmp = tmp_path / "tmp"
    stale = tmp / f"backend-scaffold-pretend-{dead.pid}-abc123" / "project"
    stale.mkdir(parents=True)
    (stale / "big.bin").write_bytes(b"x" * 1000)
    alive = tmp / f"backend-scaffold-update-{os.getpid()}-def456"
    alive.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "NO_COLOR": "1", "HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-m", "backend_scaffold", "new", "svc", "--stack", "python-fastapi", "--defaults",
         "--pretend"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not stale.parent.exists(), "the dead run's scratch is gone"
    assert alive.exists(), "a running one's is left alone"
    assert sorted(p.name for p in tmp.iterdir()) == [alive.name], "and --pretend left none of its own"
