"""Contract 10: bounded bodies (413, bounded memory), bounded request heads (431), slow and idle
connections cut off. Raw sockets throughout: an HTTP client would hide what the server did."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests import infra
from tests.conformance.client import ORDER, Api, Headers
from tests.conformance.conftest import Service
from tests.conformance.wire import (
    IDLE_SECONDS,
    IDLE_SLACK_SECONDS,
    Header,
    MemoryWatch,
    Reply,
    address,
    closed_within,
    exchange,
    listener_pid,
)
from tests.projects import served

MIB = 1 << 20
DEFAULT_LIMIT = 1_048_576
ANSWER_SECONDS = 5
SLOWLORIS_SECONDS = 15
CHUNK = 256 * 1024
CHUNKED: Header = ("Transfer-Encoding", "chunked")
PARTIAL_HEAD = b"POST /api/v1/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"


def order_body(size: int) -> Iterator[bytes]:
    """Exactly `size` bytes of a valid order whose padding sits in an ignored field."""
    prefix = json.dumps(ORDER)[:-1].encode() + b', "note": "'
    suffix = b'"}'
    padding = size - len(prefix) - len(suffix)
    assert padding >= 0, f"{size} bytes cannot hold an order"
    yield prefix
    block = b"x" * CHUNK
    for _ in range(padding // CHUNK):
        yield block
    yield b"x" * (padding % CHUNK) + suffix


def framing(size: int, chunked: bool) -> Header:
    return CHUNKED if chunked else ("Content-Length", str(size))


def post_order(api: Api, size: int, chunked: bool, request_id: str = "", identity: Headers | None = None) -> Reply:
    """POST an order of `size` bytes, as `identity` or a fresh user, sent with the given framing."""
    identity = identity or api.new_user()[0]
    headers = [*identity.items(), ("Content-Type", "application/json"), framing(size, chunked)]
    if request_id:
        headers.append(("X-Request-ID", request_id))
    return exchange(api.service.url, "POST", "/api/v1/orders", headers, body=order_body(size))


def described(reply: Reply) -> str:
    return (
        f"status {reply.status} after {reply.answered_after} s, closed {reply.closed}, "
        f"content-type {reply.headers.get('content-type')}, body {reply.body[:300]!r}"
    )


def payload_too_large_faults(reply: Reply, request_id: str) -> list[str]:
    """Ways `reply` falls short of the contract's 413 problem for this request."""
    if reply.status != 413:
        return [f"expected 413, got {described(reply)}"]
    faults = []
    if not reply.headers.get("content-type", "").startswith("application/problem+json"):
        faults.append(f"not a problem: {described(reply)}")
        return faults
    problem = json.loads(reply.body)
    if (problem.get("type"), problem.get("status")) != ("urn:problem-type:payload-too-large", 413):
        faults.append(f"wrong problem: {problem}")
    if problem.get("request_id") != request_id:
        faults.append(f"problem request_id {problem.get('request_id')!r}, sent {request_id!r}")
    return faults


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("size", [8 * MIB, 64 * MIB], ids=["8MiB", "64MiB"])
def test_an_oversized_body_is_refused_at_once_without_buffering_it(api: Api, size: int, chunked: bool) -> None:
    running = api.service.running
    pid = listener_pid(running.process.pid, address(api.service.url)[1])
    request_id = f"limits-{uuid.uuid4()}"
    # Before watching: password hashing (argon2id) may take tens of MiB by design.
    identity, _ = api.new_user()

    with MemoryWatch(pid) as memory:
        reply = post_order(api, size, chunked, request_id, identity)
        time.sleep(0.3)  # allocation that outlives the answer counts too

    faults = payload_too_large_faults(reply, request_id)
    if reply.answered_after is None or reply.answered_after >= ANSWER_SECONDS:
        faults.append(f"not answered within {ANSWER_SECONDS} s ({reply.answered_after})")
    if memory.growth_mib >= 64:
        faults.append(f"the service's resident memory grew by {memory.growth_mib:.0f} MiB (limit: 64)")
    assert not faults, "\n".join(faults)


def test_a_compressed_body_is_bounded_after_decompression(api: Api) -> None:
    """64 MiB of order that gzip packs into a few dozen KiB: refused (413, or 415/400 by a service that
    does not decode content codings), never inflated whole."""
    pid = listener_pid(api.service.running.process.pid, address(api.service.url)[1])
    packed = gzip.compress(b"".join(order_body(64 * MIB)), compresslevel=9)
    identity, _ = api.new_user()
    headers = [*identity.items(), ("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
    headers.append(("Content-Length", str(len(packed))))

    with MemoryWatch(pid) as memory:
        reply = exchange(api.service.url, "POST", "/api/v1/orders", headers, body=[packed])
        time.sleep(0.3)

    assert reply.status in {400, 413, 415}, described(reply)
    assert reply.answered_after is not None and reply.answered_after < ANSWER_SECONDS, described(reply)
    assert memory.growth_mib < 64, f"the service's resident memory grew by {memory.growth_mib:.0f} MiB"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_of_exactly_max_body_bytes_is_served(api: Api, chunked: bool) -> None:
    reply = post_order(api, DEFAULT_LIMIT, chunked)

    assert reply.status == 201, described(reply)


def test_a_smaller_max_body_bytes_is_honoured(api: Api, tmp_path: Path) -> None:
    """A second instance of the service with MAX_BODY_BYTES=2048."""
    running = api.service.running
    env = {**running.env, "MAX_BODY_BYTES": "2048"}
    if api.service.enabled("database"):
        env["DATABASE_URL"] = infra.fresh_database(running.env["DATABASE_URL"], f"limits_{uuid.uuid4().hex[:8]}")
    with served(running.project, env, tmp_path / "logs") as instance:
        small = Api(replace(api.service, running=instance))
        at_limit = post_order(small, 2048, chunked=False)
        request_id = f"limits-{uuid.uuid4()}"
        over = post_order(small, 2049, chunked=False, request_id=request_id)
        chunked_id = f"limits-{uuid.uuid4()}"
        chunked_over = post_order(small, 4096, chunked=True, request_id=chunked_id)

    assert at_limit.status == 201, described(at_limit)
    faults = payload_too_large_faults(over, request_id) + payload_too_large_faults(chunked_over, chunked_id)
    assert not faults, "\n".join(faults)


def padding_headers(total: int, each: int) -> list[Header]:
    return [(f"X-Padding-{index}", "a" * each) for index in range(total // each)]


@pytest.mark.parametrize("each", [20 * 1024, 512], ids=["one-large-header", "many-small-headers"])
def test_a_request_head_over_16_kib_is_refused_with_431(service: Service, each: int) -> None:
    reply = exchange(service.url, "GET", "/healthz", padding_headers(20 * 1024, each), timeout=15)

    assert reply.status == 431, described(reply)


def test_a_request_head_under_16_kib_is_served(service: Service) -> None:
    reply = exchange(service.url, "GET", "/healthz", padding_headers(12 * 1024, 2048), timeout=15)

    assert reply.status == 200, described(reply)


@pytest.mark.parametrize("trickle", [b"", b"X-Slow: 1\r\n"], ids=["stalls", "trickles-a-header-a-second"])
def test_a_slow_request_head_is_cut_off(service: Service, trickle: bytes) -> None:
    closed_after = closed_within(service.url, PARTIAL_HEAD, SLOWLORIS_SECONDS + 5, trickle)

    assert closed_after is not None, f"still open after {SLOWLORIS_SECONDS + 5} s"
    assert closed_after <= SLOWLORIS_SECONDS, f"closed only after {closed_after:.1f} s"


def test_an_idle_keep_alive_connection_is_closed_within_120_s(service: Service) -> None:
    """The service fixture opened the connection when the service started; this waits only for
    what is left of 120 s."""
    idle_connection = service.idle
    assert idle_connection is not None, "the service fixture opens it wherever limits runs"
    assert idle_connection.status == 200
    remaining = idle_connection.open_since + IDLE_SECONDS + IDLE_SLACK_SECONDS - time.monotonic()
    idle_connection.watcher.join(timeout=max(remaining, 0) + 1)

    closed_after = idle_connection.closed_after
    assert closed_after is not None, f"an idle keep-alive connection was still open after {IDLE_SECONDS} s"
    assert closed_after <= IDLE_SECONDS + IDLE_SLACK_SECONDS, f"closed only after {closed_after:.0f} s"
