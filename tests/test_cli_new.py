"""`new` without a terminal: answers files, --data, --defaults, bad input, pretend, git, JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import CliRunner

STACKS = ["go-connectrpc", "rust-axum", "java-spring", "python-fastapi"]
NAME_KEY = {
    "go-connectrpc": "go_module",
    "rust-axum": "rust_crate",
    "java-spring": "java_package",
    "python-fastapi": "python_package",
}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def _answers(project: Path) -> dict[str, str]:
    loaded: dict[str, str] = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return loaded


@pytest.mark.parametrize("stack", STACKS)
def test_defaults_generate_a_committed_project_with_decisions(cli: CliRunner, tmp_path: Path, stack: str) -> None:
    result = cli("new", "shop-api", "--stack", stack, "--defaults", "--skip-tasks")
    assert result.returncode == 0, result.stderr
    project = tmp_path / "shop-api"
    answers = _answers(project)
    assert answers["stack"] == stack
    assert answers["project_name"] == "shop-api"
    assert answers["project_slug"] == "shop-api"
    assert NAME_KEY[stack] in answers
    assert "jwt_secret" not in answers
    adrs = sorted(p.name for p in (project / "docs" / "architecture").glob("0*.md"))
    assert adrs[0] == "0001-record-architecture-decisions.md"
    assert len(adrs) == 10
    assert _git(project, "rev-list", "--count", "HEAD").strip() == "1"
    assert _git(project, "status", "--porcelain") == ""
    assert _git(project, "branch", "--show-current").strip() == "main"


@pytest.mark.parametrize("stack", STACKS)
def test_secret_lands_only_in_the_ignored_env_file(cli: CliRunner, tmp_path: Path, stack: str) -> None:
    assert cli("new", "svc", "--stack", stack, "--defaults", "--skip-tasks").returncode == 0
    project = tmp_path / "svc"
    env = dict(
        line.split("=", 1)
        for line in (project / ".env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    secret = env["JWT_SECRET"]
    assert len(secret) >= 32
    tracked = _git(project, "ls-files").split()
    assert ".env" not in tracked
    assert ".env.example" in tracked
    assert secret not in (project / ".env.example").read_text()
    grep = subprocess.run(
        ["git", "-C", str(project), "grep", "-F", "-e", secret], capture_output=True, text=True, check=False
    )
    assert grep.returncode == 1, grep.stdout


def test_each_project_gets_its_own_secret(cli: CliRunner, tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert cli("new", name, "--stack", "python-fastapi", "--defaults", "--no-git").returncode == 0
    assert (tmp_path / "a" / ".env").read_text() != (tmp_path / "b" / ".env").read_text()


def test_answers_file_alone_is_enough(cli: CliRunner, tmp_path: Path) -> None:
    answers = {
        "_src_path": "ignored",
        "stack": "python-fastapi",
        "project_name": "Billing API",
        "project_slug": "billing-api",
        "description": "Invoices and payments",
        "author_name": "Billing Team",
        "author_email": "billing@example.com",
        "license": "Apache-2.0",
        "database": "postgres",
        "cache": "none",
        "messaging": "redpanda",
        "auth": "jwt",
        "ci": "gitlab",
        "python_package": "billing",
    }
    (tmp_path / "answers.yml").write_text(yaml.safe_dump(answers))
    result = cli("new", "billing", "--answers-file", "answers.yml")
    assert result.returncode == 0, result.stderr
    recorded = _answers(tmp_path / "billing")
    assert {k: recorded[k] for k in answers if not k.startswith("_")} == {
        k: v for k, v in answers.items() if not k.startswith("_")
    }
    assert (tmp_path / "billing" / ".gitlab-ci.yml").is_file()
    assert not (tmp_path / "billing" / ".github").exists()


def test_data_overrides_the_answers_file_and_shapes_the_records(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "answers.yml").write_text("stack: rust-axum\ncache: dragonfly\n")
    result = cli("new", "r", "--answers-file", "answers.yml", "--data", "cache=none", "--defaults", "--no-git")
    assert result.returncode == 0, result.stderr
    assert _answers(tmp_path / "r")["cache"] == "none"
    caching = next((tmp_path / "r" / "docs" / "architecture").glob("0005-*.md")).read_text()
    meta = yaml.safe_load(caching.split("---\n")[1])
    assert meta["generator"]["answer"] == "cache"
    assert meta["generator"]["choice"] == "none"


def test_missing_answers_without_a_terminal_name_every_key(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("new", "x", "--stack", "go-connectrpc")
    assert result.returncode == 2
    for key in ("project_name", "project_slug", "description", "database", "cache", "ci", "go_module"):
        assert key in result.stderr
    assert "--defaults" in result.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stack", "cobol"], "invalid choice: 'cobol'"),
        (["--data", "stack=cobol"], "stack='cobol': must be one of go-connectrpc, rust-axum"),
        (["--stack", "go-connectrpc", "--data", "colour=blue"], "unknown answer key(s): colour"),
        (["--stack", "go-connectrpc", "--data", "go_module=Bad/Path"], "go_module='Bad/Path'"),
        (
            ["--stack", "rust-axum", "--data", "go_module=example.com/x"],
            "go_module: does not apply to stack 'rust-axum'",
        ),
        (["--stack", "java-spring", "--data", "java_package=com.example.class"], "Java keyword"),
        (["--stack", "java-spring", "--data", "java_framework=quarkus"], "quarkus is reserved"),
        (["--stack", "python-fastapi", "--data", "python_package=json"], "standard library"),
        (
            ["--stack", "python-fastapi", "--data", "cache=memcached"],
            "cache='memcached': must be one of dragonfly, none",
        ),
        (["--stack", "python-fastapi", "--data", "nonsense"], "expected KEY=VALUE"),
        (["--answers-file", "missing.yml"], "cannot read it"),
    ],
)
def test_bad_input_exits_2_names_the_key_and_writes_nothing(
    cli: CliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    before = sorted(p.name for p in tmp_path.iterdir())
    result = cli("new", "out", "--defaults", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_malformed_answers_file_is_rejected(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text("stack: [unclosed\n")
    result = cli("new", "out", "--answers-file", "bad.yml", "--defaults")
    assert result.returncode == 2
    assert "not valid YAML" in result.stderr


def test_pretend_shows_the_tree_and_writes_nothing(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("new", "p", "--stack", "go-connectrpc", "--defaults", "--pretend", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["pretend"] is True
    assert "docs/architecture/0001-record-architecture-decisions.md" in payload["files"]
    assert ".copier-answers.yml" in payload["files"]
    assert payload["steps"][0]["command"] == "go tool -modfile=tools/go.mod buf generate"
    assert not (tmp_path / "p").exists()
    human = cli("new", "p", "--stack", "go-connectrpc", "--defaults", "--pretend")
    assert "Would create" in human.stdout
    assert not (tmp_path / "p").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".p.")]


def test_json_result_describes_the_project(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("new", "j", "--stack", "rust-axum", "--defaults", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["dest"] == str(tmp_path / "j")
    assert payload["stack"] == "rust-axum"
    assert payload["answers"]["rust_crate"] == "j"
    assert "jwt_secret" not in payload["answers"]
    assert len(payload["commit"]) == 40
    assert "Cargo.toml" in payload["files"]


def test_non_empty_destination_is_refused_then_merged_as_asked(cli: CliRunner, tmp_path: Path) -> None:
    dest = tmp_path / "existing"
    dest.mkdir()
    (dest / "README.md").write_text("ours\n")
    refused = cli("new", "existing", "--stack", "python-fastapi", "--defaults")
    assert refused.returncode == 2
    assert "--skip-existing" in refused.stderr and "--overwrite" in refused.stderr
    assert [p.name for p in dest.iterdir()] == ["README.md"]

    kept = cli("new", "existing", "--stack", "python-fastapi", "--defaults", "--skip-existing", "--no-git")
    assert kept.returncode == 0, kept.stderr
    assert (dest / "README.md").read_text() == "ours\n"
    assert (dest / "Makefile").is_file()

    replaced = cli("new", "existing", "--stack", "python-fastapi", "--defaults", "--overwrite", "--no-git")
    assert replaced.returncode == 0, replaced.stderr
    assert (dest / "README.md").read_text() != "ours\n"


def test_inside_an_existing_repository_no_nested_git_is_made(cli: CliRunner, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path / "mono")], check=True)
    result = cli("new", "mono/services/orders", "--stack", "go-connectrpc", "--defaults", "--skip-tasks")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "mono" / "services" / "orders" / ".git").exists()
    assert "inside a git work tree" in result.stdout


def test_no_git_leaves_no_repository(cli: CliRunner, tmp_path: Path) -> None:
    assert cli("new", "n", "--stack", "java-spring", "--defaults", "--no-git", "--skip-tasks").returncode == 0
    assert not (tmp_path / "n" / ".git").exists()


def test_destination_defaults_to_the_slug(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("new", "--stack", "python-fastapi", "--defaults", "--data", "project_name=Payments Hub", "--no-git")
    assert result.returncode == 0, result.stderr
    assert _answers(tmp_path / "payments-hub")["project_slug"] == "payments-hub"


def test_goal_presets_answers_and_is_recorded(cli: CliRunner, tmp_path: Path) -> None:
    result = cli(
        "new", "g", "--stack", "python-fastapi", "--defaults", "--no-git",
        "--data", "cache=none", "--data", "messaging=none",
        "--goal", "an orders API, no database, with caching",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Goal:" in result.stderr
    answers = _answers(tmp_path / "g")
    assert answers["database"] == "none"
    assert answers["cache"] == "none"  # an explicit answer beats a preset
    adr = next((tmp_path / "g" / "docs" / "architecture").glob("0004-*.md")).read_text()
    assert "an orders API, no database, with caching" in adr
