"""Contract 4.1: register, login, tokens, refresh rotation, logout, rate limits; or the gateway's headers."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.conformance.client import PASSWORD, Api, problem, unique_email, within_one_window


def test_register_creates_a_user_and_rejects_a_duplicate_email_ignoring_case(jwt_api: Api) -> None:
    email = unique_email()
    body = {"email": email, "password": PASSWORD, "name": "  Ann  "}

    created = jwt_api.call("POST", "/api/v1/auth/register", json=body)
    duplicate = jwt_api.call("POST", "/api/v1/auth/register", json={**body, "email": email.lower()})

    assert created.status_code == 201
    user = created.json()
    assert created.headers["location"] == f"/api/v1/users/{user['id']}"
    assert (user["email"], user["name"], user["role"]) == (email, "Ann", "user")
    assert "password" not in created.text and "hash" not in created.text
    problem(duplicate, 409, "conflict")


def test_register_validates_every_field_at_once(jwt_api: Api) -> None:
    response = jwt_api.call("POST", "/api/v1/auth/register", json={"email": "nope", "password": "short", "name": " "})

    body = problem(response, 400, "validation")
    assert {error["field"] for error in body["errors"]} == {"email", "password", "name"}


def test_login_answers_a_bearer_pair_and_refuses_wrong_credentials_alike(jwt_api: Api) -> None:
    _, user = jwt_api.new_user()
    pair = jwt_api.login(user["email"].upper(), PASSWORD)
    wrong = jwt_api.call("POST", "/api/v1/auth/login", json={"email": user["email"], "password": "not-the-one"})
    unknown = jwt_api.call("POST", "/api/v1/auth/login", json={"email": unique_email(), "password": PASSWORD})

    assert set(pair) >= {"access_token", "refresh_token", "token_type", "expires_in"}
    assert pair["token_type"] == "Bearer"
    assert pair["expires_in"] == 900
    for refused in (wrong, unknown):
        problem(refused, 401, "unauthenticated")
        assert refused.headers["www-authenticate"].startswith("Bearer")
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_access_tokens_carry_the_contract_claims_and_pin_hs256(jwt_api: Api) -> None:
    _, user = jwt_api.new_user()
    access = jwt_api.login(user["email"], PASSWORD)["access_token"]
    header_part, payload_part, _ = access.split(".")

    def decode(part: str) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        return decoded

    assert decode(header_part)["alg"] == "HS256"
    claims = decode(payload_part)
    assert {"sub", "role", "iss", "iat", "exp", "jti"} <= set(claims)
    assert (claims["sub"], claims["role"]) == (user["id"], "user")
    assert claims["exp"] - claims["iat"] == 900
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    for forged in (f"{unsigned}.{payload_part}.", f"{header_part}.{payload_part}.c2lnbmF0dXJl"):
        refused = jwt_api.call("GET", "/api/v1/users/me", {"Authorization": f"Bearer {forged}"})
        problem(refused, 401, "unauthenticated")


def test_refresh_rotates_and_a_reused_token_revokes_its_family(jwt_api: Api) -> None:
    _, user = jwt_api.new_user()
    first = jwt_api.login(user["email"], PASSWORD)["refresh_token"]

    second = jwt_api.call("POST", "/api/v1/auth/refresh", json={"refresh_token": first})
    reuse = jwt_api.call("POST", "/api/v1/auth/refresh", json={"refresh_token": first})
    after = jwt_api.call("POST", "/api/v1/auth/refresh", json={"refresh_token": second.json()["refresh_token"]})

    assert second.status_code == 200
    assert second.json()["refresh_token"] != first
    problem(reuse, 401, "unauthenticated")
    problem(after, 401, "unauthenticated")


def test_logout_revokes_the_refresh_token(jwt_api: Api) -> None:
    _, user = jwt_api.new_user()
    token = jwt_api.login(user["email"], PASSWORD)["refresh_token"]

    assert jwt_api.call("POST", "/api/v1/auth/logout", json={"refresh_token": token}).status_code == 204
    problem(jwt_api.call("POST", "/api/v1/auth/refresh", json={"refresh_token": token}), 401, "unauthenticated")


def test_login_is_rate_limited_per_address_and_email(jwt_api: Api) -> None:
    email = unique_email()
    registered = jwt_api.call("POST", "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "R"})
    assert registered.status_code == 201
    body = {"email": email, "password": "not-the-one"}

    within_one_window()
    statuses = [jwt_api.call("POST", "/api/v1/auth/login", json=body).status_code for _ in range(5)]
    limited = jwt_api.call("POST", "/api/v1/auth/login", json=body)

    assert statuses == [401] * 5
    problem(limited, 429, "rate-limited")
    assert 1 <= int(limited.headers["retry-after"]) <= 60


def test_without_auth_there_are_no_auth_routes_and_the_gateway_headers_are_required(api: Api) -> None:
    if api.jwt:
        pytest.skip("auth=jwt")
    # With an identity: without one every /api/v1 path is 401 (contract 13, deny by default).
    login = {"email": "a@b.co", "password": PASSWORD}
    problem(api.call("POST", "/api/v1/auth/login", api.admin, json=login), 404, "not-found")
    problem(api.call("GET", "/api/v1/orders"), 401, "unauthenticated")
    problem(api.call("GET", "/api/v1/orders", {"X-User-ID": "not-a-uuid"}), 401, "unauthenticated")
