"""The servers bench/load.py measures: each stack's generated service and its bare twin.

A twin (bench/twins/<stack>/) is built beside the generated project from the project's own
manifests, so it cannot drift from the template's versions: Go copies go.mod and go.sum, Rust
Cargo.toml, Cargo.lock and the release profile, Java takes the Spring Boot parent and Java
version from pom.xml, and Python runs in the project's own `uv sync --locked` environment.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from services import RECIPES, resident_mib, timed

from tests.infra import free_port

TWINS = Path(__file__).resolve().parent / "twins"
JDK = Path("/usr/lib/jvm/temurin-25-jdk-amd64")
READY_SECONDS = 300


def build_env(env: dict[str, str]) -> dict[str, str]:
    """The toolchain environment, with JDK 25 and the installed Maven (the wrapper would download one)."""
    built = {**env, "MVN": "mvn"}
    if JDK.is_dir():
        built["JAVA_HOME"] = str(JDK)
        built["PATH"] = f"{JDK / 'bin'}{os.pathsep}{env['PATH']}"
    return built


def build_service(stack: str, project: Path, env: dict[str, str]) -> list[str]:
    """The generated project's release build (its own `make` target); the command that serves it."""
    recipe = RECIPES[stack]
    timed(recipe.build, project, env)
    return recipe.launch(project, env)


def _twin_go(project: Path, work: Path, env: dict[str, str]) -> list[str]:
    module = re.sub(r"(?m)^module .*$", "module loadtwin", (project / "go.mod").read_text())
    (work / "go.mod").write_text(module)
    shutil.copy(project / "go.sum", work / "go.sum")
    shutil.copy(TWINS / "go-connectrpc" / "main.go", work / "main.go")
    # The template's `make build` flags.
    timed(["go", "build", "-trimpath", "-ldflags=-s -w", "-o", "twin", "."], work, {**env, "CGO_ENABLED": "0"})
    return [str(work / "twin")]


def _twin_rust(project: Path, work: Path, env: dict[str, str]) -> list[str]:
    manifest = re.sub(r'(?m)^name = ".*"$', 'name = "load-twin"', (project / "Cargo.toml").read_text(), count=1)
    (work / "Cargo.toml").write_text(manifest)
    shutil.copy(project / "Cargo.lock", work / "Cargo.lock")
    (work / "src").mkdir(exist_ok=True)
    shutil.copy(TWINS / "rust-axum" / "main.rs", work / "src" / "main.rs")
    # Not --locked: the lock names the project's package; every dependency keeps its locked version.
    timed(["cargo", "build", "--release", "--quiet"], work, env)
    return [str(Path(env["CARGO_TARGET_DIR"]) / "release" / "load-twin")]


def spring_versions(pom: str) -> dict[str, str]:
    """The Spring Boot parent version and Java version a generated pom.xml pins."""
    boot = re.search(r"<artifactId>spring-boot-starter-parent</artifactId>\s*<version>([^<]+)</version>", pom)
    java = re.search(r"<java.version>([^<]+)</java.version>", pom)
    if boot is None or java is None:
        raise RuntimeError("the generated pom.xml names no Spring Boot parent or java.version")
    return {"@SPRING_BOOT_VERSION@": boot[1], "@JAVA_VERSION@": java[1]}


def _twin_java(project: Path, work: Path, env: dict[str, str]) -> list[str]:
    shutil.copytree(TWINS / "java-spring" / "src", work / "src", dirs_exist_ok=True)
    pom = (TWINS / "java-spring" / "pom.xml.in").read_text()
    for placeholder, value in spring_versions((project / "pom.xml").read_text()).items():
        pom = pom.replace(placeholder, value)
    (work / "pom.xml").write_text(pom)
    timed(["mvn", "-B", "-q", "package", "-DskipTests"], work, env)
    return ["java", "-jar", str(work / "target" / "load-twin-0.1.0-SNAPSHOT.jar")]


def _twin_python(project: Path, work: Path, env: dict[str, str]) -> list[str]:
    # The project's environment is already synced by its own build (`make sync`).
    return [str(project / ".venv" / "bin" / "python"), str(TWINS / "python-fastapi" / "twin.py")]


TWIN_BUILDERS: dict[str, Callable[[Path, Path, dict[str, str]], list[str]]] = {
    "go-connectrpc": _twin_go,
    "rust-axum": _twin_rust,
    "java-spring": _twin_java,
    "python-fastapi": _twin_python,
}


def build_twin(stack: str, project: Path, work: Path, env: dict[str, str]) -> list[str]:
    """Build the stack's twin in `work` from the generated project's manifests; the command that serves it."""
    work.mkdir(parents=True, exist_ok=True)
    return TWIN_BUILDERS[stack](project, work, env)


def twin_env(stack: str, database_url: str, cache_url: str, secret: str, issuer: str) -> dict[str, str]:
    """What a twin reads: the URLs (as Spring properties for Java), the token secret and issuer."""
    values = {"DATABASE_URL": database_url, "CACHE_URL": cache_url, "JWT_SECRET": secret, "JWT_ISSUER": issuer}
    if stack == "java-spring":
        parts = urlsplit(database_url)
        query = f"?{parts.query}" if parts.query else ""
        values["SPRING_DATASOURCE_URL"] = f"jdbc:postgresql://{parts.hostname}:{parts.port}{parts.path}{query}"
        values["SPRING_DATASOURCE_USERNAME"] = parts.username or ""
        values["SPRING_DATASOURCE_PASSWORD"] = parts.password or ""
        values["SPRING_DATA_REDIS_URL"] = cache_url
    return values


@dataclass
class Server:
    """A server process pinned to core 1, on its own port."""

    command: list[str]
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def rss_mib(self) -> float:
        return resident_mib(self.process.pid)

    def stop(self) -> int:
        """SIGTERM, then SIGKILL after 60 s; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start(command: list[str], cwd: Path, env: dict[str, str], log: Path, ready: str) -> Server:
    """Launch `command` on core 1 and a free port (taskset execs it: the pid is the server's); wait for `ready`."""
    port = free_port()
    with log.open("w") as sink:
        process = subprocess.Popen(["taskset", "-c", "1", *command], cwd=cwd, env={**env, "APP_PORT": str(port)},
                                   stdout=sink,
                                   stderr=subprocess.STDOUT)  # fmt: skip
    server = Server(command, f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command[0]} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(server.url + ready, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{command[0]} did not answer {ready} in {READY_SECONDS}s:\n{log.read_text()[-3000:]}")
