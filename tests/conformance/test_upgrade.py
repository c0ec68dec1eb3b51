"""Contract part II, Migrations are append-only: `update` that switches answers on keeps the database.

A project generated with messaging, auth and cache off serves and migrates a database; then
`backend-scaffold update --data messaging=redpanda --data auth=jwt` switches two answers on, and the
rebuilt service must become ready on that same database, keep its data and publish events.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import uuid
from pathlib import Path

from tests import infra
from tests.conformance.client import ORDER, PASSWORD, Api, Headers, unique_email
from tests.conformance.conftest import SUITE_ENV, Service
from tests.conformance.relay import TopicReader, dotenv, private_topic, wait_ready
from tests.projects import RunningService, generate, run, served, toolchain_env

BEFORE = ["messaging=none", "auth=none", "cache=none"]
SWITCH_ON = ["messaging=redpanda", "auth=jwt"]
READY_SECONDS = 120
# A migration file: a numbered file under a migrations (or Alembic versions) folder.
MIGRATION = re.compile(r"(^|/)(migrations?|versions)/(V?\d+[^/]*)$")


def migrations(project: Path) -> dict[str, str]:
    """Each tracked migration file of the project and a digest of its content."""
    listed = run(["git", "ls-files"], project, toolchain_env()).stdout.splitlines()
    return {
        path: hashlib.sha256((project / path).read_bytes()).hexdigest() for path in listed if MIGRATION.search(path)
    }


def commit_leftovers(project: Path, env: dict[str, str]) -> None:
    """`update` refuses a dirty tree: commit whatever serving the project left behind."""
    if run(["git", "status", "--porcelain"], project, env).stdout.strip():
        run(["git", "add", "-A"], project, env)
        run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "after serving"],
            project,
            env,
        )


def update(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    data = [arg for answer in SWITCH_ON for arg in ("--data", answer)]
    command = [sys.executable, "-m", "backend_scaffold", "update", *data, "--defaults", "--json"]
    return run(command, project, env)


def gateway_data(api: Api) -> tuple[str, str]:
    """A user and an order made through gateway identity headers (auth=none); their ids."""
    admin = {"X-User-ID": str(uuid.uuid4()), "X-User-Role": "admin"}
    user = api.call("POST", "/api/v1/users", admin, json={"email": unique_email(), "name": "Before"})
    assert user.status_code == 201, user.text
    headers = {"X-User-ID": user.json()["id"], "X-User-Role": "user"}
    return user.json()["id"], api.place_order(headers)["id"]


def bearer(api: Api, email: str, password: str) -> Headers:
    return {"Authorization": f"Bearer {api.login(email, password)['access_token']}"}


def api_for(stack: str, answers: dict[str, str], running: RunningService) -> Api:
    return Api(Service(stack, "upgrade", answers, running))


def test_switching_answers_on_adds_migrations_and_keeps_the_database(
    stack: str, services: dict[str, str], tmp_path: Path
) -> None:
    env = toolchain_env()
    project = generate(tmp_path, stack, BEFORE, env)
    database = infra.fresh_database(services["DATABASE_URL"], f"upgrade_{uuid.uuid4().hex[:10]}")
    base_env = {**env, "DATABASE_URL": database, "LOG_LEVEL": "warn"}
    with served(project, base_env, tmp_path / "before") as running:
        old = api_for(stack, {"auth": "none"}, running)
        status = wait_ready(old, READY_SECONDS)
        assert status == 200, f"/readyz {status} before the update:\n{running.log()[-3000:]}"
        user_id, order_id = gateway_data(old)
        assert running.stop_gracefully() == 0
    commit_leftovers(project, env)
    applied = migrations(project)
    assert applied, "the project has no migration files"

    update(project, env)

    now = migrations(project)
    changed = sorted(path for path, digest in applied.items() if now.get(path) != digest)
    findings = [f"update edited or removed migrations that may have been applied: {changed}"] if changed else []
    # Serve even after an edited migration: whether the database still comes up is the other half.
    try:
        check_served_after_update(stack, project, after_env(project, base_env, services), tmp_path, (user_id, order_id))
    except AssertionError as failure:
        findings.append(f"after the update: {failure}")
    assert not findings, "\n".join(findings)


def after_env(project: Path, base_env: dict[str, str], services: dict[str, str]) -> dict[str, str]:
    """The same database, now with the broker (a private topic) and the JWT_SECRET update wrote to .env."""
    secret = dotenv(project).get("JWT_SECRET", "")
    assert secret, "update must append a JWT_SECRET to .env when auth is switched on"
    topic = private_topic(services["KAFKA_BROKERS"], "upgrade")
    return {**base_env, **SUITE_ENV, "KAFKA_BROKERS": services["KAFKA_BROKERS"], "KAFKA_TOPIC_ORDERS": topic} | {
        "JWT_SECRET": secret
    }


def check_served_after_update(stack: str, project: Path, env: dict[str, str], logs: Path, ids: tuple[str, str]) -> None:
    """The updated project on the same database: ready, the old rows kept, a new order's event published."""
    brokers, topic = env["KAFKA_BROKERS"], env["KAFKA_TOPIC_ORDERS"]
    with served(project, env, logs / "after") as running, TopicReader(brokers, topic) as reader:
        api = api_for(stack, {"auth": "jwt", "messaging": "redpanda", "database": "postgres"}, running)
        status = wait_ready(api, READY_SECONDS)
        assert status == 200, (
            f"/readyz {status} after {READY_SECONDS}s on the upgraded database:\n{running.log()[-3000:]}"
        )
        admin = bearer(api, SUITE_ENV["ADMIN_EMAIL"], SUITE_ENV["ADMIN_PASSWORD"])
        user_id, order_id = ids
        assert api.call("GET", f"/api/v1/users/{user_id}", admin).status_code == 200, "the old user is kept"
        assert api.call("GET", f"/api/v1/orders/{order_id}", admin).status_code == 200, "the old order is kept"
        email = unique_email()
        body = {"email": email, "password": PASSWORD, "name": "After"}
        assert api.call("POST", "/api/v1/auth/register", json=body).status_code == 201
        order = api.call("POST", "/api/v1/orders", bearer(api, email, PASSWORD), json=ORDER)
        assert order.status_code == 201, order.text
        reader.read(lambda _: bool(reader.about(order.json()["id"])), 60)
        events = [record.event["type"] for record in reader.about(order.json()["id"])]
    assert events == ["order.created"], f"the new order's event on the topic: {events}"
