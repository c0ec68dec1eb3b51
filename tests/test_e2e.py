"""End to end: generate each stack, then build, lint, test and run it with its own toolchain.

Slow (marked e2e). Build caches are shared across projects: one CARGO_TARGET_DIR, the Go build
cache, ~/.m2 and uv's cache, so the second variant of a stack reuses the first one's work. The
projects' own tests and `make run` get the real PostgreSQL, Redis and Kafka of tests/infra.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests import infra
from tests.projects import TOOLS, VARIANTS, generate, require_toolchain, run, served, toolchain_env

pytestmark = pytest.mark.e2e

# Beyond the suite's two answer sets: no database with everything else on, where orders and the
# event outbox live in process memory and the relay still publishes to the broker.
ANSWER_SETS = {**VARIANTS, "memory-events": ["database=none"]}
CASES = [pytest.param(stack, toggles, id=f"{stack}-{name}") for stack in TOOLS for name, toggles in ANSWER_SETS.items()]


@pytest.mark.parametrize(("stack", "toggles"), CASES)
def test_generated_project_builds_lints_tests_and_serves(
    tmp_path: Path, services: dict[str, str], stack: str, toggles: list[str]
) -> None:
    require_toolchain(stack)
    env = toolchain_env()
    project = generate(tmp_path, stack, toggles, env)
    database = infra.fresh_database(services["DATABASE_URL"], re.sub(r"\W", "_", f"e2e_{stack}_{len(toggles)}"))
    env = {**env, **services, "DATABASE_URL": database}
    run(["make", "lint"], project, env)
    run(["make", "test"], project, env)
    with served(project, env, tmp_path / "logs") as service:
        with urllib.request.urlopen(f"{service.url}/healthz", timeout=5) as health:  # noqa: S310 (loopback)
            assert json.loads(health.read()).get("status") in {"ok", "UP"}
        with urllib.request.urlopen(f"{service.url}/readyz", timeout=5) as ready:  # noqa: S310
            assert ready.status == 200
        service.stop_gracefully()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, check=True)
    assert status.stdout == "", "building must not dirty the generated tree (outputs belong in .gitignore)"
