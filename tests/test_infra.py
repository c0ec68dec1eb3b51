"""The test infrastructure itself: each stand-in server really serves what generated code uses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests import infra

pytestmark = pytest.mark.infra


def _redis(url: str, *commands: list[str]) -> list[bytes]:
    """Send commands over RESP and return each raw reply line (enough for simple replies)."""
    parts = urlsplit(url)
    payload = b"".join(
        f"*{len(command)}\r\n".encode() + b"".join(f"${len(a)}\r\n{a}\r\n".encode() for a in command)
        for command in commands
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as conn:
        conn.sendall(payload)
        data = b""
        while data.count(b"\r\n") < len(commands) + sum(1 for c in commands if c[0] == "GET"):
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n")


def _psql(url: str, sql: str) -> str:
    binary = infra.postgres_bin() / "psql"
    result = subprocess.run(
        [str(binary), url, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def test_postgres_runs_transactions_and_enforces_unique_indexes(services: dict[str, str]) -> None:
    url = services["DATABASE_URL"]
    table = f"users_{uuid.uuid4().hex[:8]}"  # generated here, never user input: f-strings below are safe
    _psql(url, f"CREATE TABLE {table} (id bigserial PRIMARY KEY, email text NOT NULL)")
    _psql(url, f"CREATE UNIQUE INDEX ON {table} (lower(email))")
    _psql(url, f"INSERT INTO {table} (email) VALUES ('Ada@example.com')")  # noqa: S608
    with pytest.raises(subprocess.CalledProcessError) as duplicate:
        _psql(url, f"INSERT INTO {table} (email) VALUES ('ada@EXAMPLE.com')")  # noqa: S608
    assert "duplicate key" in duplicate.value.stderr
    assert _psql(url, f"SELECT count(*) FROM {table}") == "1"  # noqa: S608
    assert urlsplit(url).hostname == "127.0.0.1"


def test_redis_serves_the_commands_dragonfly_shares(services: dict[str, str]) -> None:
    url = services["CACHE_URL"]
    key = f"user:{uuid.uuid4().hex}"
    replies = _redis(url, ["SET", key, "cached", "EX", "60"], ["GET", key], ["INCR", f"{key}:hits"],
                     ["EXPIRE", f"{key}:hits", "60"], ["TTL", key])  # fmt: skip
    assert replies[0] == b"+OK"
    assert replies[2] == b"cached"
    assert replies[3] == b":1"
    assert replies[4] == b":1"
    assert 0 < int(replies[5][1:]) <= 60


def test_kafka_delivers_to_a_classic_consumer_group(services: dict[str, str]) -> None:
    from confluent_kafka import Consumer, Producer

    brokers = services["KAFKA_BROKERS"]
    topic = f"test.{uuid.uuid4().hex[:8]}"
    infra.create_topics(brokers, [topic], partitions=1)
    producer = Producer({"bootstrap.servers": brokers, "enable.idempotence": True})
    producer.produce(topic, key=b"order-1", value=b'{"type":"order.created"}')
    assert producer.flush(30) == 0
    consumer = Consumer(
        {
            "bootstrap.servers": brokers,
            "group.id": f"g-{uuid.uuid4().hex[:8]}",
            "group.protocol": "classic",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    try:
        message = None
        for _ in range(60):
            message = consumer.poll(1.0)
            if message is not None and message.error() is None:
                break
        assert message is not None and message.error() is None
        assert (message.key(), message.value()) == (b"order-1", b'{"type":"order.created"}')
    finally:
        consumer.close()


def test_a_halted_broker_refuses_then_resumes_with_its_records(tmp_path: Path) -> None:
    from confluent_kafka import Consumer, Producer, TopicPartition

    with infra.kafka_broker(tmp_path) as broker:
        producer = Producer({"bootstrap.servers": broker.url, "enable.idempotence": True})
        producer.produce(infra.TOPICS[0], key=b"k", value=b"before the outage", partition=0)
        assert producer.flush(30) == 0
        port = int(broker.url.rpartition(":")[2])

        broker.halt()
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
        broker.resume()

        consumer = Consumer({"bootstrap.servers": broker.url, "group.id": "resume", "enable.auto.commit": False})
        consumer.assign([TopicPartition(infra.TOPICS[0], 0, 0)])
        try:
            message = next(
                (m for m in (consumer.poll(1.0) for _ in range(60)) if m is not None and m.error() is None), None
            )
        finally:
            consumer.close()
        assert message is not None and message.value() == b"before the outage"
        assert broker.url.endswith(f":{port}"), "same address after the restart"
    assert list(tmp_path.iterdir()) == [], "the broker's files are deleted"


def test_topics_are_not_created_implicitly(services: dict[str, str]) -> None:
    from confluent_kafka.admin import AdminClient

    topics = AdminClient({"bootstrap.servers": services["KAFKA_BROKERS"]}).list_topics(timeout=10).topics
    assert set(infra.TOPICS) <= set(topics)
    assert "never.created" not in topics


def test_run_exports_urls_passes_the_exit_code_and_cleans_up(tmp_path: Path) -> None:
    script = 'test -n "$CACHE_URL" && test -z "$KAFKA_BROKERS" && echo "$CACHE_URL" > urls && exit 7'
    result = subprocess.run(
        [sys.executable, "-m", "tests.infra", "run", "--only", "redis", "--", "sh", "-c", script],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 7, result.stderr
    port = urlsplit((tmp_path / "urls").read_text().strip()).port
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_up_and_down_leave_nothing_running(tmp_path: Path) -> None:
    env = infra.up(["postgres", "redis"], tmp_path)
    assert (tmp_path / "services.env").read_text().splitlines() == [f"{k}={v}" for k, v in env.items()]
    with pytest.raises(infra.InfraError, match="run `down` first"):
        infra.up(["redis"], tmp_path)
    assert infra.down(tmp_path) == 2
    for url in env.values():
        parts = urlsplit(url)
        with pytest.raises(OSError), socket.create_connection((parts.hostname, parts.port), timeout=1):
            pass
    assert not (tmp_path / "services.env").exists()
    assert list(tmp_path.iterdir()) == []
