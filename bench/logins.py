#!/usr/bin/env python3
"""What password hashing costs the rest of a generated service: /healthz latency while clients
log in without pause, beside the same probe with nobody logging in.

Each login verifies an argon2id hash: tens of milliseconds of CPU and megabytes of memory. A
service that hashes where it serves requests (on its event loop, or on the virtual threads'
carriers) stops answering anything while logins run; one that hashes on threads of its own only
shares the CPU. For each stack the script generates the default project, serves it pinned to one
core (as bench/load.py does) with the rate limits lifted, registers one user, and then:

- idle: probes /healthz every 20 ms for --seconds;
- logins: the same probe while --logins clients each log that user in, one login after another.

It prints one row per stack and template: logins per second, and /healthz's median, p99 and
worst latency in both phases. With --baseline REF the templates at git revision REF of this
checkout are measured the same way in the same run, each row beside its baseline.

    python bench/logins.py [--stack java-spring] [--logins 5] [--seconds 10] [--baseline REF]

PostgreSQL, Redis and Kafka come from the environment (DATABASE_URL, CACHE_URL, KAFKA_BROKERS)
or are started for the run (tests/infra.py). Quote figures only from an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from load import dependencies
from load_servers import build_env, build_service, start
from load_stack import PASSWORD, call, drop_database, note
from services import STACKS, dotenv

from tests import infra
from tests.projects import generate, toolchain_env

ROOT = Path(__file__).resolve().parents[1]
PROBE_INTERVAL = 0.02
# High enough that no login of the run is refused: the limits are not what is measured here.
LIFTED_LIMITS = {"RATE_LIMIT_AUTH": "1000000", "RATE_LIMIT_LOGIN": "1000000"}


@dataclass
class Phase:
    """/healthz latencies (ms) of one phase, and the logins it saw."""

    latencies: list[float] = field(default_factory=list)
    logins: int = 0
    refused: int = 0
    seconds: float = 0.0

    def quantile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass(frozen=True)
class Result:
    stack: str
    template: str
    idle: Phase
    busy: Phase


def probe(base: str, stop: threading.Event, phase: Phase) -> None:
    """GET /healthz every PROBE_INTERVAL until `stop`, recording each answer's latency."""
    while not stop.is_set():
        started = time.perf_counter()
        status, _ = call(f"{base}/healthz")
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"/healthz answered {status}")
        phase.latencies.append(elapsed)
        stop.wait(PROBE_INTERVAL)


def log_in(base: str, email: str, stop: threading.Event, phase: Phase, lock: threading.Lock) -> None:
    """Log `email` in, again and again, until `stop`."""
    while not stop.is_set():
        status, _ = call(f"{base}/api/v1/auth/login", "POST", {"email": email, "password": PASSWORD})
        with lock:
            if status == 200:
                phase.logins += 1
            else:
                phase.refused += 1


def measure_phase(base: str, email: str, clients: int, seconds: float) -> Phase:
    phase = Phase()
    stop = threading.Event()
    lock = threading.Lock()
    threads = [threading.Thread(target=probe, args=(base, stop, phase))]
    threads += [threading.Thread(target=log_in, args=(base, email, stop, phase, lock)) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - started
    return phase


@dataclass(frozen=True)
class Target:
    """One stack rendered from one revision of the templates."""

    stack: str
    template: str  # "this checkout" or the baseline's git revision
    source: Path


def measure(target: Target, servers: dict[str, str], work: Path, args: argparse.Namespace) -> Result:
    """Generate the project from the target's templates, build and serve it, then measure both phases."""
    stack, template = target.stack, target.template
    env = {**build_env(toolchain_env()), "BACKEND_SCAFFOLD_TEMPLATE_SOURCE": str(target.source)}
    note(f"{stack} ({template}): generating and building")
    project = generate(work, stack, [], env)
    command = build_service(stack, project, env)
    name = re.sub(r"\W", "_", f"logins_{stack}_{template}").lower()
    database = infra.fresh_database(servers["DATABASE_URL"], name)
    values = {**dotenv(project), **env, **servers, **LIFTED_LIMITS, "DATABASE_URL": database}
    server = start(command, project, values, work / "service.log", "/readyz")
    try:
        email = f"logins-{uuid.uuid4().hex[:12]}@example.com"
        status, body = call(f"{server.url}/api/v1/auth/register", "POST",
                            {"email": email, "password": PASSWORD, "name": "Logins"})  # fmt: skip
        if status != 201:
            raise RuntimeError(f"register answered {status}: {body[:300]!r}")
        measure_phase(server.url, email, args.logins, 2)  # warm-up: JIT, pools, caches
        note(f"{stack} ({template}): measuring")
        idle = measure_phase(server.url, email, 0, args.seconds)
        busy = measure_phase(server.url, email, args.logins, args.seconds)
    finally:
        server.stop()
        if why := drop_database(servers["DATABASE_URL"], name):
            note(why)
    return Result(stack, template, idle, busy)


def worktree(ref: str, scratch: Path) -> Path:
    """A checkout of this repository at `ref`, to render the templates of that revision."""
    path = scratch / "baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), ref],
                   check=True, capture_output=True)  # fmt: skip
    return path


def print_table(results: list[Result], clients: int) -> None:
    during = f"{clients} logging in:"
    header = ("stack", "template", "logins/s", "idle p50", "idle p99", f"{during} p50", "p99", "max", "p99 ratio")
    rows = []
    for result in results:
        idle, busy = result.idle, result.busy
        ratio = busy.quantile(0.99) / idle.quantile(0.99) if idle.latencies else float("nan")
        rows.append((result.stack, result.template, f"{busy.logins / busy.seconds:.1f}",
                     f"{idle.quantile(0.5):.1f} ms", f"{idle.quantile(0.99):.1f} ms",
                     f"{busy.quantile(0.5):.1f} ms", f"{busy.quantile(0.99):.1f} ms",
                     f"{max(busy.latencies):.1f} ms", f"{ratio:.1f}x"))  # fmt: skip
        if busy.refused:
            note(f"{result.stack} ({result.template}): {busy.refused} logins refused")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", action="append", choices=STACKS, help="measure this stack (repeatable; default all)")
    parser.add_argument("--logins", type=int, default=5, help="clients logging in at once (default 5)")
    parser.add_argument("--seconds", type=float, default=10, help="seconds per phase (default 10)")
    parser.add_argument("--baseline", metavar="REF", help="also measure the templates at this git revision")
    args = parser.parse_args(argv)
    if args.logins < 1 or args.seconds < 1:
        parser.error("--logins and --seconds must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # unwind, stopping the servers started
    args = parse(argv)
    scratch = Path(tempfile.mkdtemp(prefix="bench-logins-"))
    sources = [("this checkout", ROOT)]
    results: list[Result] = []
    failures: list[str] = []
    try:
        if args.baseline:
            sources.insert(0, (args.baseline, worktree(args.baseline, scratch)))
        with dependencies() as servers:
            for stack in args.stack or list(STACKS):
                for template, source in sources:
                    work = scratch / f"{stack}-{len(results) + len(failures)}"
                    work.mkdir()
                    try:
                        results.append(measure(Target(stack, template, source), servers, work, args))
                    except (RuntimeError, subprocess.SubprocessError, AssertionError) as error:
                        failures.append(f"{stack} ({template}): {error}")
    except KeyboardInterrupt:
        print("interrupted: the servers this run started are stopped", file=sys.stderr)
        return 130
    finally:
        if args.baseline:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(scratch / "baseline")],
                           check=False, capture_output=True)  # fmt: skip
    print_table(results, args.logins)
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    print(f"(work files in {scratch})", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    sys.exit(main())
