"""Generate projects with the real CLI and run them as a user would (`make run`)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ALL_OFF = ["database=none", "cache=none", "messaging=none", "auth=none", "ci=none"]
VARIANTS = {"defaults": [], "all-off": ALL_OFF}
TOOLS = {
    "go-connectrpc": ["go", "make"],
    "rust-axum": ["cargo", "make"],
    "java-spring": ["java", "mvn", "make"],
    "python-fastapi": ["uv", "make"],
}


def toolchain_env() -> dict[str, str]:
    """The environment generated projects build in: shared caches, no interpreter downloads."""
    env = dict(os.environ)
    cache = Path(env.get("BACKEND_SCAFFOLD_CACHE", Path.home() / ".cache" / "backend-scaffold"))
    env.setdefault("CARGO_TARGET_DIR", str(cache / "cargo-target"))
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env.setdefault("CARGO_TERM_COLOR", "never")
    env.setdefault("NO_COLOR", "1")
    newest_jdk = Path("/usr/lib/jvm/temurin-25-jdk-amd64")
    if "JAVA_HOME" not in env and newest_jdk.is_dir():
        env["JAVA_HOME"] = str(newest_jdk)
        env["PATH"] = f"{newest_jdk / 'bin'}{os.pathsep}{env['PATH']}"
    return env


def require_toolchain(stack: str) -> None:
    missing = [tool for tool in TOOLS[stack] if shutil.which(tool) is None]
    if missing and os.environ.get("CI"):
        pytest.fail(f"CI must install {missing} for {stack}")
    if missing:
        pytest.skip(f"{missing} not installed")


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 1800) -> subprocess.CompletedProcess[str]:
    """Run a command to completion, logging its duration; fail the test with its output if it fails."""
    started = time.monotonic()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    elapsed = time.monotonic() - started
    sys.stderr.write(f"[project] {' '.join(args)} in {cwd.name}: exit {result.returncode} after {elapsed:.1f}s\n")
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    return result


def generate(parent: Path, stack: str, toggles: list[str], env: dict[str, str], name: str = "orders-service") -> Path:
    """`backend-scaffold new` with defaults plus `toggles`; every post-render step must succeed."""
    data = [arg for toggle in toggles for arg in ("--data", toggle)]
    command = [sys.executable, "-m", "backend_scaffold", "new", name, "--stack", stack, "--defaults", *data, "--json"]
    result = run(command, parent, env)
    steps = json.loads(result.stdout)["steps"]
    assert all(step["status"] == "ok" for step in steps), steps
    return parent / name


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, parents before children (read from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: list[int] = []
    queue = [pid]
    while queue:
        for child in children.get(queue.pop(0), []):
            found.append(child)
            queue.append(child)
    return found


@dataclass
class RunningService:
    """A generated project served by `make run`."""

    project: Path
    url: str
    process: subprocess.Popen[str]
    output: Path
    env: dict[str, str] = field(default_factory=dict)

    def log(self) -> str:
        return self.output.read_text(errors="replace")[-8000:]

    def stop_gracefully(self, timeout: float = 60) -> int:
        """SIGTERM to the service process itself (not make or the launcher); make's exit status."""
        below = descendants(self.process.pid)
        target = below[-1] if below else self.process.pid
        os.kill(target, signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


# `make run` may compile first: a cold Rust build (librdkafka's C sources included) on 2 cores
# takes minutes, and the conformance suite can be the first to build a stack.
STARTUP_DEADLINE_SECONDS = 1200


def wait_healthy(service: RunningService, deadline_seconds: float = STARTUP_DEADLINE_SECONDS) -> dict[str, object]:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise AssertionError(f"`make run` exited early with {service.process.returncode}:\n{service.log()}")
        try:
            with urllib.request.urlopen(f"{service.url}/healthz", timeout=2) as response:  # noqa: S310 (loopback)
                body: dict[str, object] = json.loads(response.read())
                return body
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{service.url}/healthz did not answer in time:\n{service.log()}")


def spawn(project: Path, env: dict[str, str], log_dir: Path) -> RunningService:
    """`make run` on a free port in a session of its own; the caller waits for it and kills it."""
    port = free_port()
    run_env = {**env, "APP_PORT": str(port)}
    log_dir.mkdir(parents=True, exist_ok=True)
    output = log_dir / f"run-{port}-{uuid.uuid4().hex[:6]}.log"
    with output.open("w") as sink:
        process = subprocess.Popen(
            ["make", "run"], cwd=project, env=run_env, start_new_session=True, text=True,
            stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return RunningService(project, f"http://127.0.0.1:{port}", process, output, run_env)


@contextmanager
def served(project: Path, env: dict[str, str], log_dir: Path) -> Iterator[RunningService]:
    """`make run` on a free port; yields once /healthz answers; kills it if the test did not stop it."""
    service = spawn(project, env, log_dir)
    try:
        wait_healthy(service)
        yield service
    finally:
        service.kill()
