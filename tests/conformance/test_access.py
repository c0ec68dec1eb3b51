"""Contract 13: deny by default. Every operation the service's own OpenAPI document lists under
/api/v1, bar the four auth routes, needs an identity; unknown /api/v1 paths too; admin-only
routes check the permission before they look at the body."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conformance.client import Api, Headers, problem

AUTH_ROUTES = {"/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout"}
OPERATIONS_ENDPOINTS = ("/healthz", "/readyz", "/metrics", "/openapi.json")
METHODS = ("get", "post", "put", "patch", "delete")
CONTRACT = yaml.safe_load((Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml").read_text())
# Every protected operation of Part I, whichever answers a service was generated with.
CONTRACT_PROTECTED = {
    (method.upper(), path)
    for path, item in CONTRACT["paths"].items()
    if path.startswith("/api/v1/") and path not in AUTH_ROUTES
    for method in item
    if method in METHODS
}
UNKNOWN = [
    ("GET", "/api/v1/nope"),
    ("GET", "/api/v1/users/x/y/z"),
    ("GET", "/api/v1/admin"),
    ("POST", "/api/v1/nope"),
    ("DELETE", "/api/v1/orders/{id}/items"),
]


@dataclass(frozen=True)
class Operation:
    """One method of one path of the service's OpenAPI document."""

    method: str
    template: str

    @property
    def protected(self) -> bool:
        return self.template.startswith("/api/v1/") and self.template not in AUTH_ROUTES

    def call(self, api: Api, headers: Headers | None = None) -> Any:
        """The operation with fresh UUIDs for its path parameters and an empty JSON object as its body."""
        path = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), self.template)
        body: dict[str, Any] = {"json": {}} if self.method in {"POST", "PUT", "PATCH"} else {}
        return api.call(self.method, path, headers, **body)


def documented(api: Api) -> list[Operation]:
    """Every operation of the service's own `/openapi.json`, fetched without credentials."""
    response = api.call("GET", "/openapi.json")
    assert response.status_code == 200, response.text
    return [
        Operation(method.upper(), path)
        for path, item in response.json()["paths"].items()
        for method in item
        if method in METHODS
    ]


def protected(api: Api) -> list[Operation]:
    """The protected operations the document lists; it must list every one of the contract's."""
    operations = [operation for operation in documented(api) if operation.protected]
    missing = CONTRACT_PROTECTED - {(operation.method, operation.template) for operation in operations}
    assert not missing, f"the service's OpenAPI document omits {sorted(missing)}"
    return operations


def not_refused(api: Api, operations: list[Operation], headers: Headers | None) -> list[str]:
    """The operations that did not answer 401 unauthenticated to `headers`."""
    failures = []
    for operation in operations:
        response = operation.call(api, headers)
        kind = response.json().get("type") if "json" in response.headers.get("content-type", "") else None
        if (response.status_code, kind) != (401, "urn:problem-type:unauthenticated"):
            failures.append(f"{operation.method} {operation.template}: {response.status_code} {response.text[:200]}")
    return failures


def test_every_documented_api_operation_needs_an_identity(api: Api) -> None:
    failures = not_refused(api, protected(api), None)

    assert not failures, "answered without an identity:\n" + "\n".join(failures)


def test_auth_routes_and_operations_endpoints_stay_public(api: Api) -> None:
    endpoints = {Operation("GET", path) for path in OPERATIONS_ENDPOINTS}
    public = endpoints | {operation for operation in documented(api) if not operation.protected}

    refused = [
        f"{operation.method} {operation.template}: {status}"
        for operation in sorted(public, key=str)
        if (status := operation.call(api).status_code) in {401, 403}
    ]

    assert not refused, "public operations refused without an identity:\n" + "\n".join(refused)


@pytest.mark.parametrize(("method", "path"), UNKNOWN, ids=[f"{method} {path}" for method, path in UNKNOWN])
def test_an_unknown_api_path_is_401_without_identity_and_404_with_one(api: Api, method: str, path: str) -> None:
    headers, _ = api.new_user()
    path = path.replace("{id}", str(uuid.uuid4()))

    anonymous = api.call(method, path)
    known = api.call(method, path, headers)

    problem(anonymous, 401, "unauthenticated")
    problem(known, 404, "not-found")


@pytest.mark.parametrize(
    ("method", "target", "body"),
    [("POST", "/api/v1/users", {"email": 5, "name": ""}), ("GET", "/api/v1/users?limit=0", None)],
    ids=["POST invalid body", "GET invalid query"],
)
def test_admin_routes_check_the_permission_before_the_input(
    api: Api, method: str, target: str, body: dict[str, Any] | None
) -> None:
    headers, _ = api.new_user()

    response = api.call(method, target, headers, json=body)

    problem(response, 403, "forbidden")


def test_a_malformed_gateway_identity_is_refused_everywhere(api: Api) -> None:
    if api.jwt:
        pytest.skip("auth=jwt: identity comes from tokens")
    operations = protected(api)

    failures = [
        f"X-User-ID {value!r}: {failure}"
        for value in ("not-a-uuid", "", "1234", f"{uuid.uuid4()}x")
        for failure in not_refused(api, operations, {"X-User-ID": value, "X-User-Role": "admin"})
    ]

    assert not failures, "\n".join(failures)


def resigned(token: str) -> str:
    """The same header and claims, signed with a key the service does not hold."""
    header, claims, _ = token.split(".")
    key = b"not-the-service-secret-but-long-enough-for-hs256"
    signature = hmac.new(key, f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def test_a_garbage_or_wrongly_signed_token_is_refused_everywhere(jwt_api: Api) -> None:
    operations = protected(jwt_api)
    admin_token = jwt_api.admin["Authorization"].removeprefix("Bearer ")

    failures = [
        f"{name}: {failure}"
        for name, value in [("garbage", "Bearer garbage"), ("wrong key", f"Bearer {resigned(admin_token)}")]
        for failure in not_refused(jwt_api, operations, {"Authorization": value})
    ]

    assert not failures, "\n".join(failures)
