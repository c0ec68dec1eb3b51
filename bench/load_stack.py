"""One stack's measurement for bench/load.py: the generated service first, then its bare twin."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from load_report import Row
from load_servers import Server, build_env, build_service, build_twin, start, twin_env
from load_wrk import Figures, Route, Run, summarise, wrk
from services import dotenv

from tests import infra
from tests.projects import generate, toolchain_env

IDLE_SECONDS = 3
DRAIN_SECONDS = 30
PASSWORD = "load-benchmark-password"  # noqa: S105 (a throw-away user on loopback)
ORDER = {
    "currency": "EUR",
    "items": [
        {"sku": "PEN-1", "name": "Pen", "quantity": 3, "unit_price_cents": 250},
        {"sku": "INK-2", "name": "Ink", "quantity": 1, "unit_price_cents": 1999},
        {"sku": "PAD-3", "name": "Pad", "quantity": 2, "unit_price_cents": 480},
    ],
}
# Long enough for the service and its twin to share one token (the default is 900 s).
SERVICE_ENV = {"ACCESS_TOKEN_TTL": "3600"}


@dataclass(frozen=True)
class Options:
    """How much to run: measured runs and their length, warm-up and latency-run seconds (0: none)."""

    runs: int
    duration: float
    warmup: float
    latency: float


@dataclass(frozen=True)
class Caller:
    """The one user both servers serve: id, bearer token, and the /users/me bytes the cache holds."""

    user_id: str
    token: str
    issuer: str
    me: bytes


def call(url: str, method: str = "GET", body: object = None, token: str = "") -> tuple[int, bytes]:
    """One HTTP request on loopback; its status and body (error statuses included)."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def sign_up(base: str) -> Caller:
    """Register and log in one user, then read /users/me twice: the second read is a cache hit."""
    email = f"load-{uuid.uuid4().hex[:12]}@example.com"
    status, body = call(f"{base}/api/v1/auth/register", "POST", {"email": email, "password": PASSWORD, "name": "Load"})
    if status != 201:
        raise RuntimeError(f"register answered {status}: {body[:500]!r}")
    status, body = call(f"{base}/api/v1/auth/login", "POST", {"email": email, "password": PASSWORD})
    if status != 200:
        raise RuntimeError(f"login answered {status}: {body[:500]!r}")
    token = json.loads(body)["access_token"]
    for _ in range(2):
        status, me = call(f"{base}/api/v1/users/me", token=token)
        if status != 200:
            raise RuntimeError(f"/users/me answered {status}: {me[:500]!r}")
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    return Caller(json.loads(me)["id"], token, claims["iss"], me)


def routes(caller: Caller) -> list[Route]:
    return [
        Route("GET /healthz", "GET", "/healthz"),
        Route("GET /api/v1/users/me", "GET", "/api/v1/users/me", token=caller.token),
        Route("POST /api/v1/orders", "POST", "/api/v1/orders", body=json.dumps(ORDER), token=caller.token),
    ]


def psql(url: str, query: str) -> str:
    command = [str(infra.postgres_bin() / "psql"), url, "-At", "-v", "ON_ERROR_STOP=1", "-c", query]
    # Not infra.checked: a query here must give up after 30 s.
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=30)
    if result.returncode != 0:
        raise RuntimeError(f"psql {query!r} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def drop_database(server_url: str, name: str) -> str | None:
    """Drop a benchmark database; None, or why it is still there after a few tries.

    A server just stopped may still have backends on its way out, which even FORCE can race.
    """
    why = ""
    for _ in range(5):
        try:
            psql(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            return None
        except RuntimeError as error:
            why = str(error)
            time.sleep(1)
    return why


def drain(database_url: str) -> tuple[float, int]:
    """Seconds until no outbox row is unpublished (at most DRAIN_SECONDS), and how many still are then."""
    started = time.monotonic()
    while True:
        pending = int(psql(database_url, "SELECT count(*) FROM outbox WHERE published_at IS NULL"))
        waited = time.monotonic() - started
        if pending == 0 or waited >= DRAIN_SECONDS:
            return waited, pending
        time.sleep(0.5)


def copy_database(source: str, target: str) -> None:
    """The service's migrated schema and its user, into the twin's own database (pg_dump | psql)."""
    dump = [str(infra.postgres_bin() / "pg_dump"), "--no-owner", "--no-privileges", source]
    dumped = subprocess.run(dump, capture_output=True, text=True, check=True, timeout=120).stdout
    restore = [str(infra.postgres_bin() / "psql"), target, "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"]
    subprocess.run(restore, input=dumped, capture_output=True, text=True, check=True, timeout=120)


@dataclass
class Measured:
    """A server's figures per route, its idle memory, and what went wrong."""

    figures: dict[str, Figures]
    rss_after: dict[str, float]
    rss_idle: float
    drained: dict[str, tuple[float, int]]  # route: seconds waited, rows still unpublished


def prime(server: Server, route: Route) -> None:
    """One request first, so lazy set-up (a pool's first connection, a JIT) is not what a short run measures."""
    body = json.loads(route.body) if route.body else None
    status, answer = call(server.url + route.path, route.method, body, route.token)
    if not 200 <= status < 300:
        raise RuntimeError(f"{route.name} answered {status} before any load: {answer[:500]!r}")


def load(server: Server, route: Route, options: Options, scratch: Path) -> tuple[Figures, list[Run]]:
    prime(server, route)
    if options.warmup:
        wrk(server.url, route, options.warmup, scratch)
    runs = [wrk(server.url, route, options.duration, scratch) for _ in range(options.runs)]
    latency = wrk(server.url, route, options.latency, scratch, latency=True) if options.latency else None
    return summarise(runs, latency), runs


def measure_server(
    server: Server, caller: Caller, options: Options, scratch: Path, drain: Callable[[], tuple[float, int]] | None
) -> Measured:
    """Every route under load, one after the other; after the orders route the outbox must drain."""
    time.sleep(IDLE_SECONDS)
    measured = Measured({}, {}, server.rss_mib(), {})
    for route in routes(caller):
        figures, _ = load(server, route, options, scratch)
        measured.figures[route.name] = figures
        measured.rss_after[route.name] = server.rss_mib()
        if drain is not None and route.method == "POST":
            measured.drained[route.name] = drain()
    return measured


def failures_of(stack: str, kind: str, measured: Measured) -> list[str]:
    found = []
    for name, figures in measured.figures.items():
        if figures.non_2xx or figures.socket_errors:
            found.append(f"{stack} {kind} {name}: {figures.non_2xx} non-2xx, {figures.socket_errors} socket errors")
        if not figures.fewest_requests:
            found.append(f"{stack} {kind} {name}: a run in which no response came back")
    for name, (_, pending) in measured.drained.items():
        if pending:
            found.append(f"{stack} {kind} {name}: {pending} outbox rows unpublished {DRAIN_SECONDS}s after the load")
    return found


def rows_of(stack: str, service: Measured, twin: Measured) -> list[Row]:
    rows = []
    for name, figures in service.figures.items():
        bare = twin.figures[name]
        ratio = figures.rps / bare.rps if bare.rps else 0.0
        rows.append(Row(name, stack, "service", figures, service.rss_idle, service.rss_after[name], ratio,
                        drained=service.drained.get(name)))  # fmt: skip
        rows.append(Row(name, stack, "bare twin", bare, twin.rss_idle, twin.rss_after[name], None))
    return rows


@dataclass(frozen=True)
class Bench:
    """One stack's generated project, build environment, servers and scratch folder."""

    stack: str
    project: Path
    env: dict[str, str]
    servers: dict[str, str]
    databases: dict[str, str]
    work: Path
    options: Options


def measure_stack(stack: str, servers: dict[str, str], scratch: Path, options: Options) -> tuple[list[Row], list[str]]:
    """Build both servers, measure the service, then the twin on a copy of the service's database."""
    work = scratch / stack
    work.mkdir()
    env = build_env(toolchain_env())
    note(f"{stack}: generating the project")
    project = generate(work, stack, [], env)
    note(f"{stack}: building the service and its twin")
    service_command = build_service(stack, project, env)
    twin_command = build_twin(stack, project, work / "twin", env)
    names = {kind: re.sub(r"\W", "_", f"load_{stack}_{kind}") for kind in ("service", "twin")}
    databases = {kind: infra.fresh_database(servers["DATABASE_URL"], name) for kind, name in names.items()}
    bench = Bench(stack, project, env, servers, databases, work, options)
    try:
        caller, service = run_service(bench, service_command)
        twin = run_twin(bench, twin_command, caller)
    finally:
        # A database left behind is a failure to report, not a reason to lose the figures.
        leftovers = [why for name in names.values() if (why := drop_database(servers["DATABASE_URL"], name))]
    failures = failures_of(stack, "service", service) + failures_of(stack, "bare twin", twin)
    return rows_of(stack, service, twin), failures + [f"{stack}: {why}" for why in leftovers]


def run_service(bench: Bench, command: list[str]) -> tuple[Caller, Measured]:
    """Serve the generated project (it migrates at start-up), sign up the user, copy the database, measure."""
    database = bench.databases["service"]
    env = {**dotenv(bench.project), **bench.env, **bench.servers, **SERVICE_ENV, "DATABASE_URL": database}
    service = start(command, bench.project, env, bench.work / "service.log", "/readyz")
    try:
        caller = sign_up(service.url)
        copy_database(database, bench.databases["twin"])
        note(f"{bench.stack}: measuring the service")
        measured = measure_server(service, caller, bench.options, bench.work, lambda: drain(database))
    finally:
        status = service.stop()
    if status != 0:
        note(f"{bench.stack}: the service exited {status} on SIGTERM; see {bench.work / 'service.log'}")
    return caller, measured


def run_twin(bench: Bench, command: list[str], caller: Caller) -> Measured:
    """Serve the twin on the copied database, with the user's /users/me bytes in the cache."""
    cache = bench.servers["CACHE_URL"]
    set_key = ["redis-cli", "-u", cache, "SET", f"user:{caller.user_id}", caller.me.decode()]
    subprocess.run(set_key, capture_output=True, check=True, timeout=30)
    secret = dotenv(bench.project)["JWT_SECRET"]
    values = twin_env(bench.stack, bench.databases["twin"], cache, secret, caller.issuer)
    note(f"{bench.stack}: measuring the bare twin")
    twin = start(command, bench.project, {**bench.env, **values}, bench.work / "twin.log", "/healthz")
    try:
        return measure_server(twin, caller, bench.options, bench.work, None)
    finally:
        twin.stop()


def note(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
