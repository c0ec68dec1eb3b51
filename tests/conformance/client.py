"""The suite's caller of a running service, and checks shared by the API sections.

Fixtures built on it (`api`, `jwt_api`) live in conftest.py; each section imports what it uses.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from tests import infra
from tests.conformance.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Service

Headers = dict[str, str]
PASSWORD = "correct-horse-battery"
ORDER = {
    "currency": "EUR",
    "items": [
        {"sku": "PEN-1", "name": "Pen", "quantity": 3, "unit_price_cents": 250},
        {"sku": "INK-2", "name": "Ink", "quantity": 1, "unit_price_cents": 1999},
    ],
}


_ADMINS: dict[str, Headers] = {}


def unique_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@Example.com"


def within_one_window(seconds: float = 15) -> None:
    """Wait for a fresh minute if fewer than `seconds` remain: a fixed window must not reset mid-check."""
    remaining = 60 - time.time() % 60
    if remaining < seconds:
        time.sleep(remaining + 0.5)


@dataclass
class Api:
    """The running service, and callers for it, whichever way it authenticates."""

    service: Service

    @property
    def jwt(self) -> bool:
        return self.service.enabled("auth")

    def call(self, method: str, path: str, headers: Headers | None = None, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.service.url}{path}", headers=headers, timeout=15, **kwargs)

    def login(self, email: str, password: str) -> dict[str, Any]:
        response = self.call("POST", "/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        pair: dict[str, Any] = response.json()
        return pair

    @property
    def admin(self) -> Headers:
        """One admin login per service: logins are rate limited per email."""
        if self.service.url not in _ADMINS:
            if self.jwt:
                token = self.login(ADMIN_EMAIL, ADMIN_PASSWORD)["access_token"]
                _ADMINS[self.service.url] = {"Authorization": f"Bearer {token}"}
            else:
                _ADMINS[self.service.url] = {"X-User-ID": str(uuid.uuid4()), "X-User-Role": "admin"}
        return _ADMINS[self.service.url]

    def new_user(self) -> tuple[Headers, dict[str, Any]]:
        email = unique_email()
        if self.jwt:
            body = {"email": email, "password": PASSWORD, "name": "Conformance"}
            created = self.call("POST", "/api/v1/auth/register", json=body)
            assert created.status_code == 201, created.text
            token = self.login(email, PASSWORD)["access_token"]
            return {"Authorization": f"Bearer {token}"}, created.json()
        created = self.call("POST", "/api/v1/users", self.admin, json={"email": email, "name": "Conformance"})
        assert created.status_code == 201, created.text
        return {"X-User-ID": created.json()["id"], "X-User-Role": "user"}, created.json()

    def place_order(self, headers: Headers) -> dict[str, Any]:
        response = self.call("POST", "/api/v1/orders", headers, json=ORDER)
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order


def problem(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:problem-type:{kind}"
    assert body["status"] == status
    return body


def sql(service: Service, query: str, **params: str) -> list[str]:
    """Rows of a query on the service's own database, unaligned; `:'name'` takes a psql variable.

    psql reads `sslmode` and `sslrootcert` from the URL itself, so this speaks TLS when the service does.
    """
    url = service.running.env["DATABASE_URL"]
    variables = [arg for name, value in params.items() for arg in ("-v", f"{name}={value}")]
    psql = [str(infra.postgres_bin() / "psql"), url, "-At", "-v", "ON_ERROR_STOP=1", *variables, "-f", "-"]
    result = subprocess.run(psql, input=query, capture_output=True, text=True, check=True, timeout=30)
    return result.stdout.splitlines()


def redis_cli(service: Service, *args: str) -> str:
    """A command against the service's own cache (Redis standing in for Dragonfly), over TLS for `rediss://`."""
    env = service.running.env
    url = env["CACHE_URL"]
    tls = ["--tls", *(["--cacert", env["CACHE_CA_FILE"]] if env.get("CACHE_CA_FILE") else [])]
    command = ["redis-cli", "-u", url, *(tls if url.startswith("rediss://") else []), *args]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=30)
    return result.stdout.strip()


def consume_about(service: Service, subject: str, count: int, timeout: float = 30) -> list[Any]:
    """The first `count` records on the orders topic whose CloudEvent subject is `subject`."""
    from confluent_kafka import Consumer

    # The service's own broker settings: TLS and SASL too when its environment asks for them.
    config = infra.kafka_client_config(service.running.env)
    consumer = Consumer({**config, "group.id": f"conformance-{uuid.uuid4()}", "auto.offset.reset": "earliest"})
    consumer.subscribe(["orders.events"])
    found: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error() or message.value() is None:
                continue
            if json.loads(message.value()).get("subject") == subject:
                found.append(message)
    finally:
        consumer.close()
    return found
