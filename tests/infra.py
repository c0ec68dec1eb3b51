"""Real infrastructure for tests, without Docker: PostgreSQL, Redis and Apache Kafka on loopback.

Redis stands in for Dragonfly and Apache Kafka (KRaft, single node) for Redpanda: both speak the
same protocols, and generated code only uses what both implement (see README, "Test
infrastructure"). Every server gets a free port and a private directory, so runs never touch a
system service and can run side by side.

    python -m tests.infra up [--only postgres,redis,kafka] [--dir DIR]   start, print env, return
    python -m tests.infra down [--dir DIR]                              stop what `up` started
    python -m tests.infra run [--only ...] -- COMMAND...                 start, run COMMAND, stop

`up` writes DIR/services.env (DATABASE_URL, CACHE_URL, KAFKA_BROKERS); `run` exports the same
variables to COMMAND. Tests use the `services` fixture, which reuses those variables when they
are set and otherwise starts the servers for the session.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

KAFKA_VERSION = "4.4.0"
LOG4J_VERSION = "2.25.2"
CACHE = Path(os.environ.get("BACKEND_SCAFFOLD_CACHE", Path.home() / ".cache" / "backend-scaffold"))
DEFAULT_DIR = CACHE / "infra"
SERVICES = ("postgres", "redis", "kafka")
ENV_KEYS = {"postgres": "DATABASE_URL", "redis": "CACHE_URL", "kafka": "KAFKA_BROKERS"}
TOPICS = ("orders.events",)


class InfraError(RuntimeError):
    """A server could not be installed, started or reached."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait(what: str, check: object, process: subprocess.Popen[bytes] | None, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise InfraError(f"{what} exited with {process.returncode}; log tail:\n{_tail(log)}")
        if callable(check) and check():
            return
        time.sleep(0.2)
    raise InfraError(f"{what} was not ready after {timeout:.0f}s; log tail:\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _as_unprivileged(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` system user then."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


def postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise InfraError("PostgreSQL is not installed: apt-get install postgresql")
    return found[-1].parent


@dataclass
class Server:
    """One running server: what `down` needs to stop it and what tests need to reach it."""

    name: str
    url: str
    pid: int
    workdir: str
    stop_cmd: list[str] = field(default_factory=list)
    remove: str = ""


def _check(args: list[str], what: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise InfraError(f"{what} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def start_postgres(root: Path) -> Server:
    """initdb into a private directory, start on a free port, create the `app` role and database."""
    binaries = postgres_bin()
    # As root the server runs as `postgres`, which cannot enter root's private folders: give it
    # its own directory in the system temporary folder, removed again by stop().
    data = Path(tempfile.mkdtemp(prefix="pg-")) if os.geteuid() == 0 else root / "postgres"
    data.mkdir(parents=True, exist_ok=True)
    log = data.parent / f"{data.name}.log" if os.geteuid() == 0 else root / "postgres.log"
    log.touch()
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
        shutil.chown(log, "postgres")
    port = free_port()
    initdb = [str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]
    _check(_as_unprivileged(initdb), "initdb")
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {data} -c fsync=off -c synchronous_commit=off"
    pg_ctl = [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]
    try:
        _check(_as_unprivileged(pg_ctl), "pg_ctl start")
    except InfraError as error:
        raise InfraError(f"{error}\n{_tail(log)}") from None
    pid = int((data / "postmaster.pid").read_text().splitlines()[0])
    psql = [str(binaries / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1"]
    for statement in ("CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB", "CREATE DATABASE app OWNER app"):
        _check([*psql, "-c", statement], "creating the app role and database")
    return Server(
        "postgres",
        f"postgres://app:app@127.0.0.1:{port}/app?sslmode=disable",
        pid,
        str(data),
        _as_unprivileged([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
        remove=str(data) if os.geteuid() == 0 else "",
    )


def fresh_database(url: str, name: str) -> str:
    """An empty database `name` on the server of `url` (replacing one left by an earlier run); its URL."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", name):
        raise InfraError(f"not a plain database name: {name!r}")
    psql = [str(postgres_bin() / "psql"), url, "-v", "ON_ERROR_STOP=1"]
    _check([*psql, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], f"dropping database {name}")
    _check([*psql, "-c", f"CREATE DATABASE {name}"], f"creating database {name}")
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(root: Path) -> Server:
    """redis-server without persistence on a free loopback port (the Dragonfly stand-in)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise InfraError("redis-server is not installed: apt-get install redis-server")
    port = free_port()
    workdir = root / "redis"
    workdir.mkdir(parents=True)
    log = root / "redis.log"
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(workdir), "--logfile", str(log)]  # fmt: skip
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    _wait("redis", lambda: _redis_ping(port), process, log, 30)
    return Server("redis", f"redis://127.0.0.1:{port}/0", process.pid, str(workdir))


_KAFKA_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>backend-scaffold.tests</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{kafka}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId>
      <version>{log4j}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId>
      <version>{log4j}</version></dependency>
  </dependencies>
</project>
"""

_LOG4J2 = """<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders><Console name="out" target="SYSTEM_OUT"><PatternLayout pattern="%d %p %c{1} %m%n"/></Console></Appenders>
  <Loggers><Root level="WARN"><AppenderRef ref="out"/></Root>
    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/></Loggers>
</Configuration>
"""


def kafka_libs() -> Path:
    """The broker's jars from Maven Central, resolved once with Maven and cached."""
    libs = CACHE / f"kafka-{KAFKA_VERSION}" / "libs"
    if libs.is_dir() and any(libs.glob("kafka_2.13-*.jar")):
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise InfraError("Maven is needed once to fetch the Kafka broker jars: apt-get install maven")
    staging = Path(tempfile.mkdtemp(prefix="kafka-libs-", dir=CACHE if CACHE.is_dir() else None))
    try:
        (staging / "pom.xml").write_text(_KAFKA_POM.format(kafka=KAFKA_VERSION, log4j=LOG4J_VERSION))
        result = subprocess.run(
            [mvn, "-B", "-q", "dependency:copy-dependencies", "-DincludeScope=runtime", "-DoutputDirectory=libs"],
            cwd=staging, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise InfraError(
                f"fetching Kafka {KAFKA_VERSION} jars failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
            )
        libs.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(libs, ignore_errors=True)
        (staging / "libs").rename(libs)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return libs


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    candidate = Path(home) / "bin" / "java" if home else None
    if candidate is not None and candidate.is_file():
        return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise InfraError("Java 17+ is needed for the Kafka broker: apt-get install openjdk-17-jre-headless")
    return found


def _kafka_ready(brokers: str) -> bool:
    from confluent_kafka.admin import AdminClient

    host, _, port = brokers.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        AdminClient({"bootstrap.servers": brokers, "log_level": 0}).list_topics(timeout=2)
    except Exception:  # any client error means "not ready yet"
        return False
    return True


def create_topics(brokers: str, topics: Sequence[str], partitions: int = 3) -> None:
    """Create topics explicitly (auto-creation is off, as on a production Redpanda)."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": brokers, "log_level": 3})
    existing = set(admin.list_topics(timeout=10).topics)
    wanted = [
        NewTopic(topic, num_partitions=partitions, replication_factor=1) for topic in topics if topic not in existing
    ]
    for future in admin.create_topics(wanted).values() if wanted else ():
        future.result(timeout=30)


def start_kafka(root: Path) -> Server:
    """A single-node KRaft broker+controller on free loopback ports (the Redpanda stand-in)."""
    workdir = root / "kafka"
    (workdir / "data").mkdir(parents=True)
    port, controller = free_port(), free_port()
    properties = workdir / "server.properties"
    properties.write_text(
        "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.bootstrap.servers=127.0.0.1:{controller}",
                f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}",
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                f"log.dirs={workdir / 'data'}",
                "num.partitions=3",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "",
            ]
        )
    )
    (workdir / "log4j2.xml").write_text(_LOG4J2)
    java = _kafka_java(workdir)
    cluster = subprocess.run(
        [*java, "kafka.tools.StorageTool", "random-uuid"], capture_output=True, text=True, check=True
    ).stdout.strip()
    subprocess.run(
        [*java, "kafka.tools.StorageTool", "format", "--standalone", "-t", cluster, "-c", str(properties)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    server = _launch_kafka(workdir, f"127.0.0.1:{port}")
    create_topics(server.url, TOPICS)
    return server


def _kafka_java(workdir: Path) -> list[str]:
    return [_java(), "-Xms256m", "-Xmx512m", f"-Dlog4j2.configurationFile={workdir / 'log4j2.xml'}",
            "-cp", f"{kafka_libs()}/*"]  # fmt: skip


def _launch_kafka(workdir: Path, brokers: str) -> Server:
    """Run the broker formatted in `workdir`; its log is appended beside it, so restarts keep history."""
    log = workdir.parent / "kafka.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*_kafka_java(workdir), "kafka.Kafka", str(workdir / "server.properties")],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    _wait("kafka", lambda: _kafka_ready(brokers), process, log, 120)
    return Server("kafka", brokers, process.pid, str(workdir))


class KafkaBroker:
    """A private broker that a test may halt (an outage: the process stops, the data stays) and resume."""

    def __init__(self, root: Path) -> None:
        self.server = start_kafka(root)

    @property
    def url(self) -> str:
        return self.server.url

    def halt(self) -> None:
        _terminate(self.server.pid)

    def resume(self) -> None:
        """Start again on the same ports and data directory; returns once the broker answers."""
        self.server = _launch_kafka(Path(self.server.workdir), self.server.url)


@contextlib.contextmanager
def kafka_broker(base: Path | None = None) -> Iterator[KafkaBroker]:
    """A broker for one test alone, so stopping it disturbs no other test; deleted afterwards."""
    root = Path(tempfile.mkdtemp(prefix="kafka-", dir=base))
    broker: KafkaBroker | None = None
    try:
        broker = KafkaBroker(root)
        yield broker
    finally:
        if broker is not None:
            _terminate(broker.server.pid)
        shutil.rmtree(root, ignore_errors=True)


STARTERS = {"postgres": start_postgres, "redis": start_redis, "kafka": start_kafka}


def stop(server: Server) -> None:
    """Stop one server and delete its private files; tolerate one that is already gone."""
    try:
        if server.stop_cmd and subprocess.run(server.stop_cmd, capture_output=True, check=False).returncode == 0:
            return
        _terminate(server.pid)
    finally:
        if server.remove:
            shutil.rmtree(server.remove, ignore_errors=True)
            Path(f"{server.remove}.log").unlink(missing_ok=True)


def _terminate(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
        os.killpg(pid, signal.SIGKILL)


def env_of(servers: Sequence[Server]) -> dict[str, str]:
    """The variables generated services and tests read, for the servers that run."""
    return {ENV_KEYS[server.name]: server.url for server in servers}


@contextlib.contextmanager
def running(only: Sequence[str] = SERVICES, base: Path | None = None) -> Iterator[dict[str, str]]:
    """Start the servers, yield their environment, and stop and delete everything afterwards."""
    root = Path(tempfile.mkdtemp(prefix="infra-", dir=base))
    root.chmod(0o755)
    servers: list[Server] = []
    try:
        for name in only:
            servers.append(STARTERS[name](root))
        yield env_of(servers)
    finally:
        for server in reversed(servers):
            stop(server)
        shutil.rmtree(root, ignore_errors=True)


def _state_file(directory: Path) -> Path:
    return directory / "state.json"


def up(only: Sequence[str], directory: Path) -> dict[str, str]:
    """Start servers that outlive this process; `down` stops them."""
    if _state_file(directory).exists():
        raise InfraError(f"servers from an earlier `up` are recorded in {directory}; run `down` first")
    directory.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="infra-", dir=directory))
    root.chmod(0o755)
    servers: list[Server] = []
    try:
        for name in only:
            servers.append(STARTERS[name](root))
    except BaseException:
        for server in reversed(servers):
            stop(server)
        shutil.rmtree(root, ignore_errors=True)
        raise
    state = {"root": str(root), "servers": [server.__dict__ for server in servers]}
    _state_file(directory).write_text(json.dumps(state, indent=2))
    env = env_of(servers)
    (directory / "services.env").write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    return env


def down(directory: Path) -> int:
    """Stop what `up` started in this directory; returns how many servers were stopped."""
    state_path = _state_file(directory)
    if not state_path.exists():
        return 0
    state = json.loads(state_path.read_text())
    servers = [Server(**entry) for entry in state["servers"]]
    for server in reversed(servers):
        stop(server)
    shutil.rmtree(state["root"], ignore_errors=True)
    state_path.unlink()
    (directory / "services.env").unlink(missing_ok=True)
    return len(servers)


def _parse_only(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(SERVICES))
    if unknown:
        raise SystemExit(f"--only: unknown service {', '.join(unknown)} (choose from {', '.join(SERVICES)})")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.infra", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("up", "run"):
        command = commands.add_parser(name)
        command.add_argument("--only", type=_parse_only, default=list(SERVICES), help="comma-separated services")
        command.add_argument("--dir", type=Path, default=DEFAULT_DIR)
        if name == "run":
            command.add_argument("argv", nargs=argparse.REMAINDER, help="-- COMMAND ARGS...")
    commands.add_parser("down").add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            for key, value in up(args.only, args.dir).items():
                print(f"{key}={value}")
            return 0
        if args.command == "down":
            print(f"stopped {down(args.dir)} server(s)", file=sys.stderr)
            return 0
        command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        if not command:
            parser.error("run needs a command after --")
        with running(args.only) as env:
            for key, value in env.items():
                print(f"{key}={value}", file=sys.stderr)
            return subprocess.run(command, env={**os.environ, **env}, check=False).returncode
    except InfraError as error:
        print(f"infra: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
