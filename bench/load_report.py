"""The one table bench/load.py prints."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Protocol, TextIO

from load_wrk import LATENCY_CONNECTIONS, LATENCY_PAUSE_MS, THROUGHPUT_CONNECTIONS, Figures


class Plan(Protocol):
    """What was run: load_stack.Options."""

    @property
    def runs(self) -> int: ...
    @property
    def duration(self) -> float: ...
    @property
    def latency(self) -> float: ...


@dataclass(frozen=True)
class Row:
    """One route on one server of one stack."""

    route: str
    stack: str
    server: str
    figures: Figures
    rss_idle: float
    rss_after: float
    ratio: float | None  # the service's req/s over its twin's; None on the twin's own row
    drained: tuple[float, int] | None = None  # seconds until the outbox was empty, rows left; None: not polled


HEADER = ["route", "stack", "server", "req/s", "p50 ms", "p99 ms", "at req/s", "non-2xx",
          "RSS idle MiB", "RSS after MiB", "ratio", "outbox drained"]  # fmt: skip


def cells(row: Row) -> list[str]:
    figures = row.figures
    errors = f"{figures.non_2xx}" + (f" (+{figures.socket_errors} socket)" if figures.socket_errors else "")
    return [
        row.route, row.stack, row.server, f"{figures.rps:,.0f}", f"{figures.p50_ms:.2f}", f"{figures.p99_ms:.2f}",
        f"{figures.latency_rps:,.0f}", errors, f"{row.rss_idle:.0f}", f"{row.rss_after:.0f}",
        f"{row.ratio:.2f}" if row.ratio is not None else "", drained(row.drained),
    ]  # fmt: skip


def drained(figure: tuple[float, int] | None) -> str:
    """How long the outbox took to empty after the route's load, or how many rows it still held."""
    if figure is None:
        return ""
    seconds, pending = figure
    return f"{pending} left after {seconds:.0f} s" if pending else f"in {seconds:.1f} s"


def print_table(rows: list[Row], plan: Plan, cores: int, out: TextIO = sys.stdout) -> None:
    """A Markdown table, by route then stack, with how it was measured above it."""
    if plan.latency:
        capped = f"{LATENCY_CONNECTIONS} connections pausing {LATENCY_PAUSE_MS} ms"
        how = f"req/s: median of {plan.runs} runs of {plan.duration:g} s, {THROUGHPUT_CONNECTIONS} connections; "
        how += f"p50/p99 at a capped rate ({capped})"
    else:
        how = f"smoke: one run of {plan.duration:g} s per route and server; latency from that run"
    print(f"\n{how}; wrk on core 0, servers on core 1 of {cores}\n", file=out)
    print("| " + " | ".join(HEADER) + " |", file=out)
    print("|" + "|".join(" --- " for _ in HEADER) + "|", file=out)
    order = {"GET /healthz": 0, "GET /api/v1/users/me": 1, "POST /api/v1/orders": 2}
    for row in sorted(rows, key=lambda row: (order.get(row.route, 9), row.stack, row.server != "service")):
        print("| " + " | ".join(cells(row)) + " |", file=out)
