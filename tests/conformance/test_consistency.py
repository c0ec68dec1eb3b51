"""Contract part II, Tokens and Partial updates: what concurrent callers and tampered tokens do."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.conformance.client import PASSWORD, Api, Headers, problem, sql
from tests.conformance.relay import claims_of, jwt_secret, sign_hs256

RACERS = 10
ROUNDS = 5
CLAIMS = ("sub", "role", "iss", "iat", "exp", "jti")


def race(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run every call at once (released together by a barrier) and return their responses in order."""
    barrier = threading.Barrier(len(calls), timeout=30)

    def start(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(start, calls))


def transition(api: Api, headers: Headers, order_id: str, status: str) -> Callable[[], httpx.Response]:
    return lambda: api.call("PATCH", f"/api/v1/orders/{order_id}/status", headers, json={"status": status})


def racing_transitions(api: Api, owner: Headers, order_id: str, paying: bool) -> list[Callable[[], httpx.Response]]:
    """N transitions of one order to one target, from owner and admin mixed.

    One target only: after `paid` wins, an owner's `cancelled` would rightly succeed (paid → cancelled).
    """
    if paying:
        return [transition(api, api.admin, order_id, "paid") for _ in range(RACERS)]
    return [transition(api, api.admin if i % 2 else owner, order_id, "cancelled") for i in range(RACERS)]


def test_concurrent_transitions_from_one_status_let_exactly_one_through(api: Api) -> None:
    owner, _ = api.new_user()
    for round_no in range(ROUNDS):
        order = api.place_order(owner)
        responses = race(racing_transitions(api, owner, order["id"], paying=round_no % 2 == 0))
        statuses = Counter(response.status_code for response in responses)
        assert statuses[200] == 1, f"exactly one transition from pending wins, got {dict(statuses)}"
        for response in responses:
            if response.status_code != 200:
                problem(response, 409, "invalid-transition")
        if api.service.enabled("database") and api.service.enabled("messaging"):
            query = "SELECT count(*) FROM outbox WHERE aggregate_id::text = :'id' AND type = 'order.status_changed'"
            assert sql(api.service, query, id=order["id"]) == ["1"], "one status_changed event per transition"


def patch(api: Api, headers: Headers, user_id: str, body: dict[str, str]) -> Callable[[], httpx.Response]:
    return lambda: api.call("PATCH", f"/api/v1/users/{user_id}", headers, json=body)


def test_concurrent_patches_of_name_and_email_both_survive(api: Api) -> None:
    headers, user = api.new_user()
    for round_no in range(ROUNDS):
        name, email = f"Name {round_no}", f"renamed-{uuid.uuid4().hex[:10]}@example.com"
        api.call("GET", f"/api/v1/users/{user['id']}", headers)  # a cached copy, where there is a cache
        responses = race(
            [patch(api, headers, user["id"], {"name": name}), patch(api, headers, user["id"], {"email": email})]
        )
        assert [response.status_code for response in responses] == [200, 200], [r.text for r in responses]
        stored = api.call("GET", f"/api/v1/users/{user['id']}", api.admin).json()
        assert (stored["name"], stored["email"]) == (name, email), f"round {round_no}: a PATCH lost the other's field"


def login_status(api: Api, email: str) -> int:
    body = {"email": email, "password": PASSWORD}
    return api.call("POST", "/api/v1/auth/login", json=body).status_code


def test_a_user_can_log_in_after_a_patch_read_through_the_cache(jwt_api: Api) -> None:
    api = jwt_api
    headers, user = api.new_user()
    path = f"/api/v1/users/{user['id']}"

    assert api.call("GET", path, headers).status_code == 200, "the GET caches the user where there is a cache"
    assert api.call("PATCH", path, headers, json={"name": "Patched Once"}).status_code == 200
    assert login_status(api, user["email"]) == 200, "a PATCH of the name must keep the password"

    assert api.call("PATCH", path, headers, json={"name": "Patched Twice"}).status_code == 200
    assert api.call("GET", path, headers).status_code == 200
    assert api.call("PATCH", path, headers, json={"name": "Patched Thrice"}).status_code == 200
    assert login_status(api, user["email"]) == 200, "PATCH, GET, PATCH must keep the password"


def refresh(api: Api, token: str) -> Callable[[], httpx.Response]:
    return lambda: api.call("POST", "/api/v1/auth/refresh", json={"refresh_token": token})


def registered(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new user with a password, and a fresh token pair from logging in."""
    _, user = api.new_user()
    return user, api.login(user["email"], PASSWORD)


def test_concurrent_refreshes_of_one_token_let_at_most_one_through(jwt_api: Api) -> None:
    api = jwt_api
    for _ in range(ROUNDS * 2):  # more rounds: an async service interleaves only at its await points
        _, pair = registered(api)
        responses = race([refresh(api, pair["refresh_token"]) for _ in range(RACERS)])
        winners = [response for response in responses if response.status_code == 200]
        assert len(winners) <= 1, f"{len(winners)} of {RACERS} concurrent refreshes of one token succeeded"
        for response in responses:
            if response.status_code != 200:
                problem(response, 401, "unauthenticated")
        for winner in winners:
            successor = refresh(api, winner.json()["refresh_token"])()
            assert successor.status_code == 401, "after a reuse the winner's new refresh token must not work"
        assert refresh(api, pair["refresh_token"])().status_code == 401, "a reused refresh token never works again"


@pytest.mark.parametrize("missing", CLAIMS)
def test_an_access_token_lacking_a_claim_is_refused(jwt_api: Api, missing: str) -> None:
    api = jwt_api
    _, pair = registered(api)
    claims = claims_of(pair["access_token"])
    secret = jwt_secret(api.service)

    whole = sign_hs256(claims, secret)
    assert api.call("GET", "/api/v1/users/me", {"Authorization": f"Bearer {whole}"}).status_code == 200, (
        "the test's own signature of the service's claims must be accepted (wrong JWT_SECRET?)"
    )
    lacking = sign_hs256({key: value for key, value in claims.items() if key != missing}, secret)
    refused = api.call("GET", "/api/v1/users/me", {"Authorization": f"Bearer {lacking}"})
    problem(refused, 401, "unauthenticated")


def test_changing_the_password_revokes_the_users_refresh_tokens(jwt_api: Api) -> None:
    api = jwt_api
    user, pair = registered(api)
    headers = {"Authorization": f"Bearer {pair['access_token']}"}

    changed = api.call("PATCH", f"/api/v1/users/{user['id']}", headers, json={"password": "another-horse-battery"})

    assert changed.status_code == 200, changed.text
    assert refresh(api, pair["refresh_token"])().status_code == 401, "a password change revokes refresh tokens"


def test_changing_the_role_revokes_the_users_refresh_tokens(jwt_api: Api) -> None:
    api = jwt_api
    user, pair = registered(api)

    promoted = api.call("PATCH", f"/api/v1/users/{user['id']}", api.admin, json={"role": "admin"})

    assert promoted.status_code == 200, promoted.text
    assert refresh(api, pair["refresh_token"])().status_code == 401, "a role change revokes refresh tokens"


def delete_user(api: Api, user_id: str) -> Callable[[], httpx.Response]:
    return lambda: api.call("DELETE", f"/api/v1/users/{user_id}", api.admin)


def create_order(api: Api, headers: Headers) -> Callable[[], httpx.Response]:
    return lambda: api.call("POST", "/api/v1/orders", headers, json=ORDER_BODY)


def test_a_user_deleted_while_creating_orders_never_gets_a_500(api: Api) -> None:
    deadline = time.monotonic() + 120
    seen: Counter[int] = Counter()
    for _ in range(ROUNDS * 2):
        if time.monotonic() > deadline:
            break
        headers, user = api.new_user()
        creates = [create_order(api, headers) for _ in range(RACERS - 1)]
        responses = race([delete_user(api, user["id"]), *creates])
        assert responses[0].status_code == 204, responses[0].text
        seen.update(response.status_code for response in responses[1:])
        for response in responses[1:]:
            assert response.status_code in (201, 401), f"create while deleted: {response.status_code} {response.text}"
    assert seen, "no race ran"


ORDER_BODY = {"currency": "EUR", "items": [{"sku": "RACE-1", "name": "Race", "quantity": 1, "unit_price_cents": 100}]}
