"""Hostile input to `new`: each case exits 2 with one line naming the cause, and writes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CliRunner, _cli_env

SECRET = "s3cr3t-" + "k" * 40


def _alias_bomb() -> bytes:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for level in range(1, 10):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 9)}]")
    return ("\n".join(lines) + "\nproject_name: bomb\n").encode()


ANSWERS_FILES: dict[str, tuple[bytes, str]] = {
    "latin-1": (b"stack: python-fastapi\nauthor_name: Jos\xe9\n", "not UTF-8 text (byte 0xe9"),
    "utf-16": ("stack: python-fastapi\n".encode("utf-16"), "not UTF-8 text"),
    "nul byte": (b"stack: python-fastapi\ndescription: a\x00b\n", "not valid YAML"),
    "50,000 deep list": (b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
    "3,000 deep mapping": (b"{a: " * 3_000 + b"b" + b"}" * 3_000, "nested too deeply"),
    "alias bomb": (_alias_bomb(), "uses a YAML alias"),
    "larger than the cap": (b"# " + b"x" * 300_000 + b"\n", "larger than 256 KiB"),
    "1e400": (b"stack: python-fastapi\nproject_name: 1e400\n", "project_name='1e400': must start with a letter"),
    "duplicate key": (b"stack: python-fastapi\ncache: none\ncache: dragonfly\n", "the key 'cache' appears twice"),
    "list value": (b"stack: python-fastapi\ncache: [none]\n", "'cache': expected a text value"),
    "boolean value": (b"stack: python-fastapi\ncache: no\n", "got the YAML bool 'no'; quote it"),
    "null value": (b"stack: python-fastapi\ncache:\n", "got the YAML null"),
    "binary tag": (b"stack: python-fastapi\ndescription: !!binary aGk=\n", "got the YAML binary"),
    "mapping as key": (b"stack: python-fastapi\n? [a]\n: b\n", "every key must be a plain name"),
    "two documents": (b"stack: python-fastapi\n---\ncache: none\n", "not valid YAML (expected a single document"),
    "unclosed list": (b"stack: [unclosed\n", "not valid YAML"),
    "a list": (b"- stack\n", "expected a mapping of question: answer"),
}

DATA: dict[str, tuple[list[str], str]] = {
    "secret with a newline": (
        ["--stack", "python-fastapi", "--data", f"jwt_secret={SECRET}\nADMIN_PASSWORD=x"],
        "jwt_secret: must be one line of printable ASCII",
    ),
    "secret with a space": (
        ["--stack", "go-connectrpc", "--data", f"jwt_secret={SECRET} x"],
        "jwt_secret: must be one line",
    ),
    "go module of a dependency": (
        ["--stack", "go-connectrpc", "--data", "go_module=connectrpc.com/connect"],
        "own dependency connectrpc.com/connect",
    ),
    "go module under a dependency": (
        ["--stack", "go-connectrpc", "--data", "go_module=github.com/jackc/pgx/v5/mine"],
        "own dependency github.com/jackc/pgx/v5",
    ),
    "go module with a space": (
        ["--stack", "go-connectrpc", "--data", "go_module=example.com/my service"],
        "must not contain ' ': a module path is one word",
    ),
    "rich markup in a value": (["--stack", "python-fastapi", "--data", "project_name=[/]"], "project_name='[/]'"),
    "markup in an unknown key": (["--stack", "python-fastapi", "--data", "[bold]x=1"], "'[bold]x'"),
}

CRATES = ["axum", "tokio", "serde", "sqlx", "tower", "hyper", "tower-http", "serde_json"]


def _tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if "_home" not in p.parts)


def _refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0], lines[0]
    assert len(lines[0]) < 1000
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("case", ANSWERS_FILES, ids=list(ANSWERS_FILES))
def test_hostile_answers_file_is_refused_in_one_line(cli: CliRunner, tmp_path: Path, case: str) -> None:
    content, message = ANSWERS_FILES[case]
    (tmp_path / "answers.yml").write_bytes(content)
    before = _tree(tmp_path)
    result = cli("new", "out", "--answers-file", "answers.yml", "--defaults", "--no-git")
    _refused(result, message)
    assert _tree(tmp_path) == before


def test_a_folder_as_answers_file_cannot_be_read(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "answers").mkdir()
    _refused(cli("new", "out", "--answers-file", "answers", "--defaults"), "cannot read it (Is a directory)")


@pytest.mark.parametrize("case", DATA, ids=list(DATA))
def test_hostile_data_is_refused_in_one_line(cli: CliRunner, tmp_path: Path, case: str) -> None:
    args, message = DATA[case]
    before = _tree(tmp_path)
    result = cli("new", "out", "--defaults", "--no-git", *args)
    _refused(result, message)
    assert SECRET not in result.stderr
    assert _tree(tmp_path) == before


def test_a_huge_value_is_echoed_cut_short(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("new", "out", "--defaults", "--stack", "python-fastapi", "--data", "project_name=" + "9" * 100_000)
    _refused(result, "(100000 characters)")
    (tmp_path / "answers.yml").write_text("stack: python-fastapi\ndescription: '" + "<" * 200_000 + "'\n")
    _refused(cli("new", "out", "--defaults", "--answers-file", "answers.yml"), "(200000 characters)")


@pytest.mark.parametrize("crate", CRATES)
def test_rust_crate_named_like_a_dependency_is_refused(cli: CliRunner, tmp_path: Path, crate: str) -> None:
    result = cli("new", "out", "--stack", "rust-axum", "--defaults", "--data", f"rust_crate={crate}")
    _refused(result, f"rust_crate='{crate}': '{crate}' is a crate the generated project depends on")
    assert not (tmp_path / "out").exists()


def test_a_folder_named_like_a_dependency_does_not_walk_into_it(cli: CliRunner, tmp_path: Path) -> None:
    _refused(cli("new", "axum", "--stack", "rust-axum", "--defaults"), "rust_crate='axum'")
    assert not (tmp_path / "axum").exists()


def test_a_detected_value_that_fails_validation_is_not_used(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "pyproject.toml").write_text('[project]\nname = "app"\n')
    result = cli("new", "svc", "--defaults", "--skip-existing", "--no-git", "--skip-tasks")
    assert result.returncode == 0, result.stderr
    assert "detected python_package='app' in pyproject.toml, not used: 'app' would shadow" in result.stderr
    assert "python_package: svc" in (tmp_path / "svc" / ".copier-answers.yml").read_text()


def test_a_detected_value_without_a_default_is_named_in_the_one_error_line(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("new", "0", "--stack", "python-fastapi", "--defaults")
    _refused(result, "missing answers with no default: project_name, ")
    assert "detected project_name='0' in the folder name, not used: must start with a letter" in result.stderr
    assert "add --defaults" not in result.stderr
    assert not (tmp_path / "0").exists()


def test_destination_under_a_regular_file_is_refused(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    before = _tree(tmp_path)
    result = cli("new", "notes.txt/svc/deeper", "--stack", "python-fastapi", "--defaults")
    _refused(result, "notes.txt is a file, not a folder")
    assert _tree(tmp_path) == before


def test_a_name_without_room_for_the_staging_folder_is_refused(cli: CliRunner, tmp_path: Path) -> None:
    before = _tree(tmp_path)
    for name in ("n" * 240, "n" * 300):
        result = cli("new", name, "--stack", "python-fastapi", "--defaults", "--data", "project_name=n")
        _refused(result, "choose a shorter one")
        assert _tree(tmp_path) == before


def test_a_dangling_symlink_is_not_followed(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere" / "target")
    result = cli("new", "link", "--stack", "python-fastapi", "--defaults", "--data", "project_name=svc")
    _refused(result, "link is a symlink to")
    assert not (tmp_path / "elsewhere").exists()


def _run_with_read_only(folder: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with `folder` read-only: a read-only bind mount for root (who ignores modes)."""
    command = [sys.executable, "-m", "backend_scaffold", *args]
    if os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("root without unshare(1) cannot make a read-only folder")
        script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
        command = ["unshare", "--mount", "sh", "-c", script, str(folder), *command]
    else:
        folder.chmod(0o555)
    try:
        return subprocess.run(
            command, cwd=folder.parent, env=_cli_env(home), capture_output=True, text=True, check=False, timeout=120
        )
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize(
    ("dest", "extra"),
    [("ro/svc", []), ("ro/missing/parents/svc", []), ("ro/svc", ["--pretend"]), ("ro/svc", ["--pretend", "--json"])],
)
def test_a_read_only_parent_is_refused_even_with_pretend(tmp_path: Path, dest: str, extra: list[str]) -> None:
    (tmp_path / "ro").mkdir()
    (tmp_path / "home").mkdir()
    before = _tree(tmp_path)
    result = _run_with_read_only(
        tmp_path / "ro", tmp_path / "home", "new", dest, "--stack", "python-fastapi", "--defaults", *extra
    )
    if result.returncode == 1 and "unshare" in result.stderr:
        pytest.skip(f"no mount namespace here: {result.stderr.strip()}")
    _refused(result, "ro (Read-only file system)" if os.geteuid() == 0 else "ro (Permission denied)")
    assert "cannot write in" in result.stderr
    assert result.stdout == ""
    assert _tree(tmp_path) == before
