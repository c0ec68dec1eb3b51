"""Helpers for the sections that watch the outbox relay from outside: topics, private instances, tokens.

Used by `consistency`, `outbox`, `replicas` and `upgrade`; like client.py, nothing here knows a stack.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tests import infra
from tests.conformance.client import Api
from tests.conformance.conftest import Service
from tests.projects import served


@dataclass
class Record:
    """One record read from a topic: its CloudEvent, key and partition."""

    key: str
    partition: int
    event: dict[str, Any]


@dataclass
class TopicReader:
    """A consumer of one topic from its beginning that keeps everything it has read."""

    brokers: str
    topic: str
    records: list[Record] = field(default_factory=list)
    _consumer: Any = None

    def __enter__(self) -> TopicReader:
        from confluent_kafka import Consumer

        self._consumer = Consumer(
            {
                "bootstrap.servers": self.brokers,
                "group.id": f"conformance-{uuid.uuid4()}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
                "log_level": 2,  # a broker stopped on purpose is no error worth printing
            }
        )
        self._consumer.subscribe([self.topic])
        return self

    def __exit__(self, *exc: object) -> None:
        self._consumer.close()

    def read(self, done: Callable[[list[Record]], bool], timeout: float) -> list[Record]:
        """Poll until `done(records)` holds or `timeout` seconds pass; every record read so far."""
        deadline = time.monotonic() + timeout
        while not done(self.records) and time.monotonic() < deadline:
            message = self._consumer.poll(0.5)
            if message is None or message.error() or message.value() is None:
                continue
            key = (message.key() or b"").decode()
            self.records.append(Record(key, message.partition(), json.loads(message.value())))
        return self.records

    def drain(self, seconds: float) -> list[Record]:
        """Keep reading for `seconds` more (to catch late duplicates)."""
        return self.read(lambda _: False, seconds)

    def about(self, subject: str) -> list[Record]:
        return [record for record in self.records if record.event.get("subject") == subject]


def private_topic(brokers: str, prefix: str, config: dict[str, str] | None = None, partitions: int = 3) -> str:
    """A new topic of `partitions` (optionally with topic `config`), for one test alone."""
    from confluent_kafka.admin import AdminClient, NewTopic

    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": brokers, "log_level": 3})
    topic = NewTopic(name, num_partitions=partitions, replication_factor=1, config=config or {})
    for future in admin.create_topics([topic]).values():
        future.result(timeout=30)
    return name


def private_env(service: Service, **overrides: str) -> dict[str, str]:
    """The service's environment on a fresh database of its own, with `overrides` on top."""
    running = service.running
    database = infra.fresh_database(running.env["DATABASE_URL"], f"outbox_{uuid.uuid4().hex[:10]}")
    return {**running.env, "DATABASE_URL": database, **overrides}


@contextmanager
def instance(service: Service, env: dict[str, str], logs: Path) -> Iterator[Api]:
    """Another `make run` of the service's project with `env`, as an Api; killed afterwards."""
    with served(service.running.project, env, logs) as running:
        yield Api(replace(service, running=running))


def wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.3) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def wait_ready(api: Api, timeout: float) -> int:
    """Poll /readyz until 200 or `timeout` seconds; the last status seen."""
    status = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = api.call("GET", "/readyz").status_code
        except OSError:
            status = 0
        if status == 200:
            break
        time.sleep(0.5)
    return status


def dotenv(project: Path) -> dict[str, str]:
    """KEY=VALUE lines of the project's .env (what `make run` reads when the environment is silent)."""
    values: dict[str, str] = {}
    path = project / ".env"
    for line in path.read_text().splitlines() if path.exists() else []:
        key, sep, value = line.partition("=")
        if sep and not key.lstrip().startswith("#"):
            values[key.strip()] = value.strip().strip('"')
    return values


def jwt_secret(service: Service) -> str:
    """The HMAC key the service signs with: its environment first, else its project's .env."""
    running = service.running
    secret = running.env.get("JWT_SECRET") or dotenv(running.project).get("JWT_SECRET")
    assert secret, "no JWT_SECRET in the service's environment or its .env"
    return secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    """The payload of a JWT, unverified (the test signed or received it)."""
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def sign_hs256(claims: dict[str, Any], secret: str) -> str:
    """A compact JWS over `claims` with HS256, as the service signs its access tokens."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(signature)}"
