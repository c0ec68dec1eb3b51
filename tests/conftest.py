"""Shared helpers: run the real CLI in a subprocess, in temporary folders only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CliRunner = Callable[..., subprocess.CompletedProcess[str]]
_HYPOTHESIS_HOME: list[Path] = []


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis keeps caches in ./.hypothesis (even at collection); tests never write there."""
    try:
        from hypothesis.configuration import set_hypothesis_home_dir
    except ImportError:  # pragma: no cover - hypothesis is in the test extra
        return
    home = Path(tempfile.mkdtemp(prefix="backend-scaffold-tests-hypothesis-"))
    _HYPOTHESIS_HOME.append(home)
    set_hypothesis_home_dir(home)


def pytest_unconfigure(config: pytest.Config) -> None:
    for home in _HYPOTHESIS_HOME:
        shutil.rmtree(home, ignore_errors=True)


def _cli_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "NO_COLOR": "1",
            "COLUMNS": "200",
            "SOURCE_DATE_EPOCH": "1795000000",
            "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
            "GIT_CONFIG_NOSYSTEM": "1",
        }
    )
    return env


@pytest.fixture
def cli(tmp_path: Path) -> CliRunner:
    """Run `backend-scaffold ARGS...` in tmp_path; returns the completed process."""
    home = tmp_path / "_home"
    home.mkdir()
    (home / "gitconfig").write_text("[user]\n\tname = Test Team\n\temail = team@example.com\n")

    def run(*args: str, cwd: Path | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "backend_scaffold", *args],
            cwd=cwd or tmp_path,
            env=_cli_env(home),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    return run


@pytest.fixture(scope="session")
def services() -> Iterator[dict[str, str]]:
    """URLs of real PostgreSQL, Redis and Kafka servers for this session.

    Reuses DATABASE_URL, CACHE_URL and KAFKA_BROKERS when `python -m tests.infra run` (or `up`)
    already provides them; otherwise starts the servers here and stops them at the end.
    """
    from tests import infra

    provided = {key: os.environ[key] for key in infra.ENV_KEYS.values() if os.environ.get(key)}
    if len(provided) == len(infra.ENV_KEYS):
        yield provided
        return
    with infra.running() as env:
        yield env


@pytest.fixture(scope="session")
def tls_services() -> Iterator[dict[str, str]]:
    """TLS-only PostgreSQL, Redis and Kafka for this session, and the variables a TLS client needs.

    Reuses the set that `python -m tests.infra up --tls` wrote when BACKEND_SCAFFOLD_TLS_SERVICES
    names its services.env; otherwise starts the servers here and stops them at the end.
    """
    from tests import infra

    provided = os.environ.get("BACKEND_SCAFFOLD_TLS_SERVICES")
    if provided:
        yield infra.read_services_env(Path(provided))
        return
    with infra.running(tls=True) as env:
        yield env
