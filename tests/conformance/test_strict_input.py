"""Contract 12: no coercion, no U+0000, exact JSON paths for type errors, nothing written on a
refusal, and query parameters percent-decoded before they are validated."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from tests.conformance.client import ORDER, PASSWORD, Api, problem, unique_email

NOT_INTEGERS = [2.7, "3", True]
NUL = "\u0000"


def with_value(body: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    """A deep copy of `body` with the field at JSON path `path` (`items[0].quantity`) set to `value`."""
    changed = copy.deepcopy(body)
    steps: list[str | int] = [int(index) if index else name for name, index in re.findall(r"(\w+)|\[(\d+)\]", path)]
    target: Any = changed
    for step in steps[:-1]:
        target = target[step]
    target[steps[-1]] = value
    return changed


def refused_fields(response: Any) -> set[str]:
    """The fields a 400 validation problem names."""
    body = problem(response, 400, "validation")
    return {error["field"] for error in body.get("errors", [])}


ORDER_CASES = [
    *[("items[0].quantity", value) for value in NOT_INTEGERS],
    *[("items[0].unit_price_cents", value) for value in NOT_INTEGERS],
    ("items[0].sku", 5),
    ("currency", 5),
    ("items[0].name", 5),
    ("items[0].sku", f"PEN{NUL}1"),
    ("items[0].name", f"Pen{NUL}"),
]


@pytest.mark.parametrize(("path", "value"), ORDER_CASES, ids=[f"{path}={value!r}" for path, value in ORDER_CASES])
def test_an_order_field_of_the_wrong_type_is_refused_by_its_path(api: Api, path: str, value: object) -> None:
    headers, _ = api.new_user()

    response = api.call("POST", "/api/v1/orders", headers, json=with_value(ORDER, path, value))

    assert refused_fields(response) == {path}, response.text
    listed = api.call("GET", "/api/v1/orders", headers).json()
    assert listed["meta"]["total"] == 0, f"a refused order was written: {listed}"


REGISTER_CASES = [
    ("email", 5),
    ("password", 5),
    ("name", 5),
    ("password", True),
    ("name", f"Ann{NUL}"),
    ("password", f"correct{NUL}horse-battery"),
]


@pytest.mark.parametrize(
    ("field", "value"), REGISTER_CASES, ids=[f"{field}={value!r}" for field, value in REGISTER_CASES]
)
def test_a_registration_of_the_wrong_type_is_refused_and_writes_no_user(
    jwt_api: Api, field: str, value: object
) -> None:
    email = unique_email()
    body = {"email": email, "password": PASSWORD, "name": "Ann", field: value}

    response = jwt_api.call("POST", "/api/v1/auth/register", json=body)

    assert refused_fields(response) == {field}, response.text
    again = jwt_api.call("POST", "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Ann"})
    assert again.status_code == 201, f"the refused registration left a user behind: {again.text}"


LOGIN_CASES = [("email", 5), ("password", 5), ("password", True), ("password", f"{PASSWORD}{NUL}")]


@pytest.mark.parametrize(("field", "value"), LOGIN_CASES, ids=[f"{field}={value!r}" for field, value in LOGIN_CASES])
def test_a_login_of_the_wrong_type_is_a_validation_problem(jwt_api: Api, field: str, value: object) -> None:
    _, user = jwt_api.new_user()
    body = {"email": user["email"], "password": PASSWORD, field: value}

    response = jwt_api.call("POST", "/api/v1/auth/login", json=body)

    assert refused_fields(response) == {field}, response.text


PATCH_CASES = [("name", 5), ("email", 5), ("name", True), ("name", f"Ann{NUL}"), ("role", 5)]


@pytest.mark.parametrize(("field", "value"), PATCH_CASES, ids=[f"{field}={value!r}" for field, value in PATCH_CASES])
def test_a_user_change_of_the_wrong_type_is_refused_and_changes_nothing(api: Api, field: str, value: object) -> None:
    _, user = api.new_user()
    url = f"/api/v1/users/{user['id']}"

    response = api.call("PATCH", url, api.admin, json={field: value})

    assert refused_fields(response) == {field}, response.text
    assert api.call("GET", url, api.admin).json() == user, "a refused change was written"


@pytest.mark.parametrize("value", [5, f"{PASSWORD}{NUL}"], ids=["5", "nul"])
def test_a_password_change_of_the_wrong_type_is_refused(jwt_api: Api, value: object) -> None:
    headers, user = jwt_api.new_user()

    response = jwt_api.call("PATCH", f"/api/v1/users/{user['id']}", headers, json={"password": value})

    assert refused_fields(response) == {"password"}, response.text
    assert jwt_api.login(user["email"], PASSWORD)["access_token"], "the old password still works"


@pytest.mark.parametrize("route", ["/api/v1/users", "/api/v1/orders"])
def test_query_parameters_are_percent_decoded_before_validation(api: Api, route: str) -> None:
    """`%31%30` is `10`, `1%30%30%30` is `1000`; the raw target is sent as written."""
    headers = api.admin if route == "/api/v1/users" else api.new_user()[0]

    decoded = api.call("GET", f"{route}?limit=%31%30&offset=%30", headers)
    too_large = api.call("GET", f"{route}?limit=1%30%30%30", headers)

    assert decoded.status_code == 200, decoded.text
    assert decoded.json()["meta"]["limit"] == 10
    assert decoded.json()["meta"]["offset"] == 0
    assert refused_fields(too_large) == {"limit"}, too_large.text
