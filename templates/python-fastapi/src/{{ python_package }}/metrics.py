"""Prometheus metrics: the OpenTelemetry HTTP server histogram, in Prometheus naming, beside the
process (CPU, memory, file descriptors), Python platform and garbage collector metrics."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Histogram,
    generate_latest,
)

logger = logging.getLogger(__name__)

# OpenTelemetry's recommended bucket boundaries for http.server.request.duration (seconds).
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
# A gauge read from a dependency at scrape time gets this long; past it, it keeps its last value.
REFRESH_TIMEOUT_SECONDS = 2.0

Refresh = Callable[[], Awaitable[None]]


class Metrics:
    """One registry per application, so tests can build many apps in one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # The default registry's collectors read the process, not a registry: share them.
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)
        self.request_duration = Histogram(
            "http_server_request_duration_seconds",
            "Duration of HTTP server requests.",
            ["http_request_method", "http_route", "http_response_status_code"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self._refreshes: list[Refresh] = []

    def before_scrape(self, refresh: Refresh) -> None:
        """Run `refresh` before each scrape, for gauges whose value lives elsewhere."""
        self._refreshes.append(refresh)

    async def render(self) -> bytes:
        """The text exposition, after refreshing what can be refreshed in time."""
        for refresh in self._refreshes:
            try:
                await asyncio.wait_for(refresh(), REFRESH_TIMEOUT_SECONDS)
            except Exception as error:  # noqa: BLE001 (a dependency down: the last value stays)
                logger.warning("metric refresh failed", extra={"error": str(error) or repr(error)})
        return generate_latest(self.registry)
