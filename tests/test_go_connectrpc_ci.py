"""go-connectrpc's CI files name the database their integration tests connect to.

actionlint passes a workflow whose `POSTGRES_DB:` is empty (a null env value is valid YAML and
a valid workflow) and never reads the words inside `--health-cmd`, so an undefined template
variable there rendered to nothing unnoticed. These checks read the values themselves.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.conftest import CliRunner
from tests.projects import generate, require_toolchain, run, toolchain_env

NAME = "orders-service"
DATABASE = "orders_service"


def _generate(cli: CliRunner, tmp_path: Path, ci: str) -> Path:
    result = cli("new", NAME, "--stack", "go-connectrpc", "--defaults", "--no-git", "--skip-tasks", "--data", ci)
    assert result.returncode == 0, result.stderr
    return tmp_path / NAME


def _database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _health_database(options: str) -> str:
    found = re.search(r"pg_isready\b[^\"]*?-d\s+([\w-]+)", options)
    return found.group(1) if found else ""


def test_github_workflow_starts_postgres_with_the_database_the_tests_use(cli: CliRunner, tmp_path: Path) -> None:
    path = _generate(cli, tmp_path, "ci=github") / ".github/workflows/ci.yml"
    workflow: dict[str, Any] = yaml.safe_load(path.read_text())
    job = workflow["jobs"]["check"]
    postgres = job["services"]["postgres"]
    urls = [step["env"]["DATABASE_URL"] for step in job["steps"] if "DATABASE_URL" in (step.get("env") or {})]
    assert urls, "no step of the check job sets DATABASE_URL"
    assert postgres["env"]["POSTGRES_DB"] == DATABASE
    assert _health_database(postgres["options"]) == DATABASE, postgres["options"]
    assert {_database_of(url) for url in urls} == {DATABASE}


def test_gitlab_pipeline_starts_postgres_with_the_database_the_tests_use(cli: CliRunner, tmp_path: Path) -> None:
    pipeline: dict[str, Any] = yaml.safe_load((_generate(cli, tmp_path, "ci=gitlab") / ".gitlab-ci.yml").read_text())
    test = pipeline["test"]
    postgres = next(service for service in test["services"] if service["alias"] == "postgres")
    assert postgres["variables"]["POSTGRES_DB"] == DATABASE
    assert _database_of(test["variables"]["DATABASE_URL"]) == DATABASE


@pytest.mark.parametrize("ci", ["ci=github", "ci=gitlab"])
def test_ci_files_give_every_variable_a_value(cli: CliRunner, tmp_path: Path, ci: str) -> None:
    project = _generate(cli, tmp_path, ci)
    path = project / (".github/workflows/ci.yml" if ci == "ci=github" else ".gitlab-ci.yml")
    empty = [line for line in path.read_text().splitlines() if re.fullmatch(r"\s*[A-Z][A-Z0-9_]*:\s*", line)]
    assert not empty, f"{path.name} sets variables to nothing: {empty}"


@pytest.mark.e2e
def test_make_breaking_refuses_a_proto_change_that_breaks_clients(tmp_path: Path) -> None:
    """`make breaking`, which both CI files run on a change request, compares with the main branch."""
    require_toolchain("go-connectrpc")
    env = toolchain_env()
    project = generate(tmp_path, "go-connectrpc", [], env)
    # make reads an unescaped # as a comment: the default must still name the branch.
    assert "'.git#branch=main'" in run(["make", "breaking"], project, env).stdout

    orders = project / "proto/ordersservice/v1/orders.proto"
    changed = re.sub(r"\bint32 quantity\b", "string quantity", orders.read_text(), count=1)
    assert changed != orders.read_text(), "the test needs a field to change"
    orders.write_text(changed)
    breaking = subprocess.run(
        ["make", "breaking"], cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert breaking.returncode != 0
    output = breaking.stdout + breaking.stderr
    assert '"quantity"' in output and 'changed type from "int32" to "string"' in output, output


def test_github_runs_make_breaking_on_pull_requests_against_their_base(cli: CliRunner, tmp_path: Path) -> None:
    workflow: dict[str, Any] = yaml.safe_load(
        (_generate(cli, tmp_path, "ci=github") / ".github/workflows/ci.yml").read_text()
    )
    steps = [step for step in workflow["jobs"]["check"]["steps"] if "make breaking" in step.get("run", "")]
    assert len(steps) == 1, steps
    step = steps[0]
    assert step["if"] == "github.event_name == 'pull_request'"
    assert "#branch=$GITHUB_BASE_REF" in step["run"]
    assert set(step["env"]) == {"BUF_INPUT_HTTPS_USERNAME", "BUF_INPUT_HTTPS_PASSWORD"}


def test_gitlab_runs_every_job_and_make_breaking_in_merge_request_pipelines(cli: CliRunner, tmp_path: Path) -> None:
    pipeline: dict[str, Any] = yaml.safe_load((_generate(cli, tmp_path, "ci=gitlab") / ".gitlab-ci.yml").read_text())
    # Merge request pipelines run (or the merge would wait on a pipeline holding only `breaking`).
    rules = pipeline["workflow"]["rules"]
    assert rules[0] == {"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}
    assert {"if": "$CI_COMMIT_TAG"} in rules, "tags must still get a pipeline"
    assert all("rules" not in pipeline[job] for job in ("lint", "test")), "lint and test must run in every pipeline"
    breaking = pipeline["breaking"]
    assert breaking["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert breaking["script"] == [
        'make breaking AGAINST="$CI_MERGE_REQUEST_PROJECT_URL.git#branch=$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"'
    ]
    assert breaking["variables"]["BUF_INPUT_HTTPS_PASSWORD"] == "$CI_JOB_TOKEN"
