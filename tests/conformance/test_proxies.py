"""Contract 15: the client address that rate limits key on. Only a trusted proxy can change it, through
the right-most X-Forwarded-For entry outside the trusted ranges; keys use the route template."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.conformance.client import Api, problem, redis_cli, within_one_window
from tests.conformance.conftest import Service
from tests.conformance.faults import instance

AUTH_LIMIT = 3
LOGIN_LIMIT = 2
REFRESH = "/api/v1/auth/refresh"
LOGIN = "/api/v1/auth/login"
# Other spellings of /api/v1/auth/login: percent-encoded unreserved characters mean the same path.
LOGIN_SPELLINGS = ("/api/v1/auth/%6Cogin", "/api/v1/auth/l%6Fgin", "/api/v1/auth/logi%6E")
# What every pod on Kubernetes sees: a framework that trusts proxies there must still obey TRUSTED_PROXIES.
ON_KUBERNETES = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "1"}
# Each instance counts in a Redis database of its own (1-15), so no other instance shares its buckets.
_CACHE_DATABASES = itertools.cycle(range(1, 16))


def limited(service: Service, log_dir: Path, trusted: str | None) -> Iterator[Api]:
    """An instance with small auth rate limits and the given TRUSTED_PROXIES (None: unset)."""
    if not service.enabled("auth"):
        pytest.skip("auth=none: no rate-limited auth routes")
    env = {"RATE_LIMIT_AUTH": str(AUTH_LIMIT), "RATE_LIMIT_LOGIN": str(LOGIN_LIMIT), **ON_KUBERNETES}
    if trusted is not None:
        env["TRUSTED_PROXIES"] = trusted
    if service.enabled("cache"):
        env["CACHE_URL"] = _private_cache(service)
    with instance(service, env, log_dir) as api:
        yield api


def _private_cache(service: Service) -> str:
    """A Redis database no other instance uses, emptied of counters left by an earlier run."""
    url = urlunsplit(urlsplit(service.running.env["CACHE_URL"])._replace(path=f"/{next(_CACHE_DATABASES)}"))
    own = replace(service, running=replace(service.running, env={**service.running.env, "CACHE_URL": url}))
    redis_cli(own, "FLUSHDB")
    return url


@pytest.fixture(scope="module")
def direct(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """No TRUSTED_PROXIES: the TCP peer is the client, whatever X-Forwarded-For says."""
    yield from limited(service, tmp_path_factory.mktemp("direct"), None)


@pytest.fixture(scope="module")
def behind_loopback_proxy(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """TRUSTED_PROXIES contains the TCP peer (127.0.0.1): X-Forwarded-For is believed up to the first untrusted hop."""
    yield from limited(service, tmp_path_factory.mktemp("trusted"), "127.0.0.0/8")


@pytest.fixture(scope="module")
def behind_other_proxies(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """TRUSTED_PROXIES that do not contain the TCP peer: X-Forwarded-For is ignored again."""
    yield from limited(service, tmp_path_factory.mktemp("untrusted"), "10.0.0.0/8,192.168.0.0/16")


def refresh_from(api: Api, forwarded: str | None) -> httpx.Response:
    """A refresh with a token the service never issued (401 unless limited), as sent by `forwarded`."""
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return api.call("POST", REFRESH, headers, json={"refresh_token": uuid.uuid4().hex})


def login_from(api: Api, path: str, forwarded: str | None, email: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    body = {"email": email or f"nobody-{uuid.uuid4().hex[:10]}@example.com", "password": "not-the-password"}
    return api.call("POST", path, headers, json=body)


def assert_limited(response: httpx.Response, why: str) -> None:
    assert response.status_code == 429, f"{why}: answered {response.status_code} {response.text}"
    problem(response, 429, "rate-limited")
    assert 1 <= int(response.headers["retry-after"]) <= 60


def assert_counted(responses: list[httpx.Response]) -> None:
    """The first requests of a client the service has not seen pass (a 429 means it keyed on someone else)."""
    statuses = [response.status_code for response in responses]
    assert 429 not in statuses, f"the first {AUTH_LIMIT} requests of a client never seen before pass: {statuses}"


def _spoofing(api: Api) -> None:
    """Three requests that claim three different addresses, then a fourth claiming another one."""
    within_one_window()
    assert_counted([refresh_from(api, f"203.0.113.{n}") for n in range(1, AUTH_LIMIT + 1)])
    assert_limited(refresh_from(api, "203.0.113.99"), "X-Forwarded-For from an untrusted peer opened a fresh bucket")


def test_without_trusted_proxies_x_forwarded_for_does_not_open_a_fresh_bucket(direct: Api) -> None:
    _spoofing(direct)


def test_a_peer_outside_trusted_proxies_is_not_believed(behind_other_proxies: Api) -> None:
    _spoofing(behind_other_proxies)


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket(behind_loopback_proxy: Api) -> None:
    within_one_window()
    first, second = "198.51.100.10", "198.51.100.11"
    assert_counted([refresh_from(behind_loopback_proxy, first) for _ in range(AUTH_LIMIT)])
    limited_first = refresh_from(behind_loopback_proxy, first)
    other = refresh_from(behind_loopback_proxy, second)

    assert_limited(limited_first, "the forwarded client used up its bucket")
    assert other.status_code != 429, "another forwarded client has a bucket of its own"
    problem(other, 401, "unauthenticated")


def test_the_client_is_the_right_most_entry_outside_the_trusted_ranges(behind_loopback_proxy: Api) -> None:
    """Trusted hops on the right are skipped; what the client wrote on the left never matters."""
    within_one_window()
    client = "198.51.100.20"
    chains = [f"10.9.8.{n}, {client}, 127.0.0.{n + 1}" for n in range(1, AUTH_LIMIT + 1)]
    assert_counted([refresh_from(behind_loopback_proxy, chain) for chain in chains])

    assert_limited(refresh_from(behind_loopback_proxy, client), "the same client reached through another hop")
    assert_limited(
        refresh_from(behind_loopback_proxy, f"192.0.2.77, {client}"), "a spoofed entry left of the client changed it"
    )


def test_percent_encoded_spellings_of_a_route_share_its_bucket(direct: Api) -> None:
    within_one_window()
    assert_counted([login_from(direct, LOGIN, None) for _ in range(AUTH_LIMIT)])

    for spelling in LOGIN_SPELLINGS:
        response = login_from(direct, spelling, None)
        if response.status_code != 404:
            assert_limited(response, f"{spelling} reached login with a bucket of its own")


def test_the_login_limit_keys_on_the_derived_client_address_and_email(behind_loopback_proxy: Api) -> None:
    within_one_window()
    email, client, neighbour = f"limited-{uuid.uuid4().hex[:10]}@example.com", "198.51.100.30", "198.51.100.31"
    attempts = [login_from(behind_loopback_proxy, LOGIN, client, email) for _ in range(LOGIN_LIMIT)]
    assert [response.status_code for response in attempts] == [401] * LOGIN_LIMIT

    assert_limited(login_from(behind_loopback_proxy, LOGIN, client, email), "login limit per address and email")
    neighbours = login_from(behind_loopback_proxy, LOGIN, neighbour, email)
    assert neighbours.status_code == 401, f"another client address has its own login bucket: {neighbours.text}"
