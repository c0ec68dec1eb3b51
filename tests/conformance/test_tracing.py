"""Contract section 8, tracing: spans reach an OTLP/HTTP receiver, continue the caller's trace,
and the request's log lines carry the trace id."""

from __future__ import annotations

import json
import ssl
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from tests.conformance.conftest import Service
from tests.projects import served


class Received:
    """Spans an OTLP receiver accepted, each with its resource's attributes; and requests refused."""

    def __init__(self) -> None:
        self.spans: list[tuple[dict[str, str], Span]] = []
        self.refused: list[str] = []


@contextmanager
def otlp_receiver(tls: ssl.SSLContext | None = None) -> Iterator[tuple[str, Received]]:
    """An OTLP/HTTP endpoint on loopback accepting protobuf trace exports at /v1/traces; HTTPS with `tls`."""
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            content_type = self.headers.get("Content-Type", "")
            if self.path != "/v1/traces" or content_type != "application/x-protobuf":
                received.refused.append(f"{self.path} {content_type}")
                self.send_error(415)
                return
            export = ExportTraceServiceRequest.FromString(body)
            for resource_spans in export.resource_spans:
                resource = {item.key: item.value.string_value for item in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    received.spans.extend((resource, span) for span in scope_spans.spans)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def json_lines(log: str) -> list[dict[str, Any]]:
    lines = []
    for line in log.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return [line for line in lines if isinstance(line, dict)]


def attribute_values(span: Span) -> set[str]:
    return {item.value.string_value for item in span.attributes if item.value.HasField("string_value")}


def test_requests_are_traced_over_otlp_and_logs_carry_the_trace(service: Service, tmp_path: Path) -> None:
    trace_id, parent_id = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    with otlp_receiver() as (endpoint, received):
        otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_SERVICE_NAME": "traced-conformance"}
        env = {**service.running.env, **otel}
        with served(service.running.project, env, tmp_path) as instance:
            httpx.get(f"{instance.url}/healthz", timeout=10)
            response = httpx.get(
                f"{instance.url}/api/v1/nothing-here",
                headers={"traceparent": f"00-{trace_id}-{parent_id}-01", "X-Request-ID": "traced-42"},
                timeout=10,
            )
            exit_status = instance.stop_gracefully()
            log = instance.log()

    # Unknown, and without an identity: 404, or 401 where every /api/v1 path needs one (contract 13).
    assert response.status_code in {401, 404}
    assert exit_status == 0, log
    assert not received.refused, "OTLP/HTTP with protobuf bodies at <endpoint>/v1/traces"
    ours = [span for _, span in received.spans if span.trace_id.hex() == trace_id]
    servers = [span for span in ours if span.kind == Span.SPAN_KIND_SERVER]
    assert len(servers) == 1, f"one server span continuing the caller's trace, flushed at shutdown: {ours}"
    assert servers[0].parent_span_id.hex() == parent_id
    assert {resource.get("service.name") for resource, _ in received.spans} == {"traced-conformance"}
    assert not any("/healthz" in attribute_values(span) for _, span in received.spans), "probes are not traced"
    traced = [line for line in json_lines(log) if line.get("request_id") == "traced-42"]
    assert traced, "the request logged a line"
    assert all(line.get("trace_id") == trace_id for line in traced), traced
    assert all(len(line.get("span_id", "")) == 16 for line in traced), traced
