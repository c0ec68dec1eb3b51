"""Contract part II, Outbox v2: a database sequence orders events, poison events are parked, rows expire.

Every check but the first runs a private instance of the service (a database, and where needed a
topic or broker, of its own), so parking, retention and an unreachable broker disturb no other test.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

import pytest

from tests import infra
from tests.conformance.client import ORDER, Api, Headers, sql
from tests.conformance.relay import TopicReader, instance, private_env, private_topic, wait_for

# Contract details: the columns a parked event carries.
PARKING_COLUMNS = ("attempts", "last_error", "failed_at")
# A topic that refuses records over 2000 bytes; a poison order's event is far larger, a small one fits.
TINY_TOPIC = {"max.message.bytes": "2000"}
RETENTION_SWEEP_SECONDS = 60


@pytest.fixture
def relayed(api: Api) -> Api:
    if not (api.service.enabled("database") and api.service.enabled("messaging")):
        pytest.skip("the outbox table exists with database=postgres and messaging=redpanda only")
    return api


def test_outbox_rows_are_ordered_by_an_identity_sequence(relayed: Api) -> None:
    query = (
        "SELECT data_type, is_identity, identity_generation FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = 'outbox' AND column_name = 'seq'"
    )

    assert sql(relayed.service, query) == ["bigint|YES|ALWAYS"], "outbox.seq bigint generated always as identity"


def test_one_orders_events_reach_the_topic_in_sequence_order(relayed: Api) -> None:
    api = relayed
    owner, _ = api.new_user()
    order = api.place_order(owner)
    for status in ("paid", "shipped", "delivered"):
        changed = api.call("PATCH", f"/api/v1/orders/{order['id']}/status", api.admin, json={"status": status})
        assert changed.status_code == 200, changed.text
    assert "seq" in outbox_columns(api), "outbox has no seq column to order events by"
    by_seq = sql(api.service, "SELECT id FROM outbox WHERE aggregate_id::text = :'id' ORDER BY seq", id=order["id"])
    topic = api.service.running.env.get("KAFKA_TOPIC_ORDERS", "orders.events")

    with TopicReader(api.service.running.env["KAFKA_BROKERS"], topic) as reader:
        reader.read(lambda _: len(reader.about(order["id"])) >= 4, 60)
    on_topic = [record.event["id"] for record in reader.about(order["id"])]

    assert len(by_seq) == 4
    assert on_topic == by_seq, "one order's events on the topic in outbox.seq order, each once"


def poison_order() -> dict[str, object]:
    """An order whose event is far larger than the tiny topic accepts, compressed or not.

    The topic's limit applies to the compressed batch, and 20 kB of repeated letters compress to
    about 2.4 kB, near it; 20 kB of random hex stays over 10 kB whatever the producer's codec.
    """
    items = [
        {"sku": f"BIG-{i}", "name": secrets.token_hex(100), "quantity": 1, "unit_price_cents": 1} for i in range(100)
    ]
    return {"currency": "EUR", "items": items}


def parked(api: Api, order_id: str) -> list[str]:
    query = (
        "SELECT attempts, last_error, failed_at FROM outbox WHERE aggregate_id::text = :'id' AND failed_at IS NOT NULL"
    )
    return sql(api.service, query, id=order_id)


def row(api: Api, order_id: str) -> list[str]:
    """The order's outbox rows as attempts|published_at|failed_at|last_error, for a failure message."""
    query = (
        "SELECT attempts, published_at, failed_at, left(last_error, 200) FROM outbox"
        " WHERE aggregate_id::text = :'id' ORDER BY seq"
    )
    return sql(api.service, query, id=order_id)


def outbox_columns(api: Api) -> set[str]:
    query = "SELECT column_name FROM information_schema.columns WHERE table_name = 'outbox'"
    return set(sql(api.service, query))


def test_an_event_that_keeps_failing_is_parked_and_its_order_waits(relayed: Api, tmp_path: Path) -> None:
    brokers = relayed.service.running.env["KAFKA_BROKERS"]
    # One partition: the poison event shares a produce batch with the next order's, which a broker
    # refuses whole, and that innocent event must still flow.
    topic = private_topic(brokers, "poison", TINY_TOPIC, partitions=1)
    env = private_env(relayed.service, KAFKA_TOPIC_ORDERS=topic, OUTBOX_MAX_ATTEMPTS="2")
    with instance(relayed.service, env, tmp_path / "logs") as api, TopicReader(brokers, topic) as reader:
        owner, _ = api.new_user()
        small = api.place_order(owner)["id"]
        reader.read(lambda _: bool(reader.about(small)), 60)
        assert reader.about(small), "a small order's event fits the tiny topic"
        poison = api.call("POST", "/api/v1/orders", owner, json=poison_order())
        assert poison.status_code == 201, poison.text
        poisoned = poison.json()["id"]
        after = api.place_order(owner)["id"]
        reader.read(lambda _: bool(reader.about(after)), 60)
        assert reader.about(after), f"an order after the poison one flows: {row(api, after)}"
        missing = set(PARKING_COLUMNS) - outbox_columns(api)
        assert not missing, f"outbox lacks the parking columns {sorted(missing)}"
        assert wait_for(lambda: bool(parked(api, poisoned)), 60), f"the poison event is parked: {row(api, poisoned)}"
        attempts, last_error, _ = parked(api, poisoned)[0].split("|")
        assert int(attempts) >= 2 and last_error, f"parked after OUTBOX_MAX_ATTEMPTS with its error: {attempts!r}"
        waiting_behind(api, reader, owner, poisoned)


def waiting_behind(api: Api, reader: TopicReader, owner: Headers, poisoned: str) -> None:
    """A later event of the poisoned order is held back while other orders' events still flow."""
    cancelled = api.call("PATCH", f"/api/v1/orders/{poisoned}/status", owner, json={"status": "cancelled"})
    assert cancelled.status_code == 200, cancelled.text
    later = api.place_order(owner)["id"]
    reader.read(lambda _: bool(reader.about(later)), 60)
    assert reader.about(later), "other orders keep flowing past a parked event"
    reader.drain(3)
    assert not reader.about(poisoned), "the poisoned order's later event must wait behind the parked one"
    pending = "SELECT count(*) FROM outbox WHERE aggregate_id::text = :'id' AND published_at IS NULL"
    assert sql(api.service, pending, id=poisoned) == ["2"], "both of the poisoned order's events stay unpublished"


def published_count(api: Api) -> int:
    return int(sql(api.service, "SELECT count(*) FROM outbox WHERE published_at IS NOT NULL")[0])


def test_published_rows_are_deleted_after_the_retention(relayed: Api, tmp_path: Path) -> None:
    env = private_env(relayed.service, OUTBOX_RETENTION_HOURS="1")
    with instance(relayed.service, env, tmp_path / "first") as api:
        owner, _ = api.new_user()
        old = [api.place_order(owner)["id"] for _ in range(3)]
        assert wait_for(lambda: published_count(api) == 3, 60), "the three events are published"
        api.service.running.stop_gracefully()
    backdate = "UPDATE outbox SET created_at = now() - interval '3 hours', published_at = now() - interval '2 hours'"
    sql(api.service, backdate)
    with instance(relayed.service, env, tmp_path / "second") as api:
        recent = api.place_order(owner)["id"]
        assert wait_for(lambda: published_count(api) >= 1 and total_rows(api) == 1, RETENTION_SWEEP_SECONDS, 1), (
            f"rows published over OUTBOX_RETENTION_HOURS ago are deleted within {RETENTION_SWEEP_SECONDS}s"
        )
        left = sql(api.service, "SELECT aggregate_id::text FROM outbox")
    assert left == [recent], f"only the recent order's row stays, not {old}"


def total_rows(api: Api) -> int:
    return int(sql(api.service, "SELECT count(*) FROM outbox")[0])


def gauge(metrics: str, name: str) -> float:
    """The value of an unlabelled Prometheus gauge, asserting it is declared as a gauge."""
    assert re.search(rf"^# TYPE {name} gauge$", metrics, re.M), f"{name} is not exposed as a gauge"
    found = re.search(rf"^{name}(?:\{{[^}}]*\}})? ([0-9.eE+-]+)$", metrics, re.M)
    assert found, f"no sample of {name}"
    return float(found.group(1))


def test_metrics_report_the_pending_backlog_while_the_broker_is_unreachable(relayed: Api, tmp_path: Path) -> None:
    nowhere = f"127.0.0.1:{infra.free_port()}"
    env = private_env(relayed.service, KAFKA_BROKERS=nowhere)
    with instance(relayed.service, env, tmp_path / "logs") as api:
        owner, _ = api.new_user()
        for _ in range(3):
            assert api.call("POST", "/api/v1/orders", owner, json=ORDER).status_code == 201
        time.sleep(2)
        metrics = api.call("GET", "/metrics").text
        pending = int(sql(api.service, "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0])
    assert pending == 3, "nothing can be published to an unreachable broker"
    assert gauge(metrics, "outbox_pending_events") == pending
    age = gauge(metrics, "outbox_oldest_pending_age_seconds")
    assert 1 <= age < 120, f"the oldest pending event is a few seconds old, not {age}"
