"""What the production sections do to a service: hold locks, black-hole a dependency, restart it.

Shared by the `deadlines`, `proxies` and `secrets` sections. Everything here is real: a psql
session of the test's own, a listening socket on loopback, and `make run` of the generated project.
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from tests import infra
from tests.conformance.client import Api
from tests.conformance.conftest import Service
from tests.projects import RunningService, descendants, spawn, wait_healthy

# A service built by the `service` fixture starts in seconds; this bounds a start-up that hangs.
START_DEADLINE_SECONDS = 240


class PsqlSession:
    """A psql session of the test's own, fed one statement at a time, so it can hold locks."""

    def __init__(self, url: str) -> None:
        command = [str(infra.postgres_bin() / "psql"), url, "-qAt", "-v", "ON_ERROR_STOP=1"]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.pid = int(self.query("SELECT pg_backend_pid()")[0])

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def query(self, statement: str, timeout: float = 15, **params: str) -> list[str]:
        """Run one statement (`:'name'` takes a parameter); its output rows, told apart by a marker query."""
        assert self.process.stdin is not None
        marker = f"done-{uuid.uuid4().hex}"
        variables = "".join(f"\\set {name} '{value}'\n" for name, value in params.items())
        self.process.stdin.write(f"{variables}{statement};\nSELECT '{marker}';\n")
        self.process.stdin.flush()
        rows: list[str] = []
        deadline = time.monotonic() + timeout
        while (line := self.lines.get(timeout=max(0.1, deadline - time.monotonic()))) != marker:
            rows.append(line)
        return rows

    def close(self) -> None:
        """End the session; an open transaction is rolled back, so its locks go with it."""
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextmanager
def psql_session(url: str) -> Iterator[PsqlSession]:
    """A PsqlSession closed (and its transaction rolled back) on exit."""
    session = PsqlSession(url)
    try:
        yield session
    finally:
        session.close()


@contextmanager
def black_hole() -> Iterator[str]:
    """`127.0.0.1:port` that completes TCP handshakes into its backlog and never reads or answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        yield f"127.0.0.1:{listener.getsockname()[1]}"


def own_environment(service: Service, env: dict[str, str]) -> dict[str, str]:
    """The service's environment with `env` on top and, with [database], a fresh database unless `env` names one."""
    merged = {**service.running.env, **env}
    if service.enabled("database") and "DATABASE_URL" not in env:
        merged["DATABASE_URL"] = infra.fresh_database(merged["DATABASE_URL"], f"fault_{uuid.uuid4().hex[:12]}")
    return merged


@contextmanager
def instance(
    service: Service, env: dict[str, str], log_dir: Path, deadline: float = START_DEADLINE_SECONDS
) -> Iterator[Api]:
    """Another instance of the service's project (see own_environment), as an Api once /healthz answers."""
    running = spawn(service.running.project, own_environment(service, env), log_dir)
    try:
        wait_healthy(running, deadline)
        yield Api(replace(service, running=running))
    finally:
        running.kill()


@dataclass
class StartUp:
    """How a start-up ended: the exit status (None: it served /healthz instead) and everything it printed."""

    status: int | None
    output: str


def start_up(service: Service, env: dict[str, str], log_dir: Path) -> StartUp:
    """Start the project with `env` and wait until it exits or serves; a server that serves is killed."""
    running = spawn(service.running.project, own_environment(service, env), log_dir)
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    try:
        while time.monotonic() < deadline:
            if running.process.poll() is not None:
                return StartUp(running.process.returncode, running.output.read_text(errors="replace"))
            if _answers(f"{running.url}/healthz"):
                return StartUp(None, running.output.read_text(errors="replace"))
            time.sleep(0.3)
        raise AssertionError(f"start-up neither failed nor served in {START_DEADLINE_SECONDS}s:\n{running.log()}")
    finally:
        running.kill()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback)
            return True
    except OSError:
        return False


def send_sigterm(running: RunningService) -> None:
    """SIGTERM to the service process itself, not to make or the toolchain's launcher."""
    below = descendants(running.process.pid)
    os.kill(below[-1] if below else running.process.pid, signal.SIGTERM)


def database_of(url: str) -> str:
    """The database name in a PostgreSQL URL."""
    return urlsplit(url).path.lstrip("/")


def others_on(session: PsqlSession, database: str, *tests: PsqlSession, waiting: bool = False) -> int:
    """Sessions on `database` other than the test's own (from pg_stat_activity); only lock waits if `waiting`."""
    own = ",".join(str(pid) for pid in (session.pid, *(test.pid for test in tests)))
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = :'database' AND pid <> ALL (:'own'::int[])"
    rows = session.query(
        query + (" AND wait_event_type = 'Lock'" if waiting else ""), database=database, own=f"{{{own}}}"
    )
    return int(rows[0])
