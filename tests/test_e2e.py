"""End to end: generate each stack, then build, lint, test and run it with its own toolchain.

Slow (marked e2e). Build caches are shared across projects: one CARGO_TARGET_DIR, the Go build
cache, ~/.m2 and uv's cache, so the second variant of a stack reuses the first one's work.
"""

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
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ALL_OFF = ["database=none", "cache=none", "messaging=none", "auth=none", "ci=none"]
TOOLS = {
    "go-connectrpc": ["go", "make"],
    "rust-axum": ["cargo", "make"],
    "java-spring": ["java", "mvn", "make"],
    "python-fastapi": ["uv", "make"],
}
CASES = [
    pytest.param(stack, toggles, id=f"{stack}-{name}")
    for stack in TOOLS
    for name, toggles in (("defaults", []), ("all-off", ALL_OFF))
]


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


def _require(stack: str) -> None:
    missing = [tool for tool in TOOLS[stack] if shutil.which(tool) is None]
    if missing and os.environ.get("CI"):
        pytest.fail(f"CI must install {missing} for {stack}")
    if missing:
        pytest.skip(f"{missing} not installed")


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 1800) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    elapsed = time.monotonic() - started
    sys.stderr.write(f"[e2e] {' '.join(args)} in {cwd.name}: exit {result.returncode} after {elapsed:.1f}s\n")
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    return result


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_healthy(url: str, process: subprocess.Popen[str], deadline: float) -> dict[str, object]:
    while time.monotonic() < deadline:
        assert process.poll() is None, f"`make run` exited early with {process.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback only)
                body: dict[str, object] = json.loads(response.read())
                return body
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer in time")


def _serve_and_stop(project: Path, env: dict[str, str]) -> None:
    """`make run` as a user would; /healthz and /readyz answer; SIGTERM stops it cleanly."""
    port = _free_port()
    run_env = {**env, "APP_PORT": str(port)}
    process = subprocess.Popen(
        ["make", "run"], cwd=project, env=run_env, start_new_session=True, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        health = _wait_healthy(f"http://127.0.0.1:{port}/healthz", process, time.monotonic() + 300)
        assert health.get("status") in {"ok", "UP"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as ready:
            assert ready.status == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise


@pytest.mark.parametrize(("stack", "toggles"), CASES)
def test_generated_project_builds_lints_tests_and_serves(tmp_path: Path, stack: str, toggles: list[str]) -> None:
    _require(stack)
    env = toolchain_env()
    data = [arg for toggle in toggles for arg in ("--data", toggle)]
    generate = [sys.executable, "-m", "backend_scaffold", "new", "orders-service", "--stack", stack, "--defaults"]
    result = _run([*generate, *data, "--json"], tmp_path, env)
    steps = json.loads(result.stdout)["steps"]
    assert all(step["status"] == "ok" for step in steps), steps
    project = tmp_path / "orders-service"
    _run(["make", "lint"], project, env)
    _run(["make", "test"], project, env)
    _serve_and_stop(project, env)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, check=True)
    assert status.stdout == "", "building must not dirty the generated tree (outputs belong in .gitignore)"
