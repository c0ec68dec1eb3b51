#!/usr/bin/env python3
"""Load benchmark: each generated service under wrk, beside a bare twin of its own framework.

For every stack the script generates a project with the default answers (every dependency on,
auth=jwt), makes its release build and serves it with the default LOG_LEVEL against real
PostgreSQL, Redis (for Dragonfly) and Kafka (for Redpanda). Beside it runs the stack's bare
twin (bench/twins/<stack>/: the same framework, versions and server settings, built the way the
project builds) doing only the essential work of each route. Both are measured the same way:

  GET /healthz            {"status":"ok"}
  GET /api/v1/users/me    the cache hit: one registered user, logged in, the cache warmed;
                          the twin verifies the HS256 token, GETs user:{id}, writes the bytes
  POST /api/v1/orders     3 items; the twin writes the order, its items and an outbox row in one
                          transaction; after the service's runs of this route every outbox row
                          must be published within 30 s (the outbox table is polled; the
                          "outbox drained" column says how long that took)

wrk runs on core 0 (`taskset -c 0`, 1 thread, 50 connections) and the server on core 1. req/s
is the median of --runs runs of --duration seconds after a 2 s warm-up. Debian has no wrk2, so
p50/p99 come from a separate 3 s run at a moderate, capped rate: 10 connections that each pause
10 ms between requests (at most about 1000 req/s; a server slower than that sets the rate
itself, shown in the "at req/s" column). "ratio" is the service's req/s over its twin's.
RSS is the server's resident memory at idle (3 s after it is ready) and after each route's load.

A full run (four stacks, --runs 3, --duration 20) takes about 29 minutes with warm build caches,
26 of them under load (estimate for a chosen set: see the line printed at start); a first run also
compiles everything, about 8 minutes more on 2 cores (measured: 35.6 minutes from a cold cache).
--smoke makes one 3 s run per route and server and only checks that every response was 2xx and
the outbox drained: exit 1 otherwise (a few minutes with warm caches; it runs in CI).

Servers: DATABASE_URL, CACHE_URL and KAFKA_BROKERS are reused when all three are set (for
instance from `python -m tests.infra up`); otherwise they are started for the run and stopped.
Figures from a shared machine are noise: quote them from an idle one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_report import Row, print_table
from load_stack import Options, measure_stack
from services import STACKS

from tests import infra

WARMUP_SECONDS = 2
LATENCY_SECONDS = 3
SMOKE_SECONDS = 3
OVERHEAD_SECONDS = 50  # per stack, warm caches: generate, builds, start-ups, idle, drains (measured)


def estimate_minutes(stacks: int, runs: int, duration: float) -> float:
    """How long a measuring run takes: two servers of three routes per stack, plus the fixed overhead."""
    per_route = WARMUP_SECONDS + runs * duration + LATENCY_SECONDS
    return stacks * (6 * per_route + OVERHEAD_SECONDS) / 60


@contextlib.contextmanager
def dependencies() -> Iterator[dict[str, str]]:
    """The servers' URLs from the environment when all are set, else servers started for this run."""
    keys = ("DATABASE_URL", "CACHE_URL", "KAFKA_BROKERS")
    if all(os.environ.get(key) for key in keys):
        yield {key: os.environ[key] for key in keys}
        return
    with infra.running() as started:
        yield started


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", action="append", choices=STACKS, help="measure this stack (repeatable)")
    parser.add_argument("--duration", type=float, default=20, help="seconds per measured run (default 20)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per route; the median counts (default 3)")
    parser.add_argument("--smoke", action="store_true", help="one short run per route and server; checks only")
    parser.add_argument(
        "--keep", action="store_true", help="keep the projects, builds and server logs (path on stderr)"
    )
    options = parser.parse_args(argv)
    if options.runs < 1 or options.duration < 1:
        parser.error("--runs and --duration must be at least 1")
    missing = [tool for tool in ("wrk", "taskset", "redis-cli") if shutil.which(tool) is None]
    if missing:
        parser.error(f"missing {', '.join(missing)}: apt-get install wrk util-linux redis-tools")
    return options


def plan(args: argparse.Namespace, stacks: list[str]) -> Options:
    """What --smoke or the measuring options ask for; a measuring run says how long it will take."""
    if args.smoke:
        return Options(runs=1, duration=SMOKE_SECONDS, warmup=0, latency=0)
    minutes = estimate_minutes(len(stacks), args.runs, args.duration)
    print(f"measuring {', '.join(stacks)}: about {minutes:.0f} minutes", file=sys.stderr)
    return Options(runs=args.runs, duration=args.duration, warmup=WARMUP_SECONDS, latency=LATENCY_SECONDS)


def measure_all(stacks: list[str], options: Options, scratch: Path) -> tuple[list[Row], list[str]]:
    """Every stack in turn; a stack that cannot be built or served is a failure, not the end of the run."""
    rows: list[Row] = []
    failures: list[str] = []
    with dependencies() as servers:
        for stack in stacks:
            try:
                stack_rows, stack_failures = measure_stack(stack, servers, scratch, options)
            except (RuntimeError, SystemExit, subprocess.SubprocessError, AssertionError) as error:
                stack_rows, stack_failures = [], [f"{stack}: {error}"]
            if stack_rows:
                print_table(stack_rows, options, os.cpu_count() or 0, sys.stderr)  # progress, stack by stack
            rows += stack_rows
            failures += stack_failures
    return rows, failures


def main(argv: list[str] | None = None) -> int:
    # SIGTERM unwinds like Ctrl-C, so every `finally` stops the servers this run started.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return run(parse(argv))
    except KeyboardInterrupt:
        print("interrupted: the servers this run started are stopped", file=sys.stderr)
        return 130


def run(args: argparse.Namespace) -> int:
    stacks = args.stack or list(STACKS)
    options = plan(args, stacks)
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        rows, failures = measure_all(stacks, options, scratch)
    finally:
        if args.keep:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print_table(rows, options, os.cpu_count() or 0)
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    print(f"took {(time.monotonic() - started) / 60:.1f} minutes", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
