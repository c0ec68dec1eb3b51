"""Contract 4.2: the caller, admin listing with paging, self-or-admin changes, cache-aside reads."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.conformance.client import Api, problem, redis_cli


def test_me_is_the_caller_and_requires_identity(api: Api) -> None:
    headers, user = api.new_user()

    me = api.call("GET", "/api/v1/users/me", headers)

    assert me.status_code == 200
    assert me.json() == user
    problem(api.call("GET", "/api/v1/users/me"), 401, "unauthenticated")


def test_only_admins_list_users_with_paging_meta(api: Api) -> None:
    headers, _ = api.new_user()
    api.new_user()

    problem(api.call("GET", "/api/v1/users", headers), 403, "forbidden")
    page = api.call("GET", "/api/v1/users", api.admin, params={"limit": 1, "offset": 1})

    assert page.status_code == 200
    body = page.json()
    assert body["meta"]["limit"] == 1 and body["meta"]["offset"] == 1
    assert body["meta"]["total"] >= 2
    assert len(body["data"]) == 1
    default = api.call("GET", "/api/v1/users", api.admin).json()["meta"]
    assert (default["limit"], default["offset"]) == (20, 0)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "x"}])
def test_paging_parameters_are_validated(api: Api, params: dict[str, object]) -> None:
    body = problem(api.call("GET", "/api/v1/users", api.admin, params=params), 400, "validation")

    assert [error["field"] for error in body["errors"]] == list(params)


def test_users_act_only_on_themselves_unless_admin(api: Api) -> None:
    ann, ann_user = api.new_user()
    _, bob_user = api.new_user()

    problem(api.call("GET", f"/api/v1/users/{bob_user['id']}", ann), 403, "forbidden")
    problem(api.call("PATCH", f"/api/v1/users/{ann_user['id']}", ann, json={"role": "admin"}), 403, "forbidden")
    renamed = api.call("PATCH", f"/api/v1/users/{ann_user['id']}", ann, json={"name": "Ann B."})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Ann B."
    promoted = api.call("PATCH", f"/api/v1/users/{bob_user['id']}", api.admin, json={"role": "admin"})
    assert promoted.json()["role"] == "admin"
    problem(api.call("GET", f"/api/v1/users/{uuid.uuid4()}", api.admin), 404, "not-found")
    problem(api.call("GET", "/api/v1/users/not-a-uuid", api.admin), 400, "validation")


def test_delete_removes_the_user_even_one_with_orders(api: Api) -> None:
    headers, user = api.new_user()
    order = api.place_order(headers)

    assert api.call("DELETE", f"/api/v1/users/{user['id']}", headers).status_code == 204
    problem(api.call("GET", f"/api/v1/users/{user['id']}", api.admin), 404, "not-found")
    gone = api.call("GET", f"/api/v1/orders/{order['id']}", api.admin)
    assert gone.status_code == 404, "a user's orders are deleted with them, in memory as in PostgreSQL"


def test_user_reads_go_through_the_cache_and_changes_invalidate_it(api: Api) -> None:
    if not api.service.enabled("cache"):
        pytest.skip("cache=none")
    headers, user = api.new_user()
    key = f"user:{user['id']}"

    first = api.call("GET", f"/api/v1/users/{user['id']}", headers)
    cached = redis_cli(api.service, "GET", key)
    ttl = int(redis_cli(api.service, "TTL", key))
    api.call("PATCH", f"/api/v1/users/{user['id']}", headers, json={"name": "Renamed"})
    after_change = redis_cli(api.service, "EXISTS", key)
    reread = api.call("GET", f"/api/v1/users/{user['id']}", headers)

    assert json.loads(cached) == first.json()
    assert 0 < ttl <= 300
    assert after_change == "0", "an update deletes the cached entry"
    assert reread.json()["name"] == "Renamed"
