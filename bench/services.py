#!/usr/bin/env python3
"""Build time, start-up time and idle memory of each stack's generated service.

For every stack the script generates one project (answers: --variant), then measures:

- cold build: the release artifact from no build output, dependencies already downloaded
  (a fresh CARGO_TARGET_DIR, GOCACHE, Maven target/ or virtual environment; ~/.cargo/registry,
  the Go module cache, ~/.m2 and uv's cache are kept: "cold" means compiling, not downloading);
- warm build: the same build again after one source file changed;
- start-up: from launching the artifact (not `make run`, whose build check is not start-up)
  to the first `200` from /readyz, with every dependency of the answers connected;
- idle memory: the service process's resident set 10 s after it became ready;
- the image (unless --no-images, or podman is missing): `make docker` with the project's own
  Dockerfile on the stand-in bases of tests/images.py (build caches shared, so about a warm
  build), the image's size, and a container's start-up from `podman run` to the first ready
  /readyz (host network, the same servers and answers).

Start-up and memory are medians over --runs launches; builds run once each (a cold Rust build
takes minutes on 2 cores). PostgreSQL, Redis and Kafka run on loopback via tests/infra.py, so
run it from a checkout with the test extras installed:

    python bench/services.py [--stacks go-connectrpc,rust-axum] [--runs 5] [--variant all-off]
                             [--no-cold] [--no-images]

Quote figures only from an otherwise idle machine: every number here is wall-clock time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import images, infra  # noqa: E402 (the checkout's test infrastructure)
from tests.projects import VARIANTS, generate, toolchain_env  # noqa: E402

STACKS = ("go-connectrpc", "rust-axum", "java-spring", "python-fastapi")
IDLE_SECONDS = 10
READY_DEADLINE_SECONDS = 180


@dataclass(frozen=True)
class Recipe:
    """How one stack builds its release artifact, what a cold build starts from, how it runs."""

    build: list[str]
    edit: str  # glob of the source file a warm build changes (a comment appended)
    comment: str
    cold: Callable[[Path, dict[str, str], Path], None]  # forget build output; scratch dir given
    launch: Callable[[Path, dict[str, str]], list[str]]


def _cold_go(project: Path, env: dict[str, str], scratch: Path) -> None:
    env["GOCACHE"] = str(scratch / "gocache")
    shutil.rmtree(project / "bin", ignore_errors=True)


def _cold_rust(project: Path, env: dict[str, str], scratch: Path) -> None:
    env["CARGO_TARGET_DIR"] = str(scratch / "target")


def _cold_java(project: Path, env: dict[str, str], scratch: Path) -> None:
    shutil.rmtree(project / "target", ignore_errors=True)


def _cold_python(project: Path, env: dict[str, str], scratch: Path) -> None:
    shutil.rmtree(project / ".venv", ignore_errors=True)


RECIPES = {
    "go-connectrpc": Recipe(
        ["make", "build"],
        "internal/config/config.go",
        "//",
        _cold_go,
        lambda project, env: [str(project / "bin" / project.name)],
    ),
    "rust-axum": Recipe(
        ["make", "build"],
        "src/main.rs",
        "//",
        _cold_rust,
        lambda project, env: [str(Path(env["CARGO_TARGET_DIR"]) / "release" / project.name.replace("-", "_"))],
    ),
    "java-spring": Recipe(
        ["make", "build"],
        "src/main/java/**/Application.java",
        "//",
        _cold_java,
        lambda project, env: ["java", "-jar", str(next((project / "target").glob("*-SNAPSHOT.jar")))],
    ),
    "python-fastapi": Recipe(
        ["make", "sync"],
        "src/*/config.py",
        "#",
        _cold_python,
        lambda project, env: [str(project / ".venv" / "bin" / "python"), "-m", project.name.replace("-", "_")],
    ),
}


def dotenv(project: Path) -> dict[str, str]:
    """The project's .env, as `make run` would see it (the process environment wins)."""
    values: dict[str, str] = {}
    path = project / ".env"
    if path.is_file():
        for line in path.read_text().splitlines():
            match = re.fullmatch(r"\s*([A-Z][A-Z0-9_]*)=(.*)", line)
            if match:
                values[match[1]] = match[2].strip().strip("'\"")
    return values


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {cwd}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return elapsed


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def wait_ready(port: int, started: float, exited: Callable[[], bool], what: str) -> float:
    """Seconds from `started` to the first `200` from /readyz on `port`."""
    deadline = started + READY_DEADLINE_SECONDS
    while True:
        if exited():
            raise SystemExit(f"{what} exited before it was ready")
        if time.perf_counter() > deadline:
            raise SystemExit(f"{what} was not ready in {READY_DEADLINE_SECONDS}s")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.05)


def launch_once(command: list[str], project: Path, env: dict[str, str], log: Path) -> tuple[float, float]:
    """Seconds from exec to the first ready /readyz, and MiB resident after idling."""
    port = infra.free_port()
    with log.open("w") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=project, env={**env, "APP_PORT": str(port)}, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        ready = wait_ready(port, started, lambda: process.poll() is not None, f"{command[0]} (see {log})")
        time.sleep(IDLE_SECONDS)
        return ready, resident_mib(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def podman(*args: str) -> str:
    result = subprocess.run([images.podman(), *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"podman {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip()


def container_once(tag: str, config: dict[str, str]) -> float:
    """Seconds from `podman run` of `tag` to its first ready /readyz (host network)."""
    port, name = infra.free_port(), f"bench-{os.getpid()}-{time.monotonic_ns()}"
    flags = [arg for key, value in {**config, "APP_PORT": str(port)}.items() for arg in ("--env", f"{key}={value}")]
    started = time.perf_counter()
    podman("run", "--detach", "--name", name, "--network", "host", *flags, tag)

    def stopped() -> bool:
        return podman("inspect", "--format", "{{.State.Running}}", name) != "true"

    try:
        return wait_ready(port, started, stopped, f"container {name} of {tag}")
    finally:
        subprocess.run([images.podman(), "rm", "--force", "--time", "30", name], capture_output=True, check=False)


def image_figures(stack: str, project: Path, env: dict[str, str], config: dict[str, str], runs: int) -> list[str]:
    """Build seconds, size in MiB and median container start-up of the project's own image."""
    images.prepare(images.FOR_STACK[stack])
    tag = f"localhost/backend-scaffold-bench/{stack}:{os.getpid()}"
    build_seconds = timed(["make", "docker", f"IMAGE={tag}"], project, env)
    try:
        size = int(podman("image", "inspect", "--format", "{{.Size}}", tag)) / 2**20
        ready = statistics.median(container_once(tag, config) for _ in range(runs))
    finally:
        subprocess.run([images.podman(), "rmi", "--force", tag], capture_output=True, check=False)
    return [f"{build_seconds:.1f}", f"{size:.0f}", f"{ready:.2f}"]


def measure(
    stack: str, *, variant: str, runs: int, cold: bool, with_images: bool, services: dict[str, str], scratch: Path
) -> list[str]:
    recipe = RECIPES[stack]
    env = toolchain_env()
    parent = scratch / stack
    parent.mkdir()
    project = generate(parent, stack, VARIANTS[variant], env)

    build_env = dict(env)
    if cold:
        recipe.cold(project, build_env, scratch / f"{stack}-cold")
    first_build = timed(recipe.build, project, build_env)
    cold_seconds = first_build if cold else None
    edited = next(project.glob(recipe.edit))
    edited.write_text(edited.read_text() + f"{recipe.comment} changed for a warm build\n")
    warm_seconds = timed(recipe.build, project, build_env)

    database = infra.fresh_database(services["DATABASE_URL"], re.sub(r"\W", "_", f"bench_{stack}"))
    run_env = {**dotenv(project), **build_env, **services, "DATABASE_URL": database}
    command = recipe.launch(project, build_env)
    samples = [launch_once(command, project, run_env, scratch / f"{stack}-{n}.log") for n in range(runs)]
    ready = statistics.median(sample[0] for sample in samples)
    memory = statistics.median(sample[1] for sample in samples)
    # The container gets the project's own settings and the servers, not this machine's environment.
    config = {**dotenv(project), **services, "DATABASE_URL": database}
    image = image_figures(stack, project, build_env, config, runs) if with_images else ["-", "-", "-"]
    return [
        stack,
        f"{cold_seconds:.1f}" if cold_seconds is not None else "-",
        f"{warm_seconds:.1f}",
        f"{ready:.2f}",
        f"{memory:.0f}",
        *image,
    ]


def main() -> None:
    # SIGTERM unwinds like Ctrl-C, so every `finally` stops the servers and containers started.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", default=",".join(STACKS))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="defaults")
    parser.add_argument("--no-cold", dest="cold", action="store_false", help="skip the cold builds")
    parser.add_argument("--no-images", dest="images", action="store_false", help="skip the container images")
    options = parser.parse_args()
    stacks = [stack.strip() for stack in options.stacks.split(",") if stack.strip()]
    unknown = sorted(set(stacks) - set(STACKS))
    if unknown:
        parser.error(f"--stacks: unknown {', '.join(unknown)}; choose from {', '.join(STACKS)}")

    with_images = options.images and shutil.which("podman") is not None
    if options.images and not with_images:
        print("podman not installed: no image figures (apt-get install podman runc debootstrap)", file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-services-") as scratch, infra.running() as services:
        for stack in stacks:
            rows.append(
                measure(
                    stack,
                    variant=options.variant,
                    runs=options.runs,
                    cold=options.cold,
                    with_images=with_images,
                    services=services,
                    scratch=Path(scratch),
                )
            )
            print(f"measured {stack}", file=sys.stderr)

    header = ["stack", "cold build s", "warm build s", "start-up s", "idle RSS MiB", "image build s", "image MiB",
              "container start-up s"]  # fmt: skip
    print(f"\n{options.variant} answers, {os.cpu_count()} cores; start-up and memory: median of {options.runs}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(" --- " for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
