"""The test infrastructure itself: each stand-in server really serves what generated code uses."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests import certs, infra

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


# TLS: one TLS-only set per session (`tls_services`), each server proven to verify and to refuse plaintext.


def test_postgres_over_tls_verifies_the_server_and_refuses_plain_tcp(
    tls_services: dict[str, str], tmp_path: Path
) -> None:
    url = tls_services["DATABASE_URL"]
    assert "sslmode=verify-full" in url and "sslrootcert=" in url
    assert _psql(url, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == "t"

    plain = url.partition("?")[0] + "?sslmode=disable"
    with pytest.raises(subprocess.CalledProcessError) as refused:
        _psql(plain, "SELECT 1")
    assert "no pg_hba.conf entry" in refused.value.stderr and "no encryption" in refused.value.stderr

    stranger, _ = certs.make_ca(tmp_path / "other", "another CA")
    ours = url.partition("sslrootcert=")[2].partition("&")[0]
    with pytest.raises(subprocess.CalledProcessError) as unverified:
        _psql(url.replace(f"sslrootcert={ours}", f"sslrootcert={stranger}"), "SELECT 1")
    assert "certificate verify failed" in unverified.value.stderr


def _redis_tls(url: str, ca: str, *commands: list[str]) -> bytes:
    """Send RESP commands over TLS, verifying the server against `ca`; the raw replies."""
    parts = urlsplit(url)
    context = ssl.create_default_context(cafile=ca)
    payload = b"".join(
        f"*{len(command)}\r\n".encode() + b"".join(f"${len(a)}\r\n{a}\r\n".encode() for a in command)
        for command in commands
    )
    with (
        socket.create_connection((parts.hostname, parts.port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=parts.hostname) as conn,
    ):
        conn.sendall(payload)
        data = b""
        for _ in range(20):
            if data.count(b"\r\n") >= 3:
                break
            data += conn.recv(4096)
    return data


def _answers_plaintext(url: str) -> bool:
    try:
        return _redis(url, ["PING"])[0] == b"+PONG"
    except OSError:  # a reset is how a TLS port turns plaintext away
        return False


def test_redis_over_tls_sets_and_gets_and_refuses_plaintext(tls_services: dict[str, str], tmp_path: Path) -> None:
    url, ca = tls_services["CACHE_URL"], tls_services["CACHE_CA_FILE"]
    key = f"user:{uuid.uuid4().hex}"
    assert url.startswith("rediss://127.0.0.1:")

    replies = _redis_tls(url, ca, ["SET", key, "over tls", "EX", "60"], ["GET", key])

    assert replies.split(b"\r\n")[:3] == [b"+OK", b"$8", b"over tls"]
    assert not _answers_plaintext(url.replace("rediss://", "redis://")), "a TLS-only server refuses plaintext"
    stranger, _ = certs.make_ca(tmp_path / "other", "another CA")
    with pytest.raises(ssl.SSLCertVerificationError):
        _redis_tls(url, str(stranger), ["PING"])


def _round_trip(config: dict[str, str], topic: str) -> bytes | None:
    """Produce one record to `topic` and read it back with a classic consumer group; its value."""
    from confluent_kafka import Consumer, Producer

    producer = Producer({**config, "enable.idempotence": True})
    producer.produce(topic, key=b"order-1", value=f"via {config.get('security.protocol')}".encode())
    assert producer.flush(30) == 0
    group = {"group.id": f"g-{uuid.uuid4().hex[:8]}", "group.protocol": "classic", "auto.offset.reset": "earliest"}
    consumer = Consumer({**config, **group})
    consumer.subscribe([topic])
    try:
        for _ in range(60):
            message = consumer.poll(1.0)
            if message is not None and message.error() is None:
                value: bytes | None = message.value()
                return value
    finally:
        consumer.close()
    return None


@pytest.mark.parametrize("listener", ["SSL", "SASL_SSL SCRAM-SHA-512", "SASL_SSL SCRAM-SHA-256"])
def test_kafka_produces_and_consumes_over_tls(tls_services: dict[str, str], listener: str) -> None:
    protocol, _, mechanism = listener.partition(" ")
    env = {**tls_services, "KAFKA_SECURITY_PROTOCOL": protocol, "KAFKA_SASL_MECHANISM": mechanism}
    if protocol == "SSL":
        env["KAFKA_BROKERS"] = tls_services["KAFKA_SSL_BROKERS"]
    config = infra.kafka_client_config(env)
    topic = f"test.{uuid.uuid4().hex[:8]}"
    infra.create_topics(config["bootstrap.servers"], [topic], partitions=1, config=config)

    assert _round_trip(config, topic) == f"via {protocol}".encode()


def _first_errors(config: dict[str, str]) -> str:
    """What a client with these settings reports once it has tried the broker (within 15 s)."""
    from confluent_kafka import Producer

    reports: list[str] = []
    producer = Producer({**config, "log_level": 0, "error_cb": lambda error: reports.append(str(error))})
    deadline = time.monotonic() + 15
    while not reports and time.monotonic() < deadline:
        producer.poll(0.2)
    return " ".join(reports)


def test_kafka_refuses_wrong_scram_credentials_and_plaintext(tls_services: dict[str, str]) -> None:
    from confluent_kafka.admin import AdminClient

    good = infra.kafka_client_config(tls_services)
    assert good["security.protocol"] == "SASL_SSL" and good["sasl.mechanism"] == "SCRAM-SHA-512"
    admin_config: dict[str, str | int | float | bool] = {**good}
    assert infra.TOPICS[0] in AdminClient(admin_config).list_topics(timeout=15).topics

    wrong_password = _first_errors({**good, "sasl.password": "not-the-password"})
    unknown_user = _first_errors({**good, "sasl.username": "nobody"})
    plaintext = _first_errors({"bootstrap.servers": good["bootstrap.servers"]})

    assert "Authentication failed" in wrong_password, wrong_password
    assert "Authentication failed" in unknown_user, unknown_user
    assert plaintext and "Authentication failed" not in plaintext, "plaintext fails before any authentication"


def test_up_tls_writes_variables_a_shell_can_source(tmp_path: Path) -> None:
    env = infra.up(["postgres", "redis"], tmp_path, tls=True)
    try:
        # The URL's `&` would end the assignment if services.env did not quote it.
        script = 'set -a; . ./services.env; test "$CACHE_CA_FILE" = "${DATABASE_URL##*sslrootcert=}" && '
        script += '"$PSQL" "$DATABASE_URL" -Atc "SELECT 1"'
        shell_env = {"PSQL": str(infra.postgres_bin() / "psql"), "PATH": os.environ["PATH"]}
        result = subprocess.run(
            ["sh", "-c", script], cwd=tmp_path, env=shell_env, capture_output=True, text=True, timeout=60, check=False
        )
    finally:
        assert infra.down(tmp_path) == 2
    assert (result.returncode, result.stdout.strip()) == (0, "1"), result.stderr
    assert env["CACHE_URL"].startswith("rediss://") and "sslmode=verify-full" in env["DATABASE_URL"]
    assert list(tmp_path.iterdir()) == []
