"""Contract 6: order events as CloudEvents on the topic, relayed from the outbox, none lost in an outage."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from tests import infra
from tests.conformance.client import Api, consume_about, sql
from tests.projects import served


def test_order_events_are_published_as_cloudevents_through_the_outbox(api: Api) -> None:
    if not api.service.enabled("messaging"):
        pytest.skip("messaging=none")
    owner, _ = api.new_user()
    order = api.place_order(owner)
    api.call("PATCH", f"/api/v1/orders/{order['id']}/status", owner, json={"status": "cancelled"})

    records = consume_about(api.service, order["id"], 2)

    assert len(records) == 2, "both events arrive"
    created, changed = (json.loads(record.value()) for record in records)
    for record in records:
        assert record.key() == order["id"].encode(), "keyed by order: one partition, in order"
        assert dict(record.headers() or [])["content-type"] == b"application/cloudevents+json"
    assert (created["type"], changed["type"]) == ("order.created", "order.status_changed")
    for event in (created, changed):
        assert event["specversion"] == "1.0"
        assert event["source"].endswith("/orders")
        assert event["datacontenttype"] == "application/json"
        assert str(uuid.UUID(event["id"])) == event["id"]
    assert created["id"] != changed["id"]
    assert created["data"]["total_cents"] == order["total_cents"]
    assert (changed["data"]["status"], changed["data"]["previous_status"]) == ("cancelled", "pending")
    if api.service.enabled("database"):
        published = "SELECT count(*) FROM outbox WHERE aggregate_id = :'id' AND published_at IS NOT NULL"
        deadline = time.monotonic() + 10
        while sql(api.service, published, id=order["id"]) != ["2"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sql(api.service, published, id=order["id"]) == ["2"]


def test_no_order_event_is_lost_while_the_broker_is_down(api: Api, tmp_path: Path) -> None:
    """A second instance of the service on a broker of its own, which this test stops and restarts."""
    if not api.service.enabled("messaging"):
        pytest.skip("messaging=none")
    running = api.service.running
    database = infra.fresh_database(running.env["DATABASE_URL"], f"outage_{uuid.uuid4().hex[:8]}")
    # A TLS broker (with a CA of its own) for a service that talks TLS to its broker.
    tls = running.env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT") != "PLAINTEXT"
    with infra.kafka_broker(tmp_path, tls=tls) as broker:
        env = {**running.env, "DATABASE_URL": database, **broker.env}
        with served(running.project, env, tmp_path / "logs") as instance:
            isolated = Api(replace(api.service, running=instance))
            owner, _ = isolated.new_user()
            before = isolated.place_order(owner)
            assert consume_about(isolated.service, before["id"], 1), "the broker works before the outage"

            broker.halt()
            during = [isolated.place_order(owner)["id"] for _ in range(3)]
            readiness = isolated.call("GET", "/readyz")
            broker.resume()

            arrived = {order_id: consume_about(isolated.service, order_id, 1, timeout=90) for order_id in during}
            log = instance.log()

    assert readiness.status_code == 503 and readiness.json()["checks"]["broker"].startswith("error: ")
    lost = [order_id for order_id, records in arrived.items() if not records]
    assert not lost, f"events lost while the broker was down: {lost}\n{log}"
    for order_id, records in arrived.items():
        event = json.loads(records[0].value())
        assert (event["type"], event["subject"]) == ("order.created", order_id)
