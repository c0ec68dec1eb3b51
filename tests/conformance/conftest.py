"""Generate each implementing stack per answer set, serve it with `make run`, and hand it to the suite.

The suite knows nothing of any stack: a service passes by answering as docs/contract.md says.
Each test module is one section of the suite (its file name without `test_`); a stack runs the
sections it implements, and joins every section as its issue brings it to the full contract.
`CONFORMANCE_STACKS=go-connectrpc:operations,python-fastapi` narrows or widens a run while
developing (no sections after a stack means all of them, the production ones included).

Contract v2's production properties (docs/contract.md, part II) are sections of their own
(`PRODUCTION_SECTIONS`); a file name's underscores are dashes in its section's name
(`test_strict_input.py` is `strict-input`). Each stack's own "meets contract v2" issue adds them
to its entry in `IMPLEMENTED`, so main stays green while the stacks catch up.
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
    from tests.conformance.wire import IdleConnection

# In the order a stack usually joins them: users, orders and events call the API as a logged-in
# user when auth=jwt, and openapi fuzzes every documented operation.
CONTRACT_SECTIONS = ("operations", "tracing", "auth", "users", "orders", "events", "openapi")
# Contract v2, part II: what production does to a service. `tls`, `replicas` and `upgrade` run
# the service in a setting of their own (TLS-only dependencies, two instances, an updated project).
PRODUCTION_SECTIONS = (
    "limits", "strict-input", "access", "consistency", "deadlines", "proxies", "secrets",
    "outbox", "project", "tls", "replicas", "upgrade",
)  # fmt: skip
SECTIONS = CONTRACT_SECTIONS + PRODUCTION_SECTIONS
STACKS = ("python-fastapi", "go-connectrpc", "rust-axum", "java-spring")
IMPLEMENTED: dict[str, tuple[str, ...]] = dict.fromkeys(STACKS, CONTRACT_SECTIONS)
IMPLEMENTED["rust-axum"] = (
    *CONTRACT_SECTIONS,
    "upgrade",
    "outbox",
    "replicas",
    "secrets",
    "access",
    "project",
    "limits",
    "strict-input",
    "consistency",
    "deadlines",
    "proxies",
    "tls",
)
IMPLEMENTED["python-fastapi"] = (
    *CONTRACT_SECTIONS,
    "limits",
    "deadlines",
    "project",
    "secrets",
    "proxies",
    "access",
    "strict-input",
    "consistency",
    "outbox",
    "replicas",
    "upgrade",
    "tls",
)
IMPLEMENTED["java-spring"] = (
    *CONTRACT_SECTIONS,
    "access",
    "strict-input",
    "proxies",
    "limits",
    "deadlines",
    "consistency",
    "secrets",
    "upgrade",
    "outbox",
    "replicas",
    "tls",
)
IMPLEMENTED["go-connectrpc"] = (
    *CONTRACT_SECTIONS,
    "limits",
    "strict-input",
    "consistency",
    "secrets",
    "project",
    "access",
    "proxies",
    "deadlines",
    "outbox",
    "replicas",
    "upgrade",
    "tls",
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
    # Opened as soon as the service serves, so the two-minute idle check of `limits` overlaps
    # every section that runs before it; None where `limits` does not run.
    idle: IdleConnection | None = None

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


def section_of(item: pytest.Item) -> str:
    """The suite section a test belongs to: its file name without `test_`, underscores as dashes."""
    return item.path.stem.removeprefix("test_").replace("_", "-")


def stack_of(item: pytest.Item) -> str | None:
    """The stack a conformance test runs against, from the `service` or `stack` fixture's parameter."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    if "service" in callspec.params:
        stack: str = callspec.params["service"][0]
        return stack
    return callspec.params.get("stack")


IDLE_CHECK = "test_an_idle_keep_alive_connection_is_closed_within_120_s"


def service_param(item: pytest.Item) -> object:
    callspec = getattr(item, "callspec", None)
    return None if callspec is None else callspec.params.get("service")


def idle_checks_last(items: list[pytest.Item]) -> None:
    """Moves each service's two-minute idle check behind that service's other tests, within the
    run pytest grouped for it: the connection opens when the service starts, so the wait overlaps
    every other section instead of only those sorted before `limits`."""
    for item in [item for item in items if getattr(item, "originalname", None) == IDLE_CHECK]:
        key, end = service_param(item), items.index(item)
        while end + 1 < len(items) and service_param(items[end + 1]) == key:
            end += 1
        items.remove(item)
        items.insert(end, item)


# trylast: after pytest has grouped the items by the session-scoped `service` parameter.
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    idle_checks_last(items)
    stacks = implemented()
    for item in items:
        if "conformance" not in item.nodeid:
            continue
        item.add_marker(pytest.mark.e2e)
        stack = stack_of(item)
        section = section_of(item)
        if stack is not None and section not in stacks[stack]:
            item.add_marker(pytest.mark.skip(reason=f"{stack} does not serve the {section} section yet"))
        elif (reason := tls_variant_skip(item, section)) is not None:
            item.add_marker(pytest.mark.skip(reason=reason))


# The `tls` variant: the defaults answers served against TLS-only PostgreSQL, Redis and Kafka
# (the `tls_services` fixture), generated only for stacks that list the `tls` section.
TLS_VARIANT = "tls"
TLS_VARIANT_SECTIONS = ("operations", "users", "orders", "events", "tls")


def service_params() -> list[tuple[str, str]]:
    """(stack, variant) pairs the `service` fixture serves: every variant, and `tls` where implemented."""
    stacks = implemented()
    plain = [(stack, variant) for stack in stacks for variant in VARIANTS]
    return plain + [(stack, TLS_VARIANT) for stack, sections in stacks.items() if "tls" in sections]


def tls_variant_skip(item: pytest.Item, section: str) -> str | None:
    """Why a test does not run: only some sections run on the `tls` variant, and `tls` only there."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or "service" not in callspec.params:
        return None
    on_tls = callspec.params["service"][1] == TLS_VARIANT
    if on_tls and section not in TLS_VARIANT_SECTIONS:
        return f"the tls variant runs only the {', '.join(TLS_VARIANT_SECTIONS)} sections"
    if not on_tls and section == "tls":
        return "the tls section runs against the tls variant only"
    return None


@pytest.fixture(scope="session", params=service_params(), ids=lambda param: f"{param[0]}-{param[1]}")
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    stack, variant = request.param
    require_toolchain(stack)
    # The tls variant has the defaults answers; only its servers differ.
    services: dict[str, str] = request.getfixturevalue("tls_services" if variant == TLS_VARIANT else "services")
    parent = tmp_path_factory.mktemp(f"{stack}-{variant}")
    env = toolchain_env()
    project = generate(parent, stack, VARIANTS.get(variant, VARIANTS["defaults"]), env)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    database = infra.fresh_database(services["DATABASE_URL"], re.sub(r"\W", "_", f"{stack}_{variant}"))
    run_env = {**env, **services, "DATABASE_URL": database, **SUITE_ENV}
    with served(project, run_env, parent / "logs") as running:
        idle = None
        if "limits" in implemented()[stack] and variant != TLS_VARIANT:
            from tests.conformance.wire import IdleConnection

            idle = IdleConnection(running.url)
        yield Service(stack, variant, answers, running, idle)
        if idle is not None:
            idle.close()
        exit_status = running.stop_gracefully()
        assert exit_status == 0, f"SIGTERM must stop the service cleanly (exit 0):\n{running.log()}"


@pytest.fixture(scope="session", params=list(implemented()))
def stack(request: pytest.FixtureRequest) -> str:
    """A stack id, for sections that generate projects of their own (`upgrade`) instead of `service`."""
    require_toolchain(request.param)
    chosen: str = request.param
    return chosen


@pytest.fixture
def api(service: Service) -> Api:
    from tests.conformance.client import Api

    return Api(service)


@pytest.fixture
def jwt_api(api: Api) -> Api:
    if not api.jwt:
        pytest.skip("auth=none: no auth routes")
    return api
