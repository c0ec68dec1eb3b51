"""Prometheus metrics: the OpenTelemetry HTTP server histogram, in Prometheus naming."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram

# OpenTelemetry's recommended bucket boundaries for http.server.request.duration (seconds).
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)


class Metrics:
    """One registry per application, so tests can build many apps in one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.request_duration = Histogram(
            "http_server_request_duration_seconds",
            "Duration of HTTP server requests.",
            ["http_request_method", "http_route", "http_response_status_code"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
