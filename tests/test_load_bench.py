"""bench/load.py --smoke on every stack: each route answers 2xx under wrk and the outbox drains.

Slow (marked e2e and infra): for each stack it generates the service, makes its release build and
its bare twin's, runs both, and puts each route under wrk for a few seconds against real
PostgreSQL, Redis and Kafka. Warm build caches: about 1 (go) to 3 (rust) minutes a stack.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from backend_scaffold.stacks import stack_ids
from tests.projects import require_toolchain

pytestmark = [pytest.mark.e2e, pytest.mark.infra]

ROOT = Path(__file__).resolve().parents[1]
ROUTES = {"GET /healthz", "GET /api/v1/users/me", "POST /api/v1/orders"}


def table_rows(stdout: str) -> list[list[str]]:
    """The cells of the table's body rows."""
    lines = [
        line for line in stdout.splitlines() if line.startswith("| ") and not line.startswith(("| route", "| ---"))
    ]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


@pytest.mark.parametrize("stack", stack_ids())
def test_smoke_run_finds_every_route_2xx_and_the_outbox_drained(
    stack: str, services: dict[str, str], tmp_path: Path
) -> None:
    require_toolchain(stack)
    missing = [tool for tool in ("wrk", "taskset", "redis-cli") if shutil.which(tool) is None]
    if missing and os.environ.get("CI"):
        pytest.fail(f"CI must install {missing} for the load benchmark")
    if missing:
        pytest.skip(f"{missing} not installed")
    env = {**os.environ, **services, "TMPDIR": str(tmp_path)}
    command = [sys.executable, str(ROOT / "bench" / "load.py"), "--smoke", "--stack", stack]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1800, check=False)
    assert result.returncode == 0, f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    rows = table_rows(result.stdout)
    assert {(row[0], row[2]) for row in rows} == {
        (route, server) for route in ROUTES for server in ("service", "bare twin")
    }
    for row in rows:
        assert row[1] == stack
        assert row[7] == "0", row
        assert float(row[3].replace(",", "")) > 0, row
    assert "FAILED" not in result.stderr


def test_logins_run_measures_the_probe_beside_a_baseline(services: dict[str, str], tmp_path: Path) -> None:
    """bench/logins.py end to end on the cheapest stack to build, against the checkout's own HEAD."""
    require_toolchain("python-fastapi")
    if shutil.which("taskset") is None:
        pytest.skip("taskset not installed (util-linux)")
    env = {**os.environ, **services, "TMPDIR": str(tmp_path)}
    command = [sys.executable, str(ROOT / "bench" / "logins.py"), "--stack", "python-fastapi",
               "--logins", "2", "--seconds", "2", "--baseline", "HEAD"]  # fmt: skip
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900, check=False)

    assert result.returncode == 0, f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    rows = [line.split("  ") for line in result.stdout.splitlines()[1:]]
    templates = [[cell for cell in row if cell][1].strip() for row in rows]
    assert templates == ["HEAD", "this checkout"], result.stdout
    for row in rows:
        cells = [cell.strip() for cell in row if cell.strip()]
        assert float(cells[2]) > 0, row  # logins per second: every login answered 200
        assert all(cell.endswith(" ms") for cell in cells[3:8]), row
    assert "FAILED" not in result.stderr
    assert "refused" not in result.stderr
