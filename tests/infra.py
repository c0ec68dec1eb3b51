"""Real infrastructure for tests, without Docker: PostgreSQL, Redis and Apache Kafka on loopback.

Redis stands in for Dragonfly and Apache Kafka (KRaft, single node) for Redpanda: both speak the
same protocols, and generated code only uses what both implement (see README, "Test
infrastructure"). Every server gets a free port and a private directory, so runs never touch a
system service and can run side by side.

    python -m tests.infra up [--only postgres,redis,kafka] [--tls] [--dir DIR]   start, print env, return
    python -m tests.infra down [--dir DIR]                                      stop what `up` started
    python -m tests.infra run [--only ...] [--tls] -- COMMAND...                 start, run COMMAND, stop

`up` writes DIR/services.env (DATABASE_URL, CACHE_URL, KAFKA_BROKERS); `run` exports the same
variables to COMMAND. Tests use the `services` fixture, which reuses those variables when they
are set and otherwise starts the servers for the session.

`--tls` serves TLS only, with a CA made for the run (tests/certs.py): PostgreSQL accepts only
`hostssl` connections, Redis only `rediss://`, Kafka an SSL and a SASL_SSL (SCRAM) listener. The
variables then also carry what a TLS client needs (CACHE_CA_FILE, KAFKA_SECURITY_PROTOCOL,
KAFKA_CA_FILE, KAFKA_SASL_*); the `tls_services` fixture reuses a set that `up --tls` wrote when
BACKEND_SCAFFOLD_TLS_SERVICES names its services.env.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from tests.certs import TlsFiles

KAFKA_VERSION = "4.4.0"
LOG4J_VERSION = "2.25.2"
CACHE = Path(os.environ.get("BACKEND_SCAFFOLD_CACHE", Path.home() / ".cache" / "backend-scaffold"))
DEFAULT_DIR = CACHE / "infra"
SERVICES = ("postgres", "redis", "kafka")
ENV_KEYS = {"postgres": "DATABASE_URL", "redis": "CACHE_URL", "kafka": "KAFKA_BROKERS"}
TOPICS = ("orders.events",)
# The SCRAM user of a TLS broker; its password is made per run.
KAFKA_SASL_USERNAME = "app"
KAFKA_SASL_MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256")


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
    # Variables a client needs beyond the URL (the CA file, the broker's security settings).
    env: dict[str, str] = field(default_factory=dict)


def checked(args: Sequence[str], what: str) -> str:
    """Run a command to completion; its stdout, or an InfraError naming `what` with its output."""
    result = subprocess.run(list(args), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise InfraError(f"{what} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def start_postgres(root: Path, tls: TlsFiles | None = None, *, tls_only: bool = True) -> Server:
    """initdb into a private directory, start on a free port, create the `app` role and database.

    With `tls` the server has `ssl=on` and, when `tls_only`, accepts TCP connections over TLS only.
    """
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
    checked(_as_unprivileged(initdb), "initdb")
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {data} -c fsync=off -c synchronous_commit=off"
    if tls is not None:
        options += _postgres_tls(data, tls, tls_only)
    pg_ctl = [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]
    try:
        checked(_as_unprivileged(pg_ctl), "pg_ctl start")
    except InfraError as error:
        raise InfraError(f"{error}\n{_tail(log)}") from None
    pid = int((data / "postmaster.pid").read_text().splitlines()[0])
    psql = [str(binaries / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1"]
    for statement in ("CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB", "CREATE DATABASE app OWNER app"):
        checked([*psql, "-c", statement], "creating the app role and database")
    query = "sslmode=disable" if tls is None else f"sslmode=verify-full&sslrootcert={tls.ca}"
    return Server(
        "postgres",
        f"postgres://app:app@127.0.0.1:{port}/app?{query}",
        pid,
        str(data),
        _as_unprivileged([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
        remove=str(data) if os.geteuid() == 0 else "",
    )


def _postgres_tls(data: Path, tls: TlsFiles, tls_only: bool) -> str:
    """Copy the certificate and key where the server's user owns them; the `-o` options that use them."""
    for source, target in ((tls.cert, "server.crt"), (tls.key, "server.key")):
        shutil.copyfile(source, data / target)
        (data / target).chmod(0o600)  # PostgreSQL refuses a key that others may read
        if os.geteuid() == 0:
            shutil.chown(data / target, "postgres")
    if tls_only:
        # Local socket connections stay for administration; TCP must be TLS.
        hba = "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n"
        (data / "pg_hba.conf").write_text(hba)
    return f" -c ssl=on -c ssl_cert_file={data / 'server.crt'} -c ssl_key_file={data / 'server.key'}"


def fresh_database(url: str, name: str) -> str:
    """An empty database `name` on the server of `url` (replacing one left by an earlier run); its URL."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", name):
        raise InfraError(f"not a plain database name: {name!r}")
    psql = [str(postgres_bin() / "psql"), url, "-v", "ON_ERROR_STOP=1"]
    checked([*psql, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], f"dropping database {name}")
    checked([*psql, "-c", f"CREATE DATABASE {name}"], f"creating database {name}")
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _redis_ping(port: int, tls: TlsFiles | None = None) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as raw:
            conn = (
                raw
                if tls is None
                else ssl.create_default_context(cafile=tls.ca).wrap_socket(raw, server_hostname="127.0.0.1")
            )
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(root: Path, tls: TlsFiles | None = None) -> Server:
    """redis-server without persistence on a free loopback port (the Dragonfly stand-in); TLS-only with `tls`."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise InfraError("redis-server is not installed: apt-get install redis-server")
    port = free_port()
    workdir = root / "redis"
    workdir.mkdir(parents=True)
    log = root / "redis.log"
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(workdir), "--logfile", str(log)]  # fmt: skip
    if tls is not None:
        args[1:3] = ["--port", "0", "--tls-port", str(port)]
        args += ["--tls-cert-file", str(tls.cert), "--tls-key-file", str(tls.key),
                 "--tls-ca-cert-file", str(tls.ca), "--tls-auth-clients", "no"]  # fmt: skip
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    _wait("redis", lambda: _redis_ping(port, tls), process, log, 30)
    if tls is None:
        return Server("redis", f"redis://127.0.0.1:{port}/0", process.pid, str(workdir))
    env = {"CACHE_CA_FILE": str(tls.ca)}
    return Server("redis", f"rediss://127.0.0.1:{port}/0", process.pid, str(workdir), env=env)


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


def kafka_client_config(env: Mapping[str, str]) -> dict[str, str]:
    """librdkafka settings for the broker that the contract's variables in `env` describe."""
    config = {"bootstrap.servers": env["KAFKA_BROKERS"]}
    protocol = env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    if protocol != "PLAINTEXT":
        config["security.protocol"] = protocol
    if env.get("KAFKA_CA_FILE"):
        config["ssl.ca.location"] = env["KAFKA_CA_FILE"]
    if protocol.startswith("SASL_"):
        config["sasl.mechanism"] = env.get("KAFKA_SASL_MECHANISM", "PLAIN")
        config["sasl.username"] = env.get("KAFKA_SASL_USERNAME", "")
        config["sasl.password"] = env.get("KAFKA_SASL_PASSWORD", "")
    return config


def _kafka_ready(config: Mapping[str, str]) -> bool:
    from confluent_kafka.admin import AdminClient

    host, _, port = config["bootstrap.servers"].rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        AdminClient({**config, "log_level": 0}).list_topics(timeout=2)
    except Exception:  # any client error means "not ready yet"
        return False
    return True


def create_topics(
    brokers: str, topics: Sequence[str], partitions: int = 3, config: Mapping[str, str] | None = None
) -> None:
    """Create topics explicitly (auto-creation is off, as on a production Redpanda); `config` for TLS."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({**(config or {}), "bootstrap.servers": brokers, "log_level": 3})
    existing = set(admin.list_topics(timeout=10).topics)
    wanted = [
        NewTopic(topic, num_partitions=partitions, replication_factor=1) for topic in topics if topic not in existing
    ]
    for future in admin.create_topics(wanted).values() if wanted else ():
        future.result(timeout=30)


_KAFKA_COMMON = """controller.listener.names=CONTROLLER
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
"""

_KAFKA_TLS = """inter.broker.listener.name=SSL
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
ssl.keystore.type=PKCS12
ssl.keystore.location={keystore}
ssl.keystore.password={password}
ssl.key.password={password}
ssl.truststore.type=PEM
ssl.truststore.location={ca}
ssl.client.auth=none
sasl.enabled.mechanisms={mechanisms}
"""

_SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule required;"


def _kafka_listeners(workdir: Path, tls: TlsFiles | None) -> tuple[str, dict[str, int]]:
    """server.properties lines for the client listeners, and their ports by name."""
    if tls is None:
        plain = (
            "inter.broker.listener.name=PLAINTEXT\n"
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\n"
        )
        return plain, {"PLAINTEXT": free_port()}
    ports = {"SSL": free_port(), "SASL_SSL": free_port()}
    from tests.certs import pkcs12_keystore

    password = secrets.token_hex(12)
    keystore = pkcs12_keystore(tls, workdir / "server.p12", password)
    lines = _KAFKA_TLS.format(
        keystore=keystore, password=password, ca=tls.ca, mechanisms=",".join(KAFKA_SASL_MECHANISMS)
    )
    for mechanism in KAFKA_SASL_MECHANISMS:
        lines += f"listener.name.sasl_ssl.{mechanism.lower()}.sasl.jaas.config={_SCRAM_LOGIN}\n"
    return lines, ports


def _kafka_properties(workdir: Path, tls: TlsFiles | None) -> dict[str, int]:
    """Write server.properties for one combined broker+controller; the client listeners' ports."""
    controller = free_port()
    lines, ports = _kafka_listeners(workdir, tls)
    listeners = ",".join(f"{name}://127.0.0.1:{port}" for name, port in [*ports.items(), ("CONTROLLER", controller)])
    head = [
        "process.roles=broker,controller",
        "node.id=1",
        f"controller.quorum.bootstrap.servers=127.0.0.1:{controller}",
        f"listeners={listeners}",
        f"advertised.listeners={listeners}",
        f"log.dirs={workdir / 'data'}",
    ]
    (workdir / "server.properties").write_text("\n".join(head) + "\n" + _KAFKA_COMMON + lines)
    return ports


def start_kafka(root: Path, tls: TlsFiles | None = None) -> Server:
    """A single-node KRaft broker+controller on free loopback ports (the Redpanda stand-in).

    With `tls` it has an SSL and a SASL_SSL listener (SCRAM users made at format time) and no
    plaintext one for clients; the URL is the SASL_SSL listener, and `KAFKA_SSL_BROKERS` (an
    infrastructure variable no service reads) names the SSL one.
    """
    workdir = root / "kafka"
    (workdir / "data").mkdir(parents=True)
    ports = _kafka_properties(workdir, tls)
    (workdir / "log4j2.xml").write_text(_LOG4J2)
    java = _kafka_java(workdir)
    cluster = _storage_tool(java, "random-uuid").strip()
    env = {} if tls is None else _kafka_tls_env(tls, ports)
    scram = [
        arg
        for mechanism in KAFKA_SASL_MECHANISMS
        if env
        for arg in ("--add-scram", f"{mechanism}=[name={KAFKA_SASL_USERNAME},password={env['KAFKA_SASL_PASSWORD']}]")
    ]
    properties = str(workdir / "server.properties")
    _storage_tool(java, "format", "--standalone", "--ignore-formatted", "-t", cluster, "-c", properties, *scram)
    brokers = f"127.0.0.1:{ports.get('SASL_SSL', ports.get('PLAINTEXT'))}"
    server = _launch_kafka(workdir, brokers, env)
    create_topics(server.url, TOPICS, config=kafka_client_config({**env, "KAFKA_BROKERS": server.url}))
    return server


def _kafka_tls_env(tls: TlsFiles, ports: dict[str, int]) -> dict[str, str]:
    return {
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_CA_FILE": str(tls.ca),
        "KAFKA_SASL_MECHANISM": KAFKA_SASL_MECHANISMS[0],
        "KAFKA_SASL_USERNAME": KAFKA_SASL_USERNAME,
        "KAFKA_SASL_PASSWORD": secrets.token_hex(16),
        "KAFKA_SSL_BROKERS": f"127.0.0.1:{ports['SSL']}",
    }


def _storage_tool(java: list[str], *args: str, attempts: int = 3) -> str:
    """Kafka's StorageTool's output; a failed run (seen once in CI, on a busy machine) is retried, and the
    last failure is raised with what the tool printed, which CalledProcessError alone would hide."""
    for attempt in range(attempts):
        if attempt:
            time.sleep(1)
        result = subprocess.run([*java, "kafka.tools.StorageTool", *args], check=False, capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout
    raise RuntimeError(
        f"kafka StorageTool {args[0]} exited {result.returncode} {attempts} times; last output:\n"
        f"{result.stdout[-2000:]}{result.stderr[-4000:]}"
    )


def _kafka_java(workdir: Path) -> list[str]:
    return [_java(), "-Xms256m", "-Xmx512m", f"-Dlog4j2.configurationFile={workdir / 'log4j2.xml'}",
            "-cp", f"{kafka_libs()}/*"]  # fmt: skip


def _launch_kafka(workdir: Path, brokers: str, env: dict[str, str]) -> Server:
    """Run the broker formatted in `workdir`; its log is appended beside it, so restarts keep history."""
    log = workdir.parent / "kafka.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*_kafka_java(workdir), "kafka.Kafka", str(workdir / "server.properties")],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    config = kafka_client_config({**env, "KAFKA_BROKERS": brokers})
    _wait("kafka", lambda: _kafka_ready(config), process, log, 120)
    return Server("kafka", brokers, process.pid, str(workdir), env=env)


class KafkaBroker:
    """A private broker that a test may halt (an outage: the process stops, the data stays) and resume."""

    def __init__(self, root: Path, tls: bool = False) -> None:
        self.server = start_kafka(root, _tls_files(root) if tls else None)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def env(self) -> dict[str, str]:
        """The contract's variables for a client of this broker (KAFKA_BROKERS, and TLS settings if any)."""
        return env_of([self.server])

    def halt(self) -> None:
        _terminate(self.server.pid)

    def resume(self) -> None:
        """Start again on the same ports and data directory; returns once the broker answers."""
        self.server = _launch_kafka(Path(self.server.workdir), self.server.url, self.server.env)


@contextlib.contextmanager
def kafka_broker(base: Path | None = None, *, tls: bool = False) -> Iterator[KafkaBroker]:
    """A broker for one test alone, so stopping it disturbs no other test; deleted afterwards.

    With `tls` it is a TLS broker (SASL_SSL, SCRAM) with a CA of its own: use `broker.env`.
    """
    root = Path(tempfile.mkdtemp(prefix="kafka-", dir=base))
    broker: KafkaBroker | None = None
    try:
        broker = KafkaBroker(root, tls)
        yield broker
    finally:
        if broker is not None:
            _terminate(broker.server.pid)
        shutil.rmtree(root, ignore_errors=True)


def _tls_files(root: Path) -> TlsFiles:
    from tests.certs import make_tls_files

    return make_tls_files(root / "tls")


STARTERS: dict[str, Callable[[Path, TlsFiles | None], Server]] = {
    "postgres": start_postgres, "redis": start_redis, "kafka": start_kafka,
}  # fmt: skip


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
            # A child of this process stays a zombie (and answers kill 0) until it is reaped.
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
        os.killpg(pid, signal.SIGKILL)


def env_of(servers: Sequence[Server]) -> dict[str, str]:
    """The variables generated services and tests read, for the servers that run."""
    return {
        key: value for server in servers for key, value in {ENV_KEYS[server.name]: server.url, **server.env}.items()
    }


def _start_all(only: Sequence[str], root: Path, tls: bool) -> list[Server]:
    """Start each server in `only` under `root` (all TLS-only with one CA when `tls`); stop them all on failure."""
    files = _tls_files(root) if tls else None
    servers: list[Server] = []
    try:
        for name in only:
            servers.append(STARTERS[name](root, files))
    except BaseException:
        for server in reversed(servers):
            stop(server)
        raise
    return servers


@contextlib.contextmanager
def running(only: Sequence[str] = SERVICES, base: Path | None = None, *, tls: bool = False) -> Iterator[dict[str, str]]:
    """Start the servers, yield their environment, and stop and delete everything afterwards.

    With `tls` every server speaks TLS only, and the environment says how to verify it.
    """
    root = Path(tempfile.mkdtemp(prefix="infra-", dir=base))
    root.chmod(0o755)
    try:
        servers = _start_all(only, root, tls)
        try:
            yield env_of(servers)
        finally:
            for server in reversed(servers):
                stop(server)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _state_file(directory: Path) -> Path:
    return directory / "state.json"


def up(only: Sequence[str], directory: Path, *, tls: bool = False) -> dict[str, str]:
    """Start servers that outlive this process (TLS-only with `tls`); `down` stops them."""
    if _state_file(directory).exists():
        raise InfraError(f"servers from an earlier `up` are recorded in {directory}; run `down` first")
    directory.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="infra-", dir=directory))
    root.chmod(0o755)
    try:
        servers = _start_all(only, root, tls)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    state = {"root": str(root), "servers": [server.__dict__ for server in servers]}
    _state_file(directory).write_text(json.dumps(state, indent=2))
    env = env_of(servers)
    (directory / "services.env").write_text("".join(f"{key}={_shell_word(value)}\n" for key, value in env.items()))
    return env


def _shell_word(value: str) -> str:
    """`value` as `. services.env` reads it: quoted only when the shell would split it (`&` in a URL)."""
    return value if re.fullmatch(r"[\w@%+=:,./?-]*", value) else shlex.quote(value)


def read_services_env(path: Path) -> dict[str, str]:
    """The variables a services.env written by `up` holds."""
    pairs = (shlex.split(line)[0].partition("=") for line in path.read_text().splitlines() if line.strip())
    return {key: value for key, _, value in pairs}


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
        command.add_argument("--tls", action="store_true", help="TLS-only servers with a CA made for the run")
        if name == "run":
            command.add_argument("argv", nargs=argparse.REMAINDER, help="-- COMMAND ARGS...")
    commands.add_parser("down").add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            for key, value in up(args.only, args.dir, tls=args.tls).items():
                print(f"{key}={value}")
            return 0
        if args.command == "down":
            print(f"stopped {down(args.dir)} server(s)", file=sys.stderr)
            return 0
        command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        if not command:
            parser.error("run needs a command after --")
        with running(args.only, tls=args.tls) as env:
            for key, value in env.items():
                print(f"{key}={value}", file=sys.stderr)
            return subprocess.run(command, env={**os.environ, **env}, check=False).returncode
    except InfraError as error:
        print(f"infra: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
