"""Generate each implementing stack per answer set, serve it with `make run`, and hand it to the suite.

The suite knows nothing of any stack: a service passes by answering as docs/contract.md says.
Each test module is one section of the suite (its file name without `test_`); a stack runs the
sections it implements, and joins every section as its issue brings it to the full contract.
`CONFORMANCE_STACKS=go-connectrpc:operations,python-fastapi` narrows or widens a run while
developing (no sections after a stack means all of them).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
import yaml

from tests import infra
from tests.projects import VARIANTS, RunningService, generate, require_toolchain, served, toolchain_env

if TYPE_CHECKING:
    from tests.conformance.client import Api

# In the order a stack usually joins them: users, orders and events call the API as a logged-in
# user when auth=jwt, and openapi fuzzes every documented operation.
SECTIONS = ("operations", "tracing", "auth", "users", "orders", "events", "openapi")
IMPLEMENTED: dict[str, tuple[str, ...]] = dict.fromkeys(
    ("python-fastapi", "go-connectrpc", "rust-axum", "java-spring"), SECTIONS
)
DEPENDENCIES = {"database": "postgres", "cache": "dragonfly", "messaging": "redpanda"}
CHECK_NAMES = {"database": "database", "cache": "cache", "messaging": "broker"}
ADMIN_EMAIL = "conformance-admin@example.com"
ADMIN_PASSWORD = "conformance-admin-password"
# The suite makes many auth calls from one address; the per-email login limit stays at its default.
CORS_ORIGINS = ("https://app.example.com", "https://admin.example.com")
SUITE_ENV = {
    "ADMIN_EMAIL": ADMIN_EMAIL,
    "ADMIN_PASSWORD": ADMIN_PASSWORD,
    "RATE_LIMIT_AUTH": "100000",
    "CORS_ALLOWED_ORIGINS": ",".join(CORS_ORIGINS),
}


@dataclass
class Service:
    """A running generated service and the answers it was generated with."""

    stack: str
    variant: str
    answers: dict[str, str]
    running: RunningService

    @property
    def url(self) -> str:
        return self.running.url

    def enabled(self, answer: str) -> bool:
        return self.answers.get(answer) == DEPENDENCIES.get(answer, "jwt")

    @property
    def readiness_checks(self) -> set[str]:
        return {CHECK_NAMES[answer] for answer in DEPENDENCIES if self.enabled(answer)}


def implemented() -> dict[str, tuple[str, ...]]:
    """Stacks and the suite sections they serve: IMPLEMENTED, or CONFORMANCE_STACKS when set."""
    override = os.environ.get("CONFORMANCE_STACKS", "").strip()
    if not override:
        return IMPLEMENTED
    chosen: dict[str, tuple[str, ...]] = {}
    for entry in override.split(","):
        stack, _, sections = entry.strip().partition(":")
        chosen[stack] = tuple(sections.split("+")) if sections else SECTIONS
    return chosen


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    stacks = implemented()
    for item in items:
        if "conformance" not in item.nodeid:
            continue
        item.add_marker(pytest.mark.e2e)
        callspec = getattr(item, "callspec", None)
        stack = callspec.params["service"][0] if callspec and "service" in callspec.params else None
        section = item.path.stem.removeprefix("test_")
        if stack is not None and section not in stacks[stack]:
            item.add_marker(pytest.mark.skip(reason=f"{stack} does not serve the {section} section yet"))


@pytest.fixture(
    scope="session",
    params=[(stack, variant) for stack in implemented() for variant in VARIANTS],
    ids=lambda param: f"{param[0]}-{param[1]}",
)
def service(
    request: pytest.FixtureRequest, services: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    stack, variant = request.param
    require_toolchain(stack)
    parent = tmp_path_factory.mktemp(f"{stack}-{variant}")
    env = toolchain_env()
    project = generate(parent, stack, VARIANTS[variant], env)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    database = infra.fresh_database(services["DATABASE_URL"], re.sub(r"\W", "_", f"{stack}_{variant}"))
    run_env = {**env, **services, "DATABASE_URL": database, **SUITE_ENV}
    with served(project, run_env, parent / "logs") as running:
        yield Service(stack, variant, answers, running)
        exit_status = running.stop_gracefully()
        assert exit_status == 0, f"SIGTERM must stop the service cleanly (exit 0):\n{running.log()}"


@pytest.fixture
def api(service: Service) -> Api:
    from tests.conformance.client import Api

    return Api(service)


@pytest.fixture
def jwt_api(api: Api) -> Api:
    if not api.jwt:
        pytest.skip("auth=none: no auth routes")
    return api
