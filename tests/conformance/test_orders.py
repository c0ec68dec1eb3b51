"""Contract 4.3, 5 and 7: orders priced by the server, lifecycle, validation, rows and indexes in PostgreSQL."""

from __future__ import annotations

import pytest

from tests.conformance.client import ORDER, Api, problem, sql


def test_orders_are_priced_by_the_server(api: Api) -> None:
    headers, user = api.new_user()

    response = api.call("POST", "/api/v1/orders", headers, json={**ORDER, "total_cents": 1})

    assert response.status_code == 201
    order = response.json()
    assert response.headers["location"] == f"/api/v1/orders/{order['id']}"
    assert (order["user_id"], order["status"], order["currency"]) == (user["id"], "pending", "EUR")
    assert [item["line_total_cents"] for item in order["items"]] == [750, 1999]
    assert order["total_cents"] == 2749


def test_orders_list_only_the_callers_newest_first(api: Api) -> None:
    ann, _ = api.new_user()
    bob, _ = api.new_user()
    older, newer = api.place_order(ann), api.place_order(ann)
    api.place_order(bob)

    page = api.call("GET", "/api/v1/orders", ann).json()

    assert [order["id"] for order in page["data"]] == [newer["id"], older["id"]]
    assert page["meta"] == {"total": 2, "limit": 20, "offset": 0}


def test_someone_elses_order_is_not_found(api: Api) -> None:
    ann, _ = api.new_user()
    bob, _ = api.new_user()
    order = api.place_order(ann)

    problem(api.call("GET", f"/api/v1/orders/{order['id']}", bob), 404, "not-found")
    assert api.call("GET", f"/api/v1/orders/{order['id']}", api.admin).status_code == 200


def test_a_caller_whose_user_is_gone_cannot_order(api: Api) -> None:
    """A token outlives a deleted user; a gateway may name an id the service never created."""
    headers, user = api.new_user()
    assert api.call("DELETE", f"/api/v1/users/{user['id']}", headers).status_code == 204

    problem(api.call("POST", "/api/v1/orders", headers, json=ORDER), 401, "unauthenticated")


def test_status_changes_follow_the_lifecycle_and_roles(api: Api) -> None:
    owner, _ = api.new_user()
    order = api.place_order(owner)
    url = f"/api/v1/orders/{order['id']}/status"

    problem(api.call("PATCH", url, owner, json={"status": "paid"}), 403, "forbidden")
    for status in ("paid", "shipped"):
        assert api.call("PATCH", url, api.admin, json={"status": status}).json()["status"] == status
    refused = problem(api.call("PATCH", url, api.admin, json={"status": "cancelled"}), 409, "invalid-transition")
    assert (refused["from"], refused["to"]) == ("shipped", "cancelled")
    cancellable = api.place_order(owner)
    cancelled = api.call("PATCH", f"/api/v1/orders/{cancellable['id']}/status", owner, json={"status": "cancelled"})
    assert cancelled.json()["status"] == "cancelled"


def test_order_validation_reports_every_field_path(api: Api) -> None:
    headers, _ = api.new_user()
    body = {"currency": "eur", "items": [{"sku": "", "name": "Pen", "quantity": 1001, "unit_price_cents": 1.5}]}

    response = problem(api.call("POST", "/api/v1/orders", headers, json=body), 400, "validation")

    fields = {error["field"] for error in response["errors"]}
    assert fields == {"currency", "items[0].sku", "items[0].quantity", "items[0].unit_price_cents"}
    problem(api.call("POST", "/api/v1/orders", headers, json={"currency": "EUR", "items": []}), 400, "validation")


def test_malformed_json_and_other_media_types(api: Api) -> None:
    headers, _ = api.new_user()
    as_json = {**headers, "Content-Type": "application/json"}

    problem(api.call("POST", "/api/v1/orders", as_json, content=b'{"currency": '), 400, "validation")
    as_text = {**headers, "Content-Type": "text/plain"}
    problem(api.call("POST", "/api/v1/orders", as_text, content=b"currency=EUR"), 415, "unsupported-media-type")


# --- 7 persistence --------------------------------------------------------------------------


def test_orders_and_items_are_rows_in_postgres(api: Api) -> None:
    if not api.service.enabled("database"):
        pytest.skip("database=none keeps data in memory")
    headers, _ = api.new_user()
    order = api.place_order(headers)

    rows = sql(api.service, "SELECT status, currency, total_cents FROM orders WHERE id = :'id'", id=order["id"])
    items = sql(
        api.service,
        "SELECT line_no, sku, line_total_cents FROM order_items WHERE order_id = :'id' ORDER BY line_no",
        id=order["id"],
    )

    assert rows == ["pending|EUR|2749"]
    assert items == ["1|PEN-1|750", "2|INK-2|1999"]


def test_schema_has_the_contract_indexes(api: Api) -> None:
    if not api.service.enabled("database"):
        pytest.skip("database=none keeps data in memory")
    indexes = "\n".join(sql(api.service, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'"))

    assert "UNIQUE INDEX" in indexes and "lower(email)" in indexes
    assert "ON public.orders USING btree (user_id, created_at DESC)" in indexes
    if api.jwt:
        assert "ON public.refresh_tokens USING btree (family_id)" in indexes
