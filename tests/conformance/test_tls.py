"""Contract 17, TLS to every dependency: against TLS-only PostgreSQL, Redis and Kafka (SASL_SSL with
SCRAM) the service is ready, it verifies each server's certificate, and it exports spans over HTTPS.

These run on the `tls` variant only (see conftest.py); that variant also runs the operations,
users, orders and events sections, whose helpers speak TLS when the service's environment does.
"""

from __future__ import annotations

import ssl
import uuid
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from tests import certs
from tests.conformance.conftest import Service
from tests.conformance.test_tracing import otlp_receiver
from tests.projects import served

# The variable that names the CA each dependency is verified with.
CA_VARIABLES = {"database": "DATABASE_URL", "cache": "CACHE_CA_FILE", "broker": "KAFKA_CA_FILE"}


def test_the_service_talks_tls_to_every_dependency_and_is_ready(service: Service) -> None:
    env = service.running.env
    assert "sslmode=verify-full" in env["DATABASE_URL"] and env["CACHE_URL"].startswith("rediss://")
    assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL" and env["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"

    response = httpx.get(f"{service.url}/readyz", timeout=15)

    # The servers refuse plaintext, so `ok` means each check really went over TLS.
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "checks": dict.fromkeys(service.readiness_checks, "ok")}


def trusting(env: dict[str, str], check: str, ca: Path) -> dict[str, str]:
    """`env` with the CA of one dependency replaced by `ca`."""
    variable = CA_VARIABLES[check]
    if check != "database":
        return {**env, variable: str(ca)}
    url = env[variable]
    ours = url.partition("sslrootcert=")[2].partition("&")[0]
    assert ours, f"the tls variant's DATABASE_URL names its CA: {url}"
    return {**env, variable: url.replace(f"sslrootcert={ours}", f"sslrootcert={ca}")}


@pytest.mark.parametrize("check", sorted(CA_VARIABLES))
def test_a_server_the_configured_ca_did_not_sign_fails_readiness(service: Service, check: str, tmp_path: Path) -> None:
    stranger, _ = certs.make_ca(tmp_path / "ca", "a CA that signed none of the servers")
    env = trusting(service.running.env, check, stranger)

    with served(service.running.project, env, tmp_path / "logs") as instance:
        response = httpx.get(f"{instance.url}/readyz", timeout=15)
        log = instance.log()

    assert response.status_code == 503, f"{check} must verify its server's certificate: {response.text}\n{log}"
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"][check] == "error: tls handshake failed", body
    assert all(value == "ok" for name, value in body["checks"].items() if name != check), body


def spans_over_https(service: Service, tmp_path: Path, *, trusted: bool) -> tuple[list[Span], int, str]:
    """Server spans of one traced request sent to an HTTPS OTLP receiver; the exit status and log.

    With `trusted` the service is given the receiver's CA in OTEL_EXPORTER_OTLP_CERTIFICATE (the
    OpenTelemetry SDKs' own variable); without it, the receiver's certificate is unknown to it.
    """
    files = certs.make_tls_files(tmp_path / "otlp")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert, files.key)
    trace_id = uuid.uuid4().hex
    # Python's requests lets these machine-wide bundles override a CA the exporter was given.
    env = {k: v for k, v in service.running.env.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    with otlp_receiver(context) as (endpoint, received):
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
        if trusted:
            env["OTEL_EXPORTER_OTLP_CERTIFICATE"] = str(files.ca)
        with served(service.running.project, env, tmp_path / "logs") as instance:
            traceparent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
            httpx.get(f"{instance.url}/api/v1/nothing-here", headers={"traceparent": traceparent}, timeout=10)
            exit_status = instance.stop_gracefully()
            log = instance.log()
    assert endpoint.startswith("https://")
    ours = [span for _, span in received.spans if span.trace_id.hex() == trace_id]
    return [span for span in ours if span.kind == Span.SPAN_KIND_SERVER], exit_status, log


def test_spans_reach_an_https_otlp_endpoint(service: Service, tmp_path: Path) -> None:
    spans, exit_status, log = spans_over_https(service, tmp_path, trusted=True)

    assert exit_status == 0, log
    assert len(spans) == 1, f"the request's server span, exported over HTTPS:\n{log}"


def test_an_otlp_endpoint_with_an_unknown_certificate_gets_no_spans(service: Service, tmp_path: Path) -> None:
    spans, exit_status, log = spans_over_https(service, tmp_path, trusted=False)

    assert exit_status == 0, f"an export that cannot be delivered must not spoil shutdown:\n{log}"
    assert spans == [], "the exporter verifies the endpoint's certificate"
