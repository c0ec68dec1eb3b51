"""Each generated Dockerfile, built with `make docker` and served as a container.

The base images are stand-ins made by `python -m tests.images prepare` (this machine reaches no
container registry): they prove the Dockerfile's logic — stages, paths, cache mounts, the
non-root user, the entrypoint — and that the image serves against real PostgreSQL, Redis and
Kafka on the host; the published bases differ in detail (tests/images.py says how). Podman builds
here, as `make docker` picks it when no Docker daemon answers.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import images, infra
from tests.projects import free_port, generate, require_toolchain, run, toolchain_env

pytestmark = [pytest.mark.e2e, pytest.mark.infra]

# The stacks whose images are built here: all four.
BUILT = ("go-connectrpc", "python-fastapi", "java-spring", "rust-axum")
SHUTDOWN_TIMEOUT = 10
# Executables that are build tools, not runtime: none may be in a service image.
COMPILERS = {"go", "gofmt", "gcc", "cc", "g++", "c++", "rustc", "cargo", "javac", "clang", "uv"}


def _podman(*args: str, check: bool = True) -> str:
    result = subprocess.run(["podman", *args], capture_output=True, text=True, check=False, timeout=600)
    assert not check or result.returncode == 0, f"podman {' '.join(args)}: {result.stderr[-3000:]}"
    return result.stdout.strip()


def _state(container: str) -> dict[str, Any]:
    """The container's State as `podman inspect` reports it (Running, ExitCode, Pid ...)."""
    state: dict[str, Any] = json.loads(_podman("inspect", container))[0]["State"]
    return state


@pytest.fixture(scope="session")
def stand_ins() -> None:
    if shutil.which("podman") is None or shutil.which("debootstrap") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install podman, runc and debootstrap (see .ci/run)")
        pytest.skip("podman and debootstrap not installed: apt-get install podman runc debootstrap")
    keys = [key for stack in BUILT for key in images.FOR_STACK[stack]]
    images.prepare(keys)


@pytest.fixture
def image(request: pytest.FixtureRequest, tmp_path: Path, stand_ins: None) -> Iterator[tuple[str, Path]]:
    """A default project of the stack, and the image its `make docker` built."""
    stack: str = request.param
    require_toolchain(stack)
    env = toolchain_env()
    project = generate(tmp_path, stack, [], env)
    tag = f"localhost/backend-scaffold-test/{stack}:{uuid.uuid4().hex[:8]}"
    run(["make", "docker", f"IMAGE={tag}"], project, env)
    try:
        yield tag, project
    finally:
        _podman("rmi", "--force", tag, check=False)


@contextmanager
def _mounted(tag: str) -> Iterator[Path]:
    root = Path(_podman("image", "mount", tag))
    try:
        yield root
    finally:
        _podman("image", "unmount", tag, check=False)


def _test_files(project: Path) -> dict[int, set[str]]:
    """The project's own test sources, as size -> content digests (names can repeat in libraries)."""
    found: dict[int, set[str]] = {}
    for path in project.rglob("*"):
        relative = path.relative_to(project).as_posix()
        is_test = relative.startswith(("tests/", "src/test/")) or path.name.endswith("_test.go")
        if path.is_file() and is_test and path.stat().st_size > 64:
            found.setdefault(path.stat().st_size, set()).add(hashlib.sha256(path.read_bytes()).hexdigest())
    return found


def _is_compiler(path: Path) -> bool:
    return path.name in COMPILERS and path.is_file() and os.access(path, os.X_OK)


def _is_test_copy(path: Path, tests: dict[int, set[str]]) -> bool:
    if path.is_symlink() or not path.is_file() or path.stat().st_size not in tests:
        return False
    return hashlib.sha256(path.read_bytes()).hexdigest() in tests[path.stat().st_size]


def _uid(pid: int) -> str:
    """The real user id of a process, as the host sees it."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return next(line.split()[1] for line in status if line.startswith("Uid:"))


def _check_contents(tag: str, project: Path) -> None:
    tests = _test_files(project)
    assert tests, "the generated project has no test files to look for"
    with _mounted(tag) as root:
        leftovers: list[str] = []
        for path in root.rglob("*"):
            inside = "/" + path.relative_to(root).as_posix()
            if path.name in {".git", ".env"} or _is_compiler(path) or _is_test_copy(path, tests):
                leftovers.append(inside)
        assert not leftovers, f"the image holds build-only files: {leftovers[:20]}"


def _logs(name: str) -> str:
    """What the container wrote to stdout and stderr, interleaved."""
    result = subprocess.run(
        ["podman", "logs", name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )
    return result.stdout


def _check_json_lines(log: str) -> None:
    """Every line the container wrote, start-up included, is one JSON object (a log shipper's view)."""
    for line in filter(None, log.splitlines()):
        try:
            assert isinstance(json.loads(line), dict), line
        except json.JSONDecodeError:
            pytest.fail(f"a log line is not JSON: {line[:300]!r}")


def _wait_ready(url: str, name: str, deadline: float = 90) -> None:
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        state = _state(name)
        assert state["Running"], f"the container exited ({state['ExitCode']}):\n{_logs(name)[-4000:]}"
        time.sleep(0.5)
    pytest.fail(f"{url}/readyz not ready within {deadline}s:\n{_logs(name)[-4000:]}")


def _round_trip(url: str) -> None:
    email, password = f"image-{uuid.uuid4().hex[:10]}@example.com", "correct-horse-battery"
    body = {"email": email, "password": password, "name": "Image"}
    assert httpx.post(f"{url}/api/v1/auth/register", json=body, timeout=10).status_code == 201
    login = httpx.post(f"{url}/api/v1/auth/login", json={"email": email, "password": password}, timeout=10)
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    order = {"currency": "EUR", "items": [{"sku": "PEN-1", "name": "Pen", "quantity": 2, "unit_price_cents": 250}]}
    created = httpx.post(f"{url}/api/v1/orders", json=order, headers=headers, timeout=10)
    assert created.status_code == 201, created.text
    fetched = httpx.get(f"{url}/api/v1/orders/{created.json()['id']}", headers=headers, timeout=10)
    assert fetched.status_code == 200 and fetched.json()["total_cents"] == 500, fetched.text


@pytest.mark.parametrize("image", BUILT, indirect=True)
def test_image_serves_as_non_root_and_stops_cleanly(image: tuple[str, Path], services: dict[str, str]) -> None:
    tag, project = image
    _check_contents(tag, project)
    port, name = free_port(), f"bs-image-{uuid.uuid4().hex[:8]}"
    database = infra.fresh_database(services["DATABASE_URL"], name.replace("-", "_"))
    variables = {
        **services, "DATABASE_URL": database, "APP_PORT": str(port), "JWT_SECRET": secrets.token_urlsafe(48),
        "SHUTDOWN_TIMEOUT": str(SHUTDOWN_TIMEOUT), "LOG_LEVEL": "info",
    }  # fmt: skip
    flags = [arg for key, value in variables.items() for arg in ("--env", f"{key}={value}")]
    _podman("run", "--detach", "--name", name, "--network", "host", *flags, tag)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, name)
        assert httpx.get(f"{url}/healthz", timeout=5).json() == {"status": "ok"}
        pid = _state(name)["Pid"]
        assert _uid(pid) != "0", "the service runs as root"
        _round_trip(url)
        started = time.monotonic()
        _podman("stop", "--time", str(SHUTDOWN_TIMEOUT + 20), name)
        elapsed = time.monotonic() - started
        state = _state(name)
        assert state["ExitCode"] == 0, f"exit {state['ExitCode']} on SIGTERM:\n{_logs(name)[-3000:]}"
        assert elapsed < SHUTDOWN_TIMEOUT, f"SIGTERM took {elapsed:.1f}s (SHUTDOWN_TIMEOUT={SHUTDOWN_TIMEOUT})"
        _check_json_lines(_logs(name))
    finally:
        _podman("rm", "--force", name, check=False)
