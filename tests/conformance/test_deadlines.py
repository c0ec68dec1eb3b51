"""Contract 11 and 19: a deadline on every request and statement, a bounded pool, dependencies that
time out instead of hanging, and a shutdown delay that keeps serving while readiness fails."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conformance.client import Api, problem
from tests.conformance.conftest import Service
from tests.conformance.faults import (
    PsqlSession,
    black_hole,
    database_of,
    instance,
    others_on,
    psql_session,
    send_sigterm,
)
from tests.conformance.relay import wait_ready

REQUEST_TIMEOUT = 3
POOL_SIZE = 3
# The contract's margin over REQUEST_TIMEOUT for the 503 to arrive.
GRACE = 2
# Long enough to tell a hang from a late answer; the lock is released after it either way.
PATIENCE = 12
SHUTDOWN_DELAY = 3
BLACK_HOLED = {
    "database": ("DATABASE_URL", "postgres://app:app@{}/app?sslmode=disable"),
    "cache": ("CACHE_URL", "redis://{}/0"),
    "broker": ("KAFKA_BROKERS", "{}"),
}


@pytest.fixture(scope="module")
def bounded(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """An instance with REQUEST_TIMEOUT=3 and DATABASE_POOL_SIZE=3 on a fresh database of its own."""
    if not service.enabled("database"):
        pytest.skip("database=none: no statement can wait on a lock")
    env = {"REQUEST_TIMEOUT": str(REQUEST_TIMEOUT), "DATABASE_POOL_SIZE": str(POOL_SIZE)}
    with instance(service, env, tmp_path_factory.mktemp("deadlines")) as api:
        yield api


def timed(api: Api, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> tuple[httpx.Response, float]:
    """A request and how long its answer took; a request still unanswered after PATIENCE fails the test."""
    started = time.monotonic()
    try:
        response = httpx.request(method, f"{api.service.url}{path}", headers=headers, timeout=PATIENCE, **kwargs)
    except httpx.TimeoutException:
        pytest.fail(f"{method} {path} had no answer after {PATIENCE}s: it hangs on the lock (no request deadline)")
    return response, time.monotonic() - started


def assert_unavailable_in_time(response: httpx.Response, elapsed: float) -> None:
    problem(response, 503, "unavailable")
    assert elapsed <= REQUEST_TIMEOUT + GRACE, f"answered after {elapsed:.1f}s, deadline {REQUEST_TIMEOUT}s"


def lingering_waits(locker: PsqlSession, api: Api) -> int:
    """The service's statements still waiting on a lock once the deadline has passed (0 when cancelled)."""
    database = database_of(api.service.running.env["DATABASE_URL"])
    with psql_session(api.service.running.env["DATABASE_URL"]) as observer:
        deadline = time.monotonic() + GRACE
        while (waiting := others_on(observer, database, locker, waiting=True)) and time.monotonic() < deadline:
            time.sleep(0.2)
    return waiting


def test_a_patch_waiting_on_a_locked_user_row_answers_503_and_its_statement_is_cancelled(bounded: Api) -> None:
    headers, user = bounded.new_user()
    with psql_session(bounded.service.running.env["DATABASE_URL"]) as locker:
        locker.query("BEGIN")
        locker.query("SELECT id FROM users WHERE id = :'id' FOR UPDATE", id=user["id"])
        response, elapsed = timed(bounded, "PATCH", f"/api/v1/users/{user['id']}", headers, json={"name": "Locked"})
        waiting = lingering_waits(locker, bounded)

    assert_unavailable_in_time(response, elapsed)
    assert waiting == 0, "at the deadline the database statement is cancelled, not left waiting"
    after = bounded.call("PATCH", f"/api/v1/users/{user['id']}", headers, json={"name": "Unlocked"})
    assert after.status_code == 200, after.text
    assert after.json()["name"] == "Unlocked"


def test_a_status_change_of_a_locked_order_answers_503_and_its_statement_is_cancelled(bounded: Api) -> None:
    headers, _ = bounded.new_user()
    order = bounded.place_order(headers)
    path = f"/api/v1/orders/{order['id']}/status"
    with psql_session(bounded.service.running.env["DATABASE_URL"]) as locker:
        locker.query("BEGIN")
        locker.query("SELECT id FROM orders WHERE id = :'id' FOR UPDATE", id=order["id"])
        response, elapsed = timed(bounded, "PATCH", path, headers, json={"status": "cancelled"})
        waiting = lingering_waits(locker, bounded)

    assert_unavailable_in_time(response, elapsed)
    assert waiting == 0, "at the deadline the database statement is cancelled, not left waiting"
    after = bounded.call("PATCH", path, headers, json={"status": "cancelled"})
    assert after.status_code == 200, after.text
    assert after.json()["status"] == "cancelled"


def test_creating_an_order_while_the_orders_table_is_locked_answers_503(bounded: Api) -> None:
    headers, _ = bounded.new_user()
    with psql_session(bounded.service.running.env["DATABASE_URL"]) as locker:
        locker.query("BEGIN")
        locker.query("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        response, elapsed = timed(bounded, "POST", "/api/v1/orders", headers, json=_order())
        waiting = lingering_waits(locker, bounded)

    assert_unavailable_in_time(response, elapsed)
    assert waiting == 0, "at the deadline the database statement is cancelled, not left waiting"
    bounded.place_order(headers)


def _order() -> dict[str, Any]:
    return {"currency": "EUR", "items": [{"sku": "LOCK-1", "name": "Lock", "quantity": 1, "unit_price_cents": 100}]}


def test_the_service_never_holds_more_connections_than_database_pool_size(bounded: Api) -> None:
    """20 requests that all wait on a locked table: an unbounded pool would open a connection for each."""
    headers, _ = bounded.new_user()
    url = bounded.service.running.env["DATABASE_URL"]
    with psql_session(url) as locker, psql_session(url) as observer, ThreadPoolExecutor(20) as pool:
        locker.query("BEGIN")
        locker.query("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        pending = [pool.submit(bounded.call, "GET", "/api/v1/orders", headers) for _ in range(20)]
        peak, deadline = 0, time.monotonic() + REQUEST_TIMEOUT + GRACE
        while time.monotonic() < deadline:
            peak = max(peak, others_on(observer, database_of(url), locker))
            time.sleep(0.1)
        locker.query("COMMIT")
        statuses = sorted(future.result().status_code for future in pending)

    assert peak <= POOL_SIZE, f"{peak} connections open to the database, DATABASE_POOL_SIZE={POOL_SIZE}"
    assert set(statuses) <= {200, 503}, f"a waiting request is answered or unavailable, never an error: {statuses}"


@pytest.mark.parametrize("check", sorted(BLACK_HOLED))
def test_a_dependency_that_never_answers_fails_readiness_within_seconds(
    service: Service, check: str, tmp_path: Path
) -> None:
    if check not in service.readiness_checks:
        pytest.skip(f"{check} is not enabled in {service.variant}")
    variable, template = BLACK_HOLED[check]
    with black_hole() as address, instance(service, {variable: template.format(address)}, tmp_path, 150) as api:
        started = time.monotonic()
        try:
            response = httpx.get(f"{api.service.url}/readyz", timeout=20)
        except httpx.TimeoutException:
            pytest.fail(f"/readyz had no answer in 20s with the {check} black-holed: connecting never times out")
        elapsed = time.monotonic() - started

    assert response.status_code == 503, response.text
    assert response.json()["checks"][check].startswith("error: ")
    assert elapsed <= 7.5, f"/readyz took {elapsed:.1f}s: connecting to a dependency must time out within 5 s"


def test_after_sigterm_readiness_fails_at_once_while_the_listener_serves_for_shutdown_delay(
    service: Service, tmp_path: Path
) -> None:
    env = {"SHUTDOWN_DELAY": str(SHUTDOWN_DELAY), "SHUTDOWN_TIMEOUT": "5"}
    with instance(service, env, tmp_path) as api:
        # /healthz answers before the set-up (migrations on a database of its own) has finished.
        assert wait_ready(api, 60) == 200, "the instance never turned ready"
        send_sigterm(api.service.running)
        signalled = time.monotonic()
        readiness = _status(f"{api.service.url}/readyz")
        served_for = _served_for(f"{api.service.url}/healthz", signalled, limit=SHUTDOWN_DELAY + 10)
        exit_status = api.service.running.process.wait(timeout=60)
        log = api.service.running.log()

    assert readiness == 503, f"/readyz right after SIGTERM answered {readiness}, not 503"
    assert served_for >= SHUTDOWN_DELAY - 0.5, f"the listener served only {served_for:.1f}s after SIGTERM"
    assert served_for <= SHUTDOWN_DELAY + 8, f"still serving {served_for:.1f}s after SIGTERM"
    assert exit_status == 0, f"the process exits 0 after the delay and the drain:\n{log}"


def _status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return None


def _served_for(url: str, since: float, limit: float) -> float:
    """Seconds after `since` that `url` kept answering 200 (polled, each poll a new connection)."""
    last = since
    while time.monotonic() - since < limit:
        if _status(url) != 200:
            break
        last = time.monotonic()
        time.sleep(0.2)
    return last - since
