"""Contract 16: no secret in any error. Start-up refuses placeholder and short secrets without echoing
them, a URL's password never reaches the output, /readyz reasons are short fixed words, and every 500
keeps its request id in the header, the problem body and the log line that records the cause."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests import infra
from tests.conformance.client import Api, problem, sql
from tests.conformance.conftest import Service
from tests.conformance.faults import StartUp, black_hole, instance, psql_session, start_up
from tests.conformance.relay import wait_ready

REASONS = {
    "error: connection refused",
    "error: timeout",
    "error: authentication failed",
    "error: tls handshake failed",
    "error: migrations pending",
    "error: unavailable",
}
PASSWORD = "Sup3rS3cretPw"
# Refused for their port. A password may hold an unencoded '/', '?' or '#' (base64 passwords
# hold '/'), so it ends at the last '@', not at the first of those; libpq, pgx and sqlx also
# read `password` from the query. The second half of each password is what must never show.
BAD_URLS = {
    "database": ("DATABASE_URL", f"postgres://app:{PASSWORD}@127.0.0.1:notaport/app"),
    "database-slash": ("DATABASE_URL", "postgres://app:Sup3r/S3cretPw@127.0.0.1:notaport/app"),
    "database-query": ("DATABASE_URL", f"postgres://app@127.0.0.1:notaport/app?password={PASSWORD}"),
    "cache": ("CACHE_URL", f"redis://default:{PASSWORD}@127.0.0.1:notaport/0"),
    "cache-hash": ("CACHE_URL", "redis://default:Sup3r#S3cretPw@127.0.0.1:notaport/0"),
}
SECRET_PART = "S3cretPw"
DEPENDENCY_ANSWERS = {"database": "database", "cache": "cache"}
ADDRESSED = {
    "database": ("DATABASE_URL", "postgres://app:app@{}/app?sslmode=disable"),
    "cache": ("CACHE_URL", "redis://{}/0"),
    "broker": ("KAFKA_BROKERS", "{}"),
}


def refused(outcome: StartUp, variable: str) -> str:
    """Everything start-up printed, once it is clear start-up stopped non-zero naming `variable`."""
    assert outcome.status is not None, f"the service started and served despite a bad {variable}:\n{outcome.output}"
    assert outcome.status != 0, outcome.output
    assert variable in outcome.output, f"the error must name {variable}:\n{outcome.output[-4000:]}"
    return outcome.output


def placeholder_secret(project: Path) -> str:
    """JWT_SECRET as the project's own .env.example has it."""
    for line in (project / ".env.example").read_text().splitlines():
        if line.startswith("JWT_SECRET="):
            return line.removeprefix("JWT_SECRET=").strip().strip("\"'")
    raise AssertionError(".env.example of an auth=jwt project names JWT_SECRET")


@pytest.mark.parametrize("kind", ["env-example-placeholder", "change-me-prefix"])
def test_a_placeholder_jwt_secret_stops_start_up(service: Service, kind: str, tmp_path: Path) -> None:
    if not service.enabled("auth"):
        pytest.skip("auth=none: no JWT_SECRET")
    # Long enough for the 32-byte rule: only the placeholder check can refuse it.
    secret = placeholder_secret(service.running.project) if kind == "env-example-placeholder" else ""
    secret = secret or f"change-me-{secrets.token_hex(24)}"

    refused(start_up(service, {"JWT_SECRET": secret}, tmp_path), "JWT_SECRET")


def test_a_short_jwt_secret_stops_start_up_naming_its_length_not_its_value(service: Service, tmp_path: Path) -> None:
    if not service.enabled("auth"):
        pytest.skip("auth=none: no JWT_SECRET")
    secret = "tiny-secret!"

    outcome = start_up(service, {"JWT_SECRET": secret}, tmp_path)

    printed = [line for line in outcome.output.splitlines() if secret in line]
    assert not printed, f"the value of JWT_SECRET is printed: {printed[0][:400]}"
    output = refused(outcome, "JWT_SECRET")
    named = [line for line in output.splitlines() if "JWT_SECRET" in line and re.search(r"\b12\b", line)]
    assert named, f"the error names JWT_SECRET and its length (12 bytes):\n{output[-4000:]}"


@pytest.mark.parametrize("dependency", sorted(BAD_URLS))
def test_a_bad_url_stops_start_up_without_printing_its_password(
    service: Service, dependency: str, tmp_path: Path
) -> None:
    answer = DEPENDENCY_ANSWERS[dependency.partition("-")[0]]
    if not service.enabled(answer):
        pytest.skip(f"{answer} is not enabled in {service.variant}")
    variable, url = BAD_URLS[dependency]

    outcome = start_up(service, {variable: url}, tmp_path)

    printed = [line for line in outcome.output.splitlines() if SECRET_PART in line]
    assert not printed, f"the password of {variable} is printed: {printed[0][:400]}"
    refused(outcome, variable)


def assert_reasons(response: httpx.Response, expected: str, checks: set[str]) -> None:
    """Every failing check has exactly the fixed reason `expected`: no exception name, address or driver text."""
    assert response.status_code == 503, response.text
    values = response.json()["checks"]
    unfixed = {check: values[check] for check in checks if values[check] not in REASONS}
    assert not unfixed, f"not one of the fixed reasons: {unfixed}"
    assert {check: values[check] for check in checks} == dict.fromkeys(checks, expected)


def test_readiness_says_connection_refused_and_nothing_more(service: Service, tmp_path: Path) -> None:
    checks = service.readiness_checks
    if not checks:
        pytest.skip("no dependency is enabled")
    # Port 1 on loopback is never served here: every connection is refused.
    env = {ADDRESSED[check][0]: ADDRESSED[check][1].format("127.0.0.1:1") for check in checks}
    with instance(service, env, tmp_path, 150) as api:
        response = httpx.get(f"{api.service.url}/readyz", timeout=20)

    assert_reasons(response, "error: connection refused", checks)


def test_readiness_says_timeout_for_a_dependency_that_never_answers(service: Service, tmp_path: Path) -> None:
    checks = service.readiness_checks
    if not checks:
        pytest.skip("no dependency is enabled")
    with black_hole() as address:
        env = {ADDRESSED[check][0]: ADDRESSED[check][1].format(address) for check in checks}
        with instance(service, env, tmp_path, 150) as api:
            try:
                response = httpx.get(f"{api.service.url}/readyz", timeout=20)
            except httpx.TimeoutException:
                pytest.fail("/readyz had no answer in 20 s with every dependency black-holed")

    assert_reasons(response, "error: timeout", checks)


@contextmanager
def password_checking_postgres(root: Path) -> Iterator[str]:
    """A PostgreSQL of the test's own that checks passwords (scram) on TCP; the `app` role's URL."""
    server = infra.start_postgres(root)
    try:
        hba = Path(server.workdir) / "pg_hba.conf"
        hba.write_text(
            "local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
        )
        with psql_session(_as_superuser(server.url)) as admin:
            admin.query("SELECT pg_reload_conf()")
        yield server.url
    finally:
        infra.stop(server)


def _as_superuser(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"postgres@{parts.hostname}:{parts.port}"))


def test_readiness_says_authentication_failed_when_the_password_is_rotated(service: Service, tmp_path: Path) -> None:
    """The role's password changes under a running service (and its sessions end): the pool cannot reconnect."""
    if not service.enabled("database"):
        pytest.skip("database=none")
    with password_checking_postgres(tmp_path) as server:
        database = infra.fresh_database(server, f"rotated_{uuid.uuid4().hex[:8]}")
        with instance(service, {"DATABASE_URL": database}, tmp_path / "logs") as api:
            # Ready once migrated: java's /healthz answers while Flyway still runs.
            assert wait_ready(api, 60) == 200, "ready with the right password"
            with psql_session(_as_superuser(server)) as admin:
                admin.query("ALTER ROLE app PASSWORD 'rotated-elsewhere'")
                admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'app'")
            seen = _readiness_until(api, "error: authentication failed", 15)

    assert seen[-1] == "error: authentication failed", f"/readyz database values seen: {seen}"
    assert all(value in REASONS for value in seen if value != "ok"), f"not fixed reasons: {seen}"


def _readiness_until(api: Api, wanted: str, seconds: float) -> list[str]:
    """The database check's values until it is `wanted` (the first failures may be the dropped sessions)."""
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and (not seen or seen[-1] != wanted):
        seen.append(httpx.get(f"{api.service.url}/readyz", timeout=20).json()["checks"]["database"])
        time.sleep(0.5)
    return seen


def test_a_500_keeps_its_request_id_in_header_body_and_log(service: Service, tmp_path: Path) -> None:
    """A genuine internal error: the orders table is renamed away under the running service."""
    if not service.enabled("database"):
        pytest.skip("database=none: no table to take away")
    request_id = f"secrets-{uuid.uuid4()}"
    with instance(service, {}, tmp_path) as api:
        headers, _ = api.new_user()
        sql(api.service, "ALTER TABLE orders RENAME TO orders_gone")
        response = api.call("GET", "/api/v1/orders", {**headers, "X-Request-ID": request_id})
        generated = api.call("GET", "/api/v1/orders", headers)
        time.sleep(1)  # let the log line reach the file
        log = api.service.running.output.read_text(errors="replace")

    body = problem(response, 500, "internal")
    assert response.headers.get("x-request-id") == request_id, "the 500 response keeps its X-Request-ID"
    assert body.get("request_id") == request_id
    for leak in ("orders_gone", "relation", "does not exist", "select ", "sql", "undefined", "traceback"):
        assert leak not in response.text.lower(), f"the 500 body shows {leak!r}: {response.text}"
    problem(generated, 500, "internal")
    assert generated.headers.get("x-request-id"), "a generated request id is on the 500 too"
    assert generated.json().get("request_id") == generated.headers["x-request-id"]
    causes = [line for line in log.splitlines() if request_id in line and "does not exist" in line]
    assert causes, f"no log line records the cause with request id {request_id}:\n{log[-4000:]}"
