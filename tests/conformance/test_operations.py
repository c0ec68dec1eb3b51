"""Contract sections 2, 3, 5 and 8 that need no API resources: probes, metrics, the OpenAPI
document, problem details for routing errors, request ids, configuration errors, shutdown."""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import yaml

from tests.conformance.client import PASSWORD, Api
from tests.conformance.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, CHECK_NAMES, CORS_ORIGINS, Service
from tests.projects import free_port, served

CONTRACT_PATHS = set(
    yaml.safe_load((Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml").read_text())["paths"]
)
PROBLEM = "application/problem+json"
# Where each dependency is sure not to answer (port 1 on loopback is never served here).
UNREACHABLE = {
    "database": ("DATABASE_URL", "postgres://app:app@127.0.0.1:1/app?sslmode=disable"),
    "cache": ("CACHE_URL", "redis://127.0.0.1:1/0"),
    "broker": ("KAFKA_BROKERS", "127.0.0.1:1"),
}


def unreachable(service: Service, check: str) -> tuple[str, str]:
    """The variable of `check` and a value for it that no server answers.

    It keeps the service's own scheme and query (`rediss://`, `sslmode=...`): only the port is dead,
    so a service configured for TLS stays consistently configured.
    """
    variable, url = UNREACHABLE[check]
    current = urlsplit(service.running.env.get(variable, ""))
    if check == "broker" or not current.scheme:
        return variable, url
    userinfo = current.netloc.rpartition("@")[0]
    return variable, urlunsplit(current._replace(netloc=f"{userinfo}@127.0.0.1:1" if userinfo else "127.0.0.1:1"))


def get(service: Service, path: str, **kwargs: object) -> httpx.Response:
    return httpx.get(f"{service.url}{path}", timeout=10, **kwargs)  # type: ignore[arg-type]


def assert_problem(response: httpx.Response, status: int, kind: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem: dict[str, object] = response.json()
    assert problem["type"] == f"urn:problem-type:{kind}"
    assert problem["status"] == status
    assert isinstance(problem["title"], str) and problem["title"]
    return problem


def test_healthz_is_ok(service: Service) -> None:
    response = get(service, "/healthz")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"status": "ok"}


def test_readyz_lists_exactly_the_enabled_dependencies_all_ok(service: Service) -> None:
    response = get(service, "/readyz")

    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "checks": dict.fromkeys(service.readiness_checks, "ok")}


@pytest.mark.parametrize("check", sorted(UNREACHABLE))
def test_an_unreachable_dependency_fails_readiness_not_liveness(service: Service, check: str, tmp_path: Path) -> None:
    if check not in service.readiness_checks:
        pytest.skip(f"{check} is not enabled in {service.variant}")
    variable, url = unreachable(service, check)
    with served(service.running.project, {**service.running.env, variable: url}, tmp_path) as broken:
        response = _readiness_once_the_others_settle(broken.url, check)
        health = httpx.get(f"{broken.url}/healthz", timeout=5)
        DURING_OUTAGE[check](service, broken.url)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert set(body["checks"]) == service.readiness_checks
    assert body["checks"][check].startswith("error: ")
    assert all(value == "ok" for name, value in body["checks"].items() if name != check)
    assert health.status_code == 200, "liveness never depends on dependencies"


def _readiness_once_the_others_settle(url: str, check: str, seconds: float = 20) -> httpx.Response:
    """/readyz once every check but `check` says ok, or the last answer after `seconds`.

    Right after start-up the healthy dependencies may still be connecting or migrating (a first
    probe can say `migrations pending` or `timeout` for them); the property is about the broken one.
    """
    deadline = time.monotonic() + seconds
    while True:
        response = httpx.get(f"{url}/readyz", timeout=15)
        checks = response.json().get("checks", {}) if response.status_code in (200, 503) else {}
        if all(value == "ok" for name, value in checks.items() if name != check) or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


def _requests_needing_the_database_are_unavailable(service: Service, url: str) -> None:
    if service.enabled("auth"):
        credentials = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        response = httpx.post(f"{url}/api/v1/auth/login", json=credentials, timeout=15)
    else:
        gateway = {"X-User-ID": str(uuid.uuid4()), "X-User-Role": "user"}
        response = httpx.get(f"{url}/api/v1/users/me", headers=gateway, timeout=15)

    problem = assert_problem(response, 503, "unavailable")
    assert "127.0.0.1:1" not in response.text, "the cause belongs in the logs, not the response"
    assert problem["request_id"] == response.headers["x-request-id"]


def _a_cache_outage_degrades_to_the_database(service: Service, url: str) -> None:
    # A user of its own: the openapi section's fuzzing may have changed the admin's password.
    caller, user = Api(service).new_user()
    if service.enabled("auth"):
        credentials = {"email": user["email"], "password": PASSWORD}
        login = httpx.post(f"{url}/api/v1/auth/login", json=credentials, timeout=15)
        assert login.status_code == 200, "rate limits fall back to process memory: " + login.text
        caller = {"Authorization": f"Bearer {login.json()['access_token']}"}

    for _ in range(2):  # a miss, then what would have been a hit
        me = httpx.get(f"{url}/api/v1/users/me", headers=caller, timeout=15)
        assert me.status_code == 200, "user reads degrade to the database: " + me.text
        assert me.json()["id"] == user["id"]


def _the_broker_is_only_a_readiness_concern(service: Service, url: str) -> None:
    """The events section halts the broker under a running service and checks nothing is lost."""


DURING_OUTAGE = {
    "database": _requests_needing_the_database_are_unavailable,
    "cache": _a_cache_outage_degrades_to_the_database,
    "broker": _the_broker_is_only_a_readiness_concern,
}


def test_cors_preflight_from_a_listed_origin_is_allowed(service: Service) -> None:
    origin = CORS_ORIGINS[1]
    requested = {"authorization", "content-type", "x-request-id"}
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": ",".join(sorted(requested)),
    }

    response = httpx.options(f"{service.url}/api/v1/orders", headers=headers, timeout=10)

    assert response.status_code in (200, 204), response.text
    assert response.headers["access-control-allow-origin"] == origin
    assert "POST" in _tokens(response, "access-control-allow-methods", lower=False)
    assert requested <= _tokens(response, "access-control-allow-headers")
    assert "origin" in _tokens(response, "vary")
    assert "access-control-allow-credentials" not in response.headers


def test_cors_responses_to_a_listed_origin_expose_the_contract_headers(service: Service) -> None:
    response = get(service, "/healthz", headers={"Origin": CORS_ORIGINS[0]})

    assert response.headers["access-control-allow-origin"] == CORS_ORIGINS[0]
    assert {"location", "retry-after", "x-request-id"} <= _tokens(response, "access-control-expose-headers")
    assert "origin" in _tokens(response, "vary")
    assert "access-control-allow-credentials" not in response.headers


def test_cors_ignores_an_unlisted_origin(service: Service) -> None:
    evil = {"Origin": "https://evil.example.com"}
    preflight = httpx.options(
        f"{service.url}/api/v1/orders", headers={**evil, "Access-Control-Request-Method": "POST"}, timeout=10
    )
    simple = get(service, "/healthz", headers=evil)

    for response in (preflight, simple):
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-credentials" not in response.headers
    assert simple.status_code == 200, "CORS is the browser's check; the server still answers"


def _tokens(response: httpx.Response, header: str, *, lower: bool = True) -> set[str]:
    values = ",".join(response.headers.get_list(header))
    return {token.strip().lower() if lower else token.strip() for token in values.split(",") if token.strip()}


def test_metrics_histogram_uses_route_templates_and_skips_operations(service: Service, api: Api) -> None:
    get(service, "/healthz")
    get(service, f"/no-such-route/{uuid.uuid4()}")
    # An authenticated request: its route must be labelled too, wherever the identity is attached.
    assert api.call("GET", "/api/v1/users", api.admin).status_code == 200

    response = get(service, "/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE http_server_request_duration_seconds histogram" in text
    for suffix in ("_bucket", "_sum", "_count"):
        assert f"http_server_request_duration_seconds{suffix}" in text
    samples = re.findall(r"^http_server_request_duration_seconds_count\{(.*)\} \S+$", text, flags=re.MULTILINE)
    labels = [dict(re.findall(r'(\w+)="([^"]*)"', sample)) for sample in samples]
    # Unrouted and anonymous: 404, or 401 where an unknown path is denied by default (contract 13).
    assert any(label.get("http_response_status_code") in {"401", "404"} for label in labels), samples
    for label in labels:
        assert {"http_request_method", "http_route", "http_response_status_code"} <= set(label)
        assert label["http_route"] not in {"/healthz", "/readyz", "/metrics", "/openapi.json"}
        assert "no-such-route" not in label["http_route"], "raw paths must never become label values"
    routes = {(label["http_route"], label["http_response_status_code"]) for label in labels}
    assert ("/api/v1/users", "200") in routes, sorted(routes)
    assert all(re.fullmatch(r"/api/v1/[a-z/{}]+", route) for route, _ in routes if route), sorted(routes)


def test_openapi_document_is_valid_and_within_the_contract(service: Service) -> None:
    from openapi_spec_validator import validate

    document = get(service, "/openapi.json").json()

    validate(document)
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) <= CONTRACT_PATHS
    assert {"/healthz", "/readyz", "/metrics"} <= set(document["paths"])


def test_unknown_route_is_a_not_found_problem(api: Api) -> None:
    # With an identity: without one an unknown /api/v1 path is 401 (contract 13, deny by default).
    response = api.call("GET", "/api/v1/nothing-here", api.admin)

    problem = assert_problem(response, 404, "not-found")
    assert problem["instance"] == "/api/v1/nothing-here"


def test_wrong_method_is_405_with_allow(service: Service) -> None:
    response = httpx.delete(f"{service.url}/healthz", timeout=10)

    assert_problem(response, 405, "method-not-allowed")
    assert "GET" in response.headers["allow"]


def test_request_id_is_echoed_into_headers_and_problems(service: Service) -> None:
    response = get(service, "/api/v1/nothing-here", headers={"X-Request-ID": "conformance-42"})

    assert response.headers["x-request-id"] == "conformance-42"
    assert response.json()["request_id"] == "conformance-42"


def test_request_id_is_generated_when_missing_or_invalid(service: Service) -> None:
    missing = get(service, "/healthz").headers["x-request-id"]
    invalid = get(service, "/healthz", headers={"X-Request-ID": "x" * 129}).headers["x-request-id"]

    for generated in (missing, invalid):
        assert str(uuid.UUID(generated)) == generated


def test_no_response_leaks_internals(service: Service) -> None:
    response = get(service, "/api/v1/nothing-here")

    assert "Traceback" not in response.text and "Exception" not in response.text


@pytest.mark.parametrize(("variable", "value"), [("APP_PORT", "http"), ("LOG_LEVEL", "loud")])
def test_invalid_configuration_stops_start_up_naming_the_variable(service: Service, variable: str, value: str) -> None:
    env = {**service.running.env, "APP_PORT": str(free_port()), variable: value}

    result = subprocess.run(
        ["make", "run"], cwd=service.running.project, env=env, capture_output=True, text=True, timeout=300, check=False
    )

    assert result.returncode != 0
    assert variable in result.stdout + result.stderr


def test_required_dependency_settings_are_validated(service: Service) -> None:
    required = {"database": "DATABASE_URL", "cache": "CACHE_URL", "broker": "KAFKA_BROKERS"}
    enabled = [required[check] for check in sorted(service.readiness_checks)]
    if not enabled:
        pytest.skip("no dependency is enabled")
    # Empty, not unset: the variable set in the environment wins over the project's .env.
    env = {**service.running.env, "APP_PORT": str(free_port()), enabled[0]: ""}

    result = subprocess.run(
        ["make", "run"], cwd=service.running.project, env=env, capture_output=True, text=True, timeout=300, check=False
    )

    assert result.returncode != 0
    assert enabled[0] in result.stdout + result.stderr


def test_check_names_cover_every_dependency() -> None:
    assert set(CHECK_NAMES.values()) == set(UNREACHABLE)
