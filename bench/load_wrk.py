"""wrk runs for bench/load.py: one Lua script per route, a JSON summary per run, medians of runs.

wrk runs on core 0 (`taskset -c 0`, one thread); the server under test runs on core 1. Debian has
no wrk2, so there is no constant-rate mode: latency is measured in a separate run of a few
connections that each pause between requests (wrk's `delay()` hook), which caps the offered load
at a moderate rate (LATENCY_CONNECTIONS * 1000 / LATENCY_PAUSE_MS requests per second) unless the
server is slower than that.
"""

from __future__ import annotations

import json
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

THROUGHPUT_CONNECTIONS = 50
LATENCY_CONNECTIONS = 10
LATENCY_PAUSE_MS = 10
MARKER = "LOADJSON "

# wrk's done() hook writes one line the bench parses; latency percentiles are in microseconds.
_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('%s{"requests":%d,"duration_us":%d,"status":%d,"socket":%d,"p50":%d,"p99":%d}\\n',
    "LOADJSON ", summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Route:
    """One measured route: how wrk calls it."""

    name: str
    method: str
    path: str
    body: str = ""
    token: str = ""

    def script(self, pause_ms: int = 0) -> str:
        """The Lua script for this route, pausing `pause_ms` before each request when non-zero."""
        lines = [f"wrk.method = {json.dumps(self.method)}"]
        if self.body:
            lines += [f"wrk.body = {json.dumps(self.body)}", 'wrk.headers["Content-Type"] = "application/json"']
        if self.token:
            lines.append(f'wrk.headers["Authorization"] = "Bearer {self.token}"')
        if pause_ms:
            lines.append(f"function delay() return {pause_ms} end")
        return "\n".join(lines) + "\n" + _DONE


@dataclass(frozen=True)
class Run:
    """One wrk run's figures."""

    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    requests: int


def wrk(url: str, route: Route, seconds: float, scratch: Path, *, latency: bool = False) -> Run:
    """One wrk run against `url` + route path, pinned to core 0; its summary."""
    pause = LATENCY_PAUSE_MS if latency else 0
    connections = LATENCY_CONNECTIONS if latency else THROUGHPUT_CONNECTIONS
    script = scratch / f"{route.name.replace('/', '_').replace(' ', '_')}-{pause}.lua"
    script.write_text(route.script(pause))
    command = ["taskset", "-c", "0", "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
               "--timeout", "5s", "-s", str(script), url + route.path]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    found = [line for line in result.stdout.splitlines() if line.startswith(MARKER)]
    if result.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    data = json.loads(found[-1][len(MARKER) :])
    seconds_run = data["duration_us"] / 1e6
    rps = data["requests"] / seconds_run
    return Run(rps, data["p50"] / 1000, data["p99"] / 1000, data["status"], data["socket"], data["requests"])


@dataclass(frozen=True)
class Figures:
    """A route's figures on one server: median throughput of the runs, latency at the moderate rate."""

    rps: float
    p50_ms: float
    p99_ms: float
    latency_rps: float
    non_2xx: int
    socket_errors: int
    fewest_requests: int  # in any one run: 0 means a run in which no response came back


def summarise(runs: list[Run], latency: Run | None) -> Figures:
    """Medians of the throughput runs; every run's errors added up (they must all be 0)."""
    timed = latency or runs[len(runs) // 2]
    every = [*runs, *([latency] if latency else [])]
    return Figures(
        statistics.median(run.rps for run in runs),
        timed.p50_ms,
        timed.p99_ms,
        timed.rps,
        sum(run.non_2xx for run in every),
        sum(run.socket_errors for run in every),
        min(run.requests for run in every),
    )
