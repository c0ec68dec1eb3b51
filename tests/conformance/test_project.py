"""Section `project` (docs/contract.md, part II): the generated project's own tests and CI.

A fresh project's `make test` passes with nothing running, its integration tests skipped with
one line naming the variables that enable them, and runs them for real once those variables name
real servers. Its GitHub workflow passes actionlint, and it and the GitLab pipeline start the
PostgreSQL, Dragonfly and Redpanda images of docker-compose.yml for the job that runs `make test`.
Each stack builds its defaults project once and runs `make test` twice; the other answer sets are
only rendered.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import infra
from tests.conformance import pipelines as ci
from tests.projects import ALL_OFF, generate, toolchain_env

# The current actionlint release (`go list -m -versions github.com/rhysd/actionlint`), built with `go run`.
ACTIONLINT_VERSION = "v1.7.12"
ACTIONLINT = f"github.com/rhysd/actionlint/cmd/actionlint@{ACTIONLINT_VERSION}"
# "Nothing running": none of these set (the project's .env may still hold development values).
UNSET_FOR_NOTHING_RUNNING = ("DATABASE_URL", "CACHE_URL", "KAFKA_BROKERS", "JWT_SECRET")
# Where the project's .env points its dependencies when the environment leaves them unset.
DEFAULT_PORTS = (5432, 6379, 9092)
MAKE_TEST_TIMEOUT = 2400
SKIP_WORD = re.compile(r"\bskip", re.IGNORECASE)
# A runner's count of nothing skipped (Maven's `Skipped: 0`) is no skip message.
NONE_SKIPPED = re.compile(r"\b(?:Skipped: 0|0 skipped)\b")
TEST_JWT_SECRET = "project-section-jwt-secret-0123456789abcdef"
GITHUB_ANSWERS = ["ci=github"]
ALL_OFF_GITHUB = [*(toggle for toggle in ALL_OFF if not toggle.startswith("ci=")), "ci=github"]
GITLAB_ANSWERS = ["ci=gitlab"]


@dataclass
class MakeTestRun:
    """One `make test`: its exit status, output, duration and how many tests passed."""

    exit_status: int
    output: str
    seconds: float
    passed: int
    visible: str

    def tail(self) -> str:
        return self.output[-6000:]


def answers_of(project: Path) -> dict[str, Any]:
    answers: dict[str, Any] = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return answers


def _project(stack: str, toggles: list[str], factory: pytest.TempPathFactory, label: str) -> Path:
    return generate(factory.mktemp(f"project-{stack}-{label}"), stack, toggles, toolchain_env())


@pytest.fixture(scope="module")
def defaults_project(stack: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _project(stack, GITHUB_ANSWERS, tmp_path_factory, "defaults")


@pytest.fixture(scope="module")
def all_off_project(stack: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _project(stack, ALL_OFF_GITHUB, tmp_path_factory, "all-off")


@pytest.fixture(scope="module")
def gitlab_project(stack: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _project(stack, GITLAB_ANSWERS, tmp_path_factory, "gitlab")


# Reading each runner's summary ------------------------------------------------------------------


def _go_events(output: str) -> list[dict[str, Any]]:
    events = []
    for line in output.splitlines():
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return events


def go_passed(output: str) -> int:
    """Tests (subtests included) that `go test -json` reports as passed."""
    return sum(1 for event in _go_events(output) if event.get("Action") == "pass" and event.get("Test"))


def pytest_passed(output: str) -> int:
    """`N passed` from pytest's last summary line."""
    summaries = re.findall(r"^=+ (.*\bin [\d.]+s.*) =+$", output, re.MULTILINE)
    found = re.search(r"(\d+) passed", summaries[-1]) if summaries else None
    return int(found.group(1)) if found else 0


def cargo_passed(output: str) -> int:
    """`N passed` summed over every test binary's `test result:` line."""
    return sum(int(count) for count in re.findall(r"^test result: \w+\. (\d+) passed;", output, re.MULTILINE))


def maven_passed(output: str) -> int:
    """Run minus failures, errors and skips, summed over Surefire's and Failsafe's totals."""
    totals = re.findall(r"Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)\s*$", output, re.MULTILINE)
    return sum(int(run) - int(failed) - int(errors) - int(skipped) for run, failed, errors, skipped in totals)


PASSED = {"python-fastapi": pytest_passed, "go-connectrpc": go_passed, "rust-axum": cargo_passed}
# cargo stops at the first failing test binary, Maven skips Failsafe after a Surefire failure.
STOPPED_EARLY = re.compile(
    r"^error: test failed, to rerun pass|Failed to execute goal \S+:maven-surefire-plugin", re.MULTILINE
)


def visible_output(stack: str, output: str) -> str:
    """What a user of plain `make test` sees: for Go, the lines outside `-json` (go test hides a passing
    package's own output, so a skip note must come from elsewhere, such as the Makefile)."""
    if stack != "go-connectrpc":
        return output
    return "\n".join(line for line in output.splitlines() if not line.startswith("{"))


def all_output(stack: str, output: str) -> str:
    """Every line any test printed, for Go decoded from `-json`."""
    if stack != "go-connectrpc":
        return output
    plain = visible_output(stack, output)
    return plain + "\n" + "".join(str(event.get("Output", "")) for event in _go_events(output))


def make_test(stack: str, project: Path, env: dict[str, str], label: str) -> MakeTestRun:
    """Run `make test` (Go with `-json`, to count its tests) and keep its log beside the project."""
    if stack == "go-connectrpc":
        env = {**env, "GOFLAGS": f"{env.get('GOFLAGS', '')} -json".strip()}
    started = time.monotonic()
    result = subprocess.run(
        ["make", "test"], cwd=project, env=env, capture_output=True, text=True, timeout=MAKE_TEST_TIMEOUT, check=False
    )
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    (project.parent / f"make-test-{label}.log").write_text(output)
    sys.stderr.write(f"[project] {stack} make test ({label}): exit {result.returncode} after {seconds:.1f}s\n")
    passed = PASSED.get(stack, maven_passed)(output)
    return MakeTestRun(result.returncode, output, seconds, passed, visible_output(stack, output))


# The two `make test` runs -----------------------------------------------------------------------


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def dotenv_ports(project: Path) -> set[int]:
    """Loopback ports the project's .env points DATABASE_URL, CACHE_URL and KAFKA_BROKERS at."""
    dotenv = project / ".env"
    lines = dotenv.read_text().splitlines() if dotenv.is_file() else []
    ports = set()
    for name, _, value in (line.partition("=") for line in lines):
        host, port = ci.host_and_port(value.strip().strip("\"'"))
        if name.strip() in UNSET_FOR_NOTHING_RUNNING[:3] and host in ci.LOCAL_HOSTS and port:
            ports.add(port)
    return ports


@pytest.fixture(scope="module")
def nothing_running_run(stack: str, defaults_project: Path) -> MakeTestRun:
    busy = sorted(port for port in {*DEFAULT_PORTS, *dotenv_ports(defaults_project)} if listening(port))
    if busy:
        pytest.skip(f"something listens on 127.0.0.1:{busy}, where .env points: 'nothing running' cannot hold here")
    env = {key: value for key, value in toolchain_env().items() if key not in UNSET_FOR_NOTHING_RUNNING}
    return make_test(stack, defaults_project, env, "nothing-running")


@pytest.fixture(scope="module")
def real_servers_run(
    stack: str, defaults_project: Path, services: dict[str, str], nothing_running_run: MakeTestRun
) -> MakeTestRun:
    database = infra.fresh_database(services["DATABASE_URL"], f"project_{stack.replace('-', '_')}")
    # What the generated CI passes: the servers, and a secret since .env is never committed.
    env = {**toolchain_env(), **services, "DATABASE_URL": database, "JWT_SECRET": TEST_JWT_SECRET}
    return make_test(stack, defaults_project, env, "real-servers")


def integration_variables(project: Path) -> list[str]:
    return [ci.DEPENDENCIES[answer][1] for answer in ci.enabled_dependencies(answers_of(project))]


def skip_note(text: str, variables: list[str]) -> list[str]:
    """Lines saying integration tests were skipped that name every one of `variables`."""
    return [
        line
        for line in text.splitlines()
        if SKIP_WORD.search(line) and "integration" in line.lower() and all(name in line for name in variables)
    ]


def nothing_running_problems(stack: str, run: MakeTestRun, variables: list[str]) -> list[str]:
    """Each way a `make test` with nothing running falls short: all of them, so a flaky exit hides none."""
    problems = []
    if run.exit_status != 0:
        problems.append(f"it exited {run.exit_status}")
    if run.passed == 0:
        problems.append("no unit test passed (or the runner's summary is missing)")
    if not skip_note(run.visible, variables):
        # Each test's own skip message, if any, shows why the single note is missing.
        lines = all_output(stack, run.output).splitlines()
        own = [line.strip() for line in lines if SKIP_WORD.search(line) and not NONE_SKIPPED.search(line)]
        problems.append(
            f"no line says the integration tests were skipped naming {', '.join(variables)}"
            f" (lines that say skip, hidden ones included: {own[:12] or 'none'})"
        )
    return problems


def test_make_test_passes_with_nothing_running(
    stack: str, nothing_running_run: MakeTestRun, defaults_project: Path
) -> None:
    run = nothing_running_run
    problems = nothing_running_problems(stack, run, integration_variables(defaults_project))
    assert not problems, "`make test` with nothing running:\n- " + "\n- ".join(problems) + f"\n{run.visible[-4000:]}"


def test_make_test_runs_integration_tests_with_real_servers(
    stack: str, real_servers_run: MakeTestRun, nothing_running_run: MakeTestRun, defaults_project: Path
) -> None:
    run = real_servers_run
    assert run.exit_status == 0, f"`make test` against real servers exited {run.exit_status}:\n{run.tail()}"
    variables = integration_variables(defaults_project)
    skipped = [
        line
        for line in all_output(stack, run.output).splitlines()
        if SKIP_WORD.search(line) and any(name in line for name in variables)
    ]
    assert not skipped, f"with {', '.join(variables)} set, tests still say they skip:\n" + "\n".join(skipped[:10])
    assert not STOPPED_EARLY.search(nothing_running_run.output), (
        "`make test` with nothing running stopped at its first failing suite, so it counts no baseline"
    )
    assert run.passed > nothing_running_run.passed, (
        f"{run.passed} tests passed against real servers, {nothing_running_run.passed} with nothing running:"
        " the integration tests did not run (or did not report themselves as skipped without servers)"
    )


# CI files ---------------------------------------------------------------------------------------


def actionlint(project: Path) -> subprocess.CompletedProcess[str]:
    """actionlint over the project's workflows; shellcheck and pyflakes off, so results do not depend on PATH."""
    workflows = [str(path.relative_to(project)) for path in ci.github_workflows(project)]
    command = ["go", "run", ACTIONLINT, "-no-color", "-shellcheck=", "-pyflakes=", *workflows]
    return subprocess.run(
        command, cwd=project, env=toolchain_env(), capture_output=True, text=True, timeout=900, check=False
    )


@pytest.mark.parametrize("which", ["defaults", "all-off"])
def test_github_workflow_passes_actionlint(stack: str, which: str, request: pytest.FixtureRequest) -> None:
    # `stack` parametrizes the test; the project fixture is chosen by `which`.
    project: Path = request.getfixturevalue("defaults_project" if which == "defaults" else "all_off_project")
    assert ci.github_workflows(project), "answers ci=github wrote no .github/workflows/*.yml"
    result = actionlint(project)
    assert result.returncode == 0, f"actionlint {ACTIONLINT_VERSION}:\n{result.stdout}\n{result.stderr}"


def _reaches(container: ci.Container, value: str, in_container: bool) -> bool:
    host, port = ci.host_and_port(value)
    if in_container:
        return host == container.alias
    return container.host_network or (host in ci.LOCAL_HOSTS and port in container.host_ports)


def _advertises(container: ci.Container, broker: str) -> bool:
    """A Redpanda started with `--advertise-kafka-addr` must advertise the address the tests dial."""
    advertised = re.findall(r"--advertise-kafka-addr[= ](\S+)", container.command)
    if not advertised:
        return True
    host, port = ci.host_and_port(broker)
    hosts = ci.LOCAL_HOSTS if host in ci.LOCAL_HOSTS else {host}
    return any(f"{name}:{port}" in ",".join(advertised) for name in hosts)


def github_dependency_problems(
    answer: str, image: str, containers: list[ci.Container], env: dict[str, str], in_container: bool
) -> list[str]:
    """What is wrong with how the test job starts one dependency and points `make test` at it."""
    variable = ci.DEPENDENCIES[answer][1]
    value = env.get(variable, "")
    started = [container for container in containers if container.runs(image)]
    if not started:
        missing = "" if value else f", and `make test` gets no {variable}"
        return [f"the test job starts no {image} container (the image docker-compose.yml runs){missing}"]
    container, problems = started[0], []
    if not container.healthy:
        problems.append(f"the {image} container has no health check (--health-cmd)")
    if not value:
        problems.append(f"`make test` gets no {variable}")
    elif not _reaches(container, value, in_container):
        problems.append(f"{variable}={value} points at no port the {image} container publishes")
    elif answer == "messaging" and not _advertises(container, value):
        problems.append(f"Redpanda does not advertise {value}, the address in {variable}")
    return problems


def github_problems(project: Path) -> list[str]:
    """Everything the job that runs `make test` lacks to run the integration tests on real servers."""
    answers, images = answers_of(project), ci.compose_images(project)
    tests = [
        (workflow, job, step)
        for workflow, job in ci.github_jobs(project)
        if (step := ci.make_test_step(job)) is not None
    ]
    if not tests:
        return ["no job of .github/workflows runs `make test`"]
    workflow, job, step = tests[0]
    containers = ci.service_containers(job) + ci.docker_run_containers(job, step)
    env = ci.step_env(workflow, job, step)
    problems = []
    for answer in ci.enabled_dependencies(answers):
        if answer not in images:
            problems.append(f"docker-compose.yml runs no {ci.DEPENDENCIES[answer][2]} image")
            continue
        problems += github_dependency_problems(answer, images[answer], containers, env, "container" in job)
    if answers.get("auth") == "jwt" and not env.get("JWT_SECRET"):
        problems.append("`make test` gets no JWT_SECRET (auth=jwt, and .env is never committed)")
    return problems


def test_github_workflow_runs_integration_tests_on_real_services(defaults_project: Path) -> None:
    problems = github_problems(defaults_project)
    assert not problems, "the generated GitHub workflow:\n- " + "\n- ".join(problems)


def test_all_off_github_workflow_starts_no_services(all_off_project: Path) -> None:
    assert ci.github_workflows(all_off_project), "answers ci=github wrote no .github/workflows/*.yml"
    started = []
    for _, job in ci.github_jobs(all_off_project):
        started += [container.image for container in ci.service_containers(job)]
        started += [container.command for container in ci.docker_run_containers(job, len(job.get("steps") or []))]
    assert not started, f"with every dependency off the workflow still starts {started}"


def _variables(pipeline: dict[str, Any], job: dict[str, Any]) -> dict[str, str]:
    """Pipeline then job `variables:`; a variable may be given as `{value: ...}`."""
    merged: dict[str, str] = {}
    for level in (pipeline, job):
        for key, value in (level.get("variables") or {}).items():
            merged[str(key)] = str(value.get("value", "")) if isinstance(value, dict) else str(value)
    return merged


def gitlab_dependency_problems(
    answer: str, image: str, services: list[ci.Container], variables: dict[str, str]
) -> list[str]:
    """What is wrong with one dependency's service and the variable that points `make test` at it."""
    variable = ci.DEPENDENCIES[answer][1]
    started = [service for service in services if service.image == image]
    if not started:
        return [f"the test job lists no {image} service (the image docker-compose.yml runs)"]
    service, value = started[0], variables.get(variable, "")
    if not service.alias:
        return [f"the {image} service has no alias"]
    if ci.host_and_port(value)[0] != service.alias:
        return [f"{variable}={value!r} does not point at the {image} service's alias {service.alias!r}"]
    if answer == "messaging" and not _advertises(service, value):
        return [f"Redpanda does not advertise {value}, the address in {variable}"]
    return []


def gitlab_stage_problems(pipeline: dict[str, Any], jobs: dict[str, dict[str, Any]]) -> list[str]:
    """Stages `lint` and `test` exist, with `make lint` in the first; every image is pinned by tag."""
    stages = pipeline.get("stages") or []
    problems = [f"no `{stage}` stage (stages: {stages})" for stage in ("lint", "test") if stage not in stages]
    if not any(job.get("stage") == "lint" and ci.MAKE_LINT.search(ci.script_of(job)) for job in jobs.values()):
        problems.append("no job of stage `lint` runs `make lint`")
    problems += [
        f"image {image!r} is not pinned by a tag" for image in ci.gitlab_images(pipeline) if not ci.pinned(image)
    ]
    problems += [f"a job is named `{name}`, a reserved GitLab keyword" for name in ci.misnamed_jobs(pipeline)]
    return problems


def gitlab_problems(project: Path) -> list[str]:
    """Everything .gitlab-ci.yml lacks to lint, and to run the integration tests on real services."""
    path = project / ".gitlab-ci.yml"
    if not path.is_file():
        return ["answers ci=gitlab wrote no .gitlab-ci.yml"]
    pipeline = yaml.safe_load(path.read_text())
    if not isinstance(pipeline, dict):
        return [".gitlab-ci.yml is not a mapping"]
    jobs, answers, images = ci.gitlab_jobs(pipeline), answers_of(project), ci.compose_images(project)
    problems = gitlab_stage_problems(pipeline, jobs)
    tests = [job for job in jobs.values() if ci.MAKE_TEST.search(ci.script_of(job))]
    if not tests:
        return [*problems, "no job runs `make test`"]
    job = tests[0]
    if job.get("stage") != "test":
        problems.append(f"the job that runs `make test` is in stage {job.get('stage')!r}, not `test`")
    services, variables = ci.gitlab_services(pipeline, job), _variables(pipeline, job)
    for answer in ci.enabled_dependencies(answers):
        problems += gitlab_dependency_problems(answer, images.get(answer, "?"), services, variables)
    if answers.get("auth") == "jwt" and not variables.get("JWT_SECRET"):
        problems.append("`make test` gets no JWT_SECRET (auth=jwt, and .env is never committed)")
    return problems


def test_gitlab_pipeline_runs_integration_tests_on_real_services(gitlab_project: Path) -> None:
    problems = gitlab_problems(gitlab_project)
    assert not problems, "the generated .gitlab-ci.yml:\n- " + "\n- ".join(problems)
