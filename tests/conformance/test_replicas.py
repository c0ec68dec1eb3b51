"""Contract part II, Outbox v2 across replicas: one relay at a time, every event once and in order.

Two instances of the defaults project share a fresh database and a broker and topic of their own. Which one holds the
relay's lease is read from PostgreSQL (the advisory lock's backend, its client port) and traced to
the process that owns that socket, which is then killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests import infra
from tests.conformance.client import Api, Headers, sql
from tests.conformance.conftest import Service
from tests.conformance.relay import Record, TopicReader, instance, private_env, private_topic
from tests.projects import descendants

LEASE_SECONDS = 5
FIRST_ORDERS = 200
MORE_ORDERS = 300
KILL_AFTER = 100
# Enough callers at once that both relays find new rows while the other is mid-batch.
WORKERS = 8
# Only the batch in flight when the holder died may be published twice.
MAX_DUPLICATES = 100
HOLDER = (
    "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()"
)


@dataclass
class Replicas:
    """Two running instances on one database and topic, and a reader of that topic."""

    instances: list[Api]
    reader: TopicReader
    owner: Headers


@pytest.fixture(scope="module")
def replicas(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    if service.variant != "defaults":
        pytest.skip("replicas run the defaults project (database and messaging on)")
    logs = tmp_path_factory.mktemp("replicas")
    with ExitStack() as stack:
        # A broker of their own, idle but for them: on a busy shared one the relays' batches rarely overlap.
        brokers = stack.enter_context(infra.kafka_broker(logs)).url
        topic = private_topic(brokers, "replicas")
        env = private_env(service, KAFKA_BROKERS=brokers, KAFKA_TOPIC_ORDERS=topic)
        env["OUTBOX_LEASE_SECONDS"] = str(LEASE_SECONDS)
        # One after the other: the second starts once the first has migrated the database.
        instances = [stack.enter_context(instance(service, env, logs / name)) for name in ("a", "b")]
        reader = stack.enter_context(TopicReader(brokers, topic))
        owner, _ = instances[0].new_user()
        yield Replicas(instances, reader, owner)


def order_with_a_change(creator: Api, changer: Api, owner: Headers) -> str:
    """An order placed through one instance and cancelled through the other; its id."""
    created = creator.place_order(owner)["id"]
    cancelled = changer.call("PATCH", f"/api/v1/orders/{created}/status", owner, json={"status": "cancelled"})
    assert cancelled.status_code == 200, cancelled.text
    return created


def outbox_ids(api: Api) -> set[str]:
    return set(sql(api.service, "SELECT id::text FROM outbox"))


def events_by_order(records: list[Record]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for record in records:
        grouped.setdefault(record.event["subject"], []).append(record.event["type"])
    return grouped


def seen_all(ids: set[str]) -> Callable[[list[Record]], bool]:
    return lambda records: ids <= {record.event["id"] for record in records}


def test_two_replicas_publish_every_event_once_and_in_order(replicas: Replicas) -> None:
    one, two = replicas.instances
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        jobs = [(one, two) if i % 2 else (two, one) for i in range(FIRST_ORDERS)]
        orders = list(pool.map(lambda pair: order_with_a_change(*pair, replicas.owner), jobs))
    expected = outbox_ids(one)
    assert len(expected) == 2 * FIRST_ORDERS, "one created and one status_changed row per order"

    replicas.reader.read(seen_all(expected), 90)
    records = replicas.reader.drain(5)
    counts = Counter(record.event["id"] for record in records)

    missing = expected - set(counts)
    twice = {event_id: count for event_id, count in counts.items() if count > 1}
    assert not missing, f"{len(missing)} outbox rows never reached the topic"
    assert not twice, f"{len(twice)} outbox rows were published more than once (two relays at work)"
    late = disordered(records, orders)
    assert not late, f"{len(late)} orders' status_changed arrived before their created event"


def disordered(records: list[Record], orders: list[str]) -> list[str]:
    """The orders among `orders` whose first event on the topic is not their `order.created`."""
    grouped = events_by_order(records)
    return [order for order in orders if grouped.get(order, [])[:1] != ["order.created"]]


def socket_inode(local_port: int, remote_port: int) -> str | None:
    """The inode of the loopback TCP socket from `local_port` to `remote_port` (from /proc/net/tcp)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
            if int(local, 16) == local_port and int(remote, 16) == remote_port:
                return fields[9]
    return None


def owner_of(inode: str, api: Api) -> int | None:
    """The process of this instance (make or below) that holds socket `inode`, if any."""
    root = api.service.running.process.pid
    for pid in [root, *descendants(root)]:
        try:
            links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        if f"socket:[{inode}]" in links:
            return pid
    return None


def lease_holder(replicas: Replicas) -> tuple[Api, int]:
    """The instance whose connection holds the relay's advisory lock, and the pid to kill."""
    one = replicas.instances[0]
    ports = sql(one.service, HOLDER)
    assert ports, "no advisory lock is held on the database: the relay takes no lease"
    database_port = urlsplit(one.service.running.env["DATABASE_URL"]).port or 5432
    inode = socket_inode(int(ports[0]), database_port)
    assert inode, f"no local socket from port {ports[0]} to PostgreSQL"
    for api in replicas.instances:
        pid = owner_of(inode, api)
        if pid is not None:
            return api, pid
    raise AssertionError("the advisory lock's connection belongs to neither instance")


def place_orders(api: Api, owner: Headers, count: int) -> list[str]:
    return [api.place_order(owner)["id"] for _ in range(count)]


def test_the_lease_moves_on_when_its_holder_is_killed(replicas: Replicas) -> None:
    holder, pid = lease_holder(replicas)
    survivor = next(api for api in replicas.instances if api is not holder)
    before = outbox_ids(survivor)

    place_orders(survivor, replicas.owner, KILL_AFTER)
    os.kill(pid, signal.SIGKILL)
    place_orders(survivor, replicas.owner, MORE_ORDERS - KILL_AFTER)
    last_placed = time.monotonic()
    expected = outbox_ids(survivor) - before
    assert len(expected) == MORE_ORDERS

    replicas.reader.read(seen_all(expected), LEASE_SECONDS + 30)
    late = time.monotonic() - last_placed
    records = replicas.reader.drain(3)

    counts = Counter(record.event["id"] for record in records if record.event["id"] in expected)
    missing = expected - set(counts)
    assert not missing, f"{len(missing)} of {MORE_ORDERS} events not delivered {late:.0f}s after the last order"
    duplicates = sum(count - 1 for count in counts.values())
    assert duplicates <= MAX_DUPLICATES, f"{duplicates} duplicates: more than the batch in flight"
