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


def _attempt(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A command the test expects to fail as often as to pass: its result, whichever it is."""
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def _git(project: Path, env: dict[str, str], *args: str) -> str:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    return run(["git", *identity, *args], project, env).stdout.strip()


@pytest.mark.e2e
def test_make_breaking_refuses_a_break_compares_a_merge_request_with_its_base_and_accepts_a_break_as_documented(
    tmp_path: Path,
) -> None:
    """`make breaking`, which both CI files run on a change request, against what the change started from.

    A GitLab merge request pipeline checks out the branch alone: compared with the target's tip, a
    field the target gained after the branch was cut reads as removed by the branch. The README's
    way of accepting one intended break must make exactly that break pass.
    """
    require_toolchain("go-connectrpc")
    env = toolchain_env()
    project = generate(tmp_path, "go-connectrpc", ["ci=gitlab"], env)
    # make reads an unescaped # as a comment: the default must still name the branch.
    assert "'.git#branch=main'" in run(["make", "breaking"], project, env).stdout

    # The target project gains a field after the merge request's branch was cut from it.
    target = tmp_path / "target.git"
    run(["git", "clone", "-q", "--bare", str(project), str(target)], tmp_path, env)
    base = _git(project, env, "rev-parse", "HEAD")
    upstream = tmp_path / "upstream"
    run(["git", "clone", "-q", str(target), str(upstream)], tmp_path, env)
    orders = Path("proto/ordersservice/v1/orders.proto")
    gained = re.sub(r"(\nmessage Order \{\n)", r"\1  string note = 40;\n", (upstream / orders).read_text(), count=1)
    assert gained != (upstream / orders).read_text(), "the test needs message Order"
    (upstream / orders).write_text(gained)
    _git(upstream, env, "commit", "-qam", "Orders gain a note")
    _git(upstream, env, "push", "-q", "origin", "HEAD:main")
    tip = _git(upstream, env, "rev-parse", "HEAD")
    against_tip = _attempt(["make", "breaking", f"AGAINST=file://{target}#branch=main"], project, env)
    assert against_tip.returncode != 0 and "FIELD_NO_DELETE" in against_tip.stdout, against_tip.stdout

    pipeline: dict[str, Any] = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    (script,) = pipeline["breaking"]["script"]
    merge_request = {
        **env,
        "CI_MERGE_REQUEST_PROJECT_URL": f"file://{target.with_suffix('')}",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
        "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": "",
    }
    assert target.with_suffix("").as_posix() + ".git" == target.as_posix()
    run(["bash", "-c", script], project, merge_request)

    # A break of its own fails it, naming the rule.
    original = (project / orders).read_text()
    changed = re.sub(r"\bint32 quantity\b", "string quantity", original, count=1)
    assert changed != original, "the test needs a field to change"
    (project / orders).write_text(changed)
    breaking = _attempt(["bash", "-c", script], project, merge_request)
    assert breaking.returncode != 0
    assert 'error FIELD_SAME_TYPE : Field "3" with name "quantity"' in breaking.stdout, breaking.stdout
    assert 'changed type from "int32" to "string"' in breaking.stdout, breaking.stdout

    # The README's buf.yaml block accepts that rule for that file, and no other rule.
    readme = (project / "README.md").read_text()
    (block,) = re.findall(r"```yaml\n(breaking:\n.*?)```", readme, flags=re.DOTALL)
    config: dict[str, Any] = yaml.safe_load((project / "buf.yaml").read_text())
    accepted = yaml.safe_load(block)["breaking"]
    assert {key: accepted[key] for key in config["breaking"]} == config["breaking"], "the README drops a setting"
    config["breaking"] = accepted
    (project / "buf.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    run(["bash", "-c", script], project, merge_request)
    renamed = changed.replace("string currency = 4;", "string currency_code = 4;")
    assert renamed != changed, "the test needs a field to rename"
    (project / orders).write_text(renamed)
    still = _attempt(["bash", "-c", script], project, merge_request)
    assert still.returncode != 0, still.stdout
    assert "FIELD_SAME_TYPE" not in still.stdout and "error FIELD_SAME_NAME" in still.stdout, still.stdout

    # A merged results pipeline checks out the merge with the target's tip: it compares with that tip.
    (project / orders).write_text(original)
    _git(project, env, "checkout", "-q", "--", "buf.yaml")
    _git(project, env, "pull", "-q", "--no-rebase", str(target), "main")
    run(["bash", "-c", script], project, {**merge_request, "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": tip})


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
        'make breaking AGAINST="$CI_MERGE_REQUEST_PROJECT_URL.git'
        '#ref=${CI_MERGE_REQUEST_TARGET_BRANCH_SHA:-$CI_MERGE_REQUEST_DIFF_BASE_SHA}"'
    ]
    assert breaking["variables"]["BUF_INPUT_HTTPS_PASSWORD"] == "$CI_JOB_TOKEN"
