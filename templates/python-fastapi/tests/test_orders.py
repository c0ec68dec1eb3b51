"""Orders over real HTTP: server-side totals, ownership, transitions and validation."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx

Headers = dict[str, str]
ORDER = {
    "currency": "EUR",
    "items": [
        {"sku": "PEN-1", "name": "Pen", "quantity": 3, "unit_price_cents": 250},
        {"sku": "INK-2", "name": "Ink", "quantity": 1, "unit_price_cents": 1999},
    ],
}


def place(client: httpx.Client, headers: Headers) -> dict[str, object]:
    response = client.post("/api/v1/orders", json=ORDER, headers=headers)
    assert response.status_code == 201, response.text
    order: dict[str, object] = response.json()
    return order


def test_the_server_computes_every_total(client: httpx.Client, user: Headers) -> None:
    claimed = {**ORDER, "total_cents": 1}
    response = client.post("/api/v1/orders", json=claimed, headers=user)

    assert response.status_code == 201
    order = response.json()
    assert response.headers["location"] == f"/api/v1/orders/{order['id']}"
    assert [item["line_total_cents"] for item in order["items"]] == [750, 1999]
    assert order["total_cents"] == 2749
    assert order["status"] == "pending"


def test_list_shows_only_the_callers_orders_newest_first(
    client: httpx.Client, new_user: Callable[[], Headers]
) -> None:
    ann, bob = new_user(), new_user()
    first, second = place(client, ann), place(client, ann)
    place(client, bob)

    page = client.get("/api/v1/orders", params={"limit": 1}, headers=ann).json()

    assert page["meta"] == {"total": 2, "limit": 1, "offset": 0}
    assert [order["id"] for order in page["data"]] == [second["id"]]
    rest = client.get("/api/v1/orders", params={"offset": 1}, headers=ann).json()
    assert [order["id"] for order in rest["data"]] == [first["id"]]


def test_someone_elses_order_does_not_exist_for_you(
    client: httpx.Client, new_user: Callable[[], Headers], admin: Headers
) -> None:
    order = place(client, new_user())

    assert client.get(f"/api/v1/orders/{order['id']}", headers=new_user()).status_code == 404
    assert client.get(f"/api/v1/orders/{order['id']}", headers=admin).status_code == 200
    assert client.get(f"/api/v1/orders/{uuid.uuid4()}", headers=admin).status_code == 404


def test_a_caller_without_an_account_cannot_order(
    client: httpx.Client, new_user: Callable[[], Headers]
) -> None:
    caller = new_user()
    me = client.get("/api/v1/users/me", headers=caller).json()
    assert client.delete(f"/api/v1/users/{me['id']}", headers=caller).status_code == 204

    refused = client.post("/api/v1/orders", json=ORDER, headers=caller)

    assert refused.status_code == 401
    assert refused.json()["type"] == "urn:problem-type:unauthenticated"


def test_owner_may_only_cancel(client: httpx.Client, user: Headers) -> None:
    order = place(client, user)
    url = f"/api/v1/orders/{order['id']}/status"

    assert client.patch(url, json={"status": "paid"}, headers=user).status_code == 403
    cancelled = client.patch(url, json={"status": "cancelled"}, headers=user)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"


def test_transitions_follow_the_lifecycle(
    client: httpx.Client, user: Headers, admin: Headers
) -> None:
    order = place(client, user)
    url = f"/api/v1/orders/{order['id']}/status"

    for status in ("paid", "shipped", "delivered"):
        response = client.patch(url, json={"status": status}, headers=admin)
        assert response.status_code == 200, response.text
    refused = client.patch(url, json={"status": "cancelled"}, headers=admin)

    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"] == "urn:problem-type:invalid-transition"
    assert (problem["from"], problem["to"]) == ("delivered", "cancelled")


def test_validation_names_every_failing_field(client: httpx.Client, user: Headers) -> None:
    body = {
        "currency": "euro",
        "items": [{"sku": "", "name": "Pen\x00", "quantity": "3", "unit_price_cents": 1.5}],
    }
    response = client.post("/api/v1/orders", json=body, headers=user)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    fields = {error["field"] for error in response.json()["errors"]}
    item = {f"items[0].{name}" for name in ("sku", "name", "quantity", "unit_price_cents")}
    assert fields == {"currency", *item}


def test_bodies_must_be_json(client: httpx.Client, user: Headers) -> None:
    response = client.post(
        "/api/v1/orders", content="currency=EUR", headers={**user, "Content-Type": "text/plain"}
    )

    assert response.status_code == 415
    assert response.json()["type"] == "urn:problem-type:unsupported-media-type"


def test_pagination_limits_are_validated(client: httpx.Client, user: Headers) -> None:
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "many"}):
        response = client.get("/api/v1/orders", params=params, headers=user)
        assert response.status_code == 400, params
        assert [error["field"] for error in response.json()["errors"]] == list(params)
