"""What every stack renders, read as files: configuration and compose agree with the answers.

No Docker engine runs here, so docker-compose.yml is checked by structure: the services the
answers switch on, with healthchecks, and the app's environment pointing at them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CliRunner

STACKS = ["go-connectrpc", "rust-axum", "java-spring", "python-fastapi"]
OFF = ["database=none", "cache=none", "messaging=none", "auth=none", "ci=none"]
ANSWER_KEYS = "stack|project_|description|author_|license|database|cache|messaging|auth|ci|jwt_|go_|rust_|java_|python_"
JINJA = re.compile(rf"\{{%|\{{\{{-?\s*({ANSWER_KEYS})")
IMAGES = {"postgres": "postgres", "dragonfly": "dragonfly", "redpanda": "redpanda"}


def _generate(cli: CliRunner, tmp_path: Path, stack: str, toggles: list[str]) -> Path:
    data = [arg for toggle in toggles for arg in ("--data", toggle)]
    result = cli("new", "svc", "--stack", stack, "--defaults", "--no-git", "--skip-tasks", *data)
    assert result.returncode == 0, result.stderr
    return tmp_path / "svc"


def _env_keys(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    assert lines[0].startswith("#"), f"{path.name} should explain itself in a first comment line"
    return [line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")]


Service = dict[str, Any]


def _waits(service: Service) -> dict[str, str]:
    """The services `service` waits for, each with the condition it waits on."""
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return dict.fromkeys(depends, "service_started")
    return {name: str((wait or {}).get("condition", "service_started")) for name, wait in depends.items()}


def _awaited(services: dict[str, Service], start: Service) -> set[str]:
    """Every service `start` waits for, directly or through the services it waits for."""
    found: set[str] = set()
    pending = list(_waits(start))
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending.extend(_waits(services[name]))
    return found


def _images(compose: dict[str, dict[str, dict[str, object]]]) -> set[str]:
    found = set()
    for service in compose["services"].values():
        image = str(service.get("image", ""))
        found |= {name for name, fragment in IMAGES.items() if fragment in image}
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_everything_on_wires_every_dependency(cli: CliRunner, tmp_path: Path, stack: str) -> None:
    project = _generate(cli, tmp_path, stack, [])
    keys = _env_keys(project / ".env.example")
    assert keys == _env_keys(project / ".env")
    for key in ("APP_PORT", "LOG_LEVEL", "DATABASE_URL", "CACHE_URL", "KAFKA_BROKERS", "JWT_SECRET"):
        assert key in keys
    compose = yaml.safe_load((project / "docker-compose.yml").read_text())
    assert _images(compose) == {"postgres", "dragonfly", "redpanda"}
    services = compose["services"]
    app = next(service for service in services.values() if "build" in service)
    for name, service in services.items():
        if "build" in service or _waits(app).get(name) == "service_completed_successfully":
            continue  # the app itself, or a one-shot job (creating topics) that must succeed first
        assert "healthcheck" in service, f"{name} needs a healthcheck so the app can wait for it"
    environment = app["environment"]
    names = set(environment) if isinstance(environment, dict) else {item.split("=", 1)[0] for item in environment}
    assert {"DATABASE_URL", "CACHE_URL", "KAFKA_BROKERS"} <= names
    assert _awaited(services, app) == {n for n, s in services.items() if "build" not in s}, "the app waits for all"
    jobs = [str(service.get("command")) for service in services.values()]
    assert any("rpk topic create orders.events" in job for job in jobs), "deployment creates the orders topic"
    assert (project / ".github" / "workflows" / "ci.yml").is_file()
    assert "{{" not in (project / "README.md").read_text()


@pytest.mark.parametrize("stack", STACKS)
def test_everything_off_leaves_no_trace_of_it(cli: CliRunner, tmp_path: Path, stack: str) -> None:
    project = _generate(cli, tmp_path, stack, OFF)
    keys = _env_keys(project / ".env.example")
    assert keys == _env_keys(project / ".env")
    assert not {"DATABASE_URL", "CACHE_URL", "KAFKA_BROKERS", "JWT_SECRET"} & set(keys)
    compose = yaml.safe_load((project / "docker-compose.yml").read_text())
    assert _images(compose) == set()
    assert len(compose["services"]) == 1
    assert not (project / ".github").exists()
    assert not (project / ".gitlab-ci.yml").exists()
    leftovers = [
        path.relative_to(project) for path in project.rglob("*") if path.is_file() and JINJA.search(_text(path))
    ]
    assert leftovers == []


def _text(path: Path) -> str:
    try:
        return path.read_text()
    except UnicodeDecodeError:
        return ""
