"""What every stack renders, read as files: configuration and compose agree with the answers.

No Docker engine runs here, so docker-compose.yml is checked by structure: the services the
answers switch on, with healthchecks, and the app's environment pointing at them.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.conftest import CliRunner
from tests.projects import require_toolchain

STACKS = ["go-connectrpc", "rust-axum", "java-spring", "python-fastapi"]
OFF = ["database=none", "cache=none", "messaging=none", "auth=none", "ci=none"]
ANSWER_KEYS = "stack|project_|description|author_|license|database|cache|messaging|auth|ci|jwt_|go_|rust_|java_|python_"
JINJA = re.compile(rf"\{{%|\{{\{{-?\s*({ANSWER_KEYS})")
IMAGES = {"postgres": "postgres", "dragonfly": "dragonfly", "redpanda": "redpanda"}


def _generate(cli: CliRunner, tmp_path: Path, stack: str, toggles: list[str], name: str = "svc") -> Path:
    data = [arg for toggle in toggles for arg in ("--data", toggle)]
    result = cli("new", name, "--stack", stack, "--defaults", "--no-git", "--skip-tasks", *data)
    assert result.returncode == 0, result.stderr
    return tmp_path / name


def _passes(command: list[str], project: Path, timeout: int) -> None:
    """Run one of the project's own checks in it; fail with the end of its output."""
    checked = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=timeout, check=False)
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-2000:]


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


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def _published(service: Service) -> dict[int, int]:
    """The service's published ports, as container port -> host port."""
    found = {}
    for entry in service.get("ports", []):
        host, _, container = str(entry).rpartition(":")
        found[int(container)] = int(host.rpartition(":")[2])
    return found


def _flag(command: list[str], name: str) -> dict[str, str]:
    """A Redpanda listener flag (`--kafka-addr=internal://0.0.0.0:9092,...`) as listener -> host:port."""
    value = next(arg.split("=", 1)[1] for arg in command if arg.startswith(f"--{name}="))
    return dict(listener.split("://") for listener in value.split(","))


def _port(address: str) -> int:
    return int(address.rpartition(":")[2])


@pytest.mark.parametrize("stack", STACKS)
def test_compose_and_env_example_point_at_what_each_service_serves(cli: CliRunner, tmp_path: Path, stack: str) -> None:
    """Inside compose the app reaches each dependency by service name and container port; from the
    host, `.env.example` reaches the same servers through the ports compose publishes. Every image
    is pinned, and the app listens where its Dockerfile and compose say it does."""
    project = _generate(cli, tmp_path, stack, [])
    services: dict[str, Service] = yaml.safe_load((project / "docker-compose.yml").read_text())["services"]
    app = next(service for service in services.values() if "build" in service)
    inside, host = app["environment"], _env_file(project / ".env.example")
    assert set(inside) <= set(host), "every variable compose sets is documented in .env.example"
    port, dockerfile = int(inside["APP_PORT"]), (project / "Dockerfile").read_text()
    assert f"EXPOSE {port}" in dockerfile, "the image exposes the port compose publishes"
    assert _published(app) == {port: int(host["APP_PORT"])}
    for name, service in services.items():
        image = str(service.get("image", ""))
        assert not image or (":" in image and not image.endswith(":latest")), f"{name}: pin {image!r} by a tag"

    database, local = urlsplit(inside["DATABASE_URL"]), urlsplit(host["DATABASE_URL"])
    postgres = services[str(database.hostname)]
    settings = postgres["environment"]
    assert "postgres:" in postgres["image"] and database.port == 5432
    assert (database.username, database.password) == (settings["POSTGRES_USER"], settings["POSTGRES_PASSWORD"])
    assert database.path.lstrip("/") == local.path.lstrip("/") == settings["POSTGRES_DB"]
    assert f"-U {settings['POSTGRES_USER']} -d {settings['POSTGRES_DB']}" in str(postgres["healthcheck"]["test"])
    assert local.hostname == "localhost" and local.port == _published(postgres)[5432]

    cache, local = urlsplit(inside["CACHE_URL"]), urlsplit(host["CACHE_URL"])
    dragonfly = services[str(cache.hostname)]
    assert "dragonfly" in dragonfly["image"] and cache.port == 6379
    assert f"/dev/tcp/127.0.0.1/{cache.port}" in str(dragonfly["healthcheck"]["test"])
    assert local.hostname == "localhost" and local.port == _published(dragonfly)[6379]

    broker_host = inside["KAFKA_BROKERS"].split(":")[0]
    redpanda = services[broker_host]
    listens, advertised = _flag(redpanda["command"], "kafka-addr"), _flag(redpanda["command"], "advertise-kafka-addr")
    assert advertised["internal"] == inside["KAFKA_BROKERS"], "the app uses the address Redpanda advertises inside"
    assert _port(listens["internal"]) == _port(advertised["internal"])
    assert advertised["external"] == host["KAFKA_BROKERS"], ".env.example uses the address Redpanda advertises"
    assert _published(redpanda) == {_port(listens["external"]): _port(host["KAFKA_BROKERS"])}
    topic = inside.get("KAFKA_TOPIC_ORDERS", "orders.events")
    topics = next(service for service in services.values() if "rpk topic create" in str(service.get("command")))
    assert f"rpk topic create {topic} " in str(topics["command"])
    assert f"brokers={inside['KAFKA_BROKERS']}" in str(topics["command"])
    assert inside["JWT_SECRET"].startswith("${JWT_SECRET:?"), "the secret comes from .env, never from compose"


@pytest.mark.parametrize("stack", STACKS)
def test_the_build_stage_copies_its_sources(cli: CliRunner, tmp_path: Path, stack: str) -> None:
    """Podman 4 reuses a RUN layer whatever its bind mounts hold: a bind-mounted source tree
    would build a stale image after an edit. Only lock files may be bind-mounted (a later COPY
    and install step corrects what a stale layer holds); sources are copied."""
    project = _generate(cli, tmp_path, stack, [])
    for mount in re.findall(r"--mount=type=bind\S*", (project / "Dockerfile").read_text()):
        assert "source=" in mount and not mount.rstrip("\\").endswith(("source=.", "source=./")), mount


LONGEST_SLUG = "-".join(["abcdefghij"] * 6)[:63]  # the longest project_slug the answers accept


@pytest.mark.parametrize("toggles", [[], OFF], ids=["defaults", "all-off"])
def test_rust_sources_are_rustfmt_clean_whatever_the_length_of_the_crate_name(
    cli: CliRunner, tmp_path: Path, toggles: list[str]
) -> None:
    """rustfmt wraps a line past 100 columns, so a use line that names the crate must fit at 63 characters."""
    require_toolchain("rust-axum")
    _passes(["cargo", "fmt", "--check"], _generate(cli, tmp_path, "rust-axum", toggles, LONGEST_SLUG), timeout=120)


# As long, and sorting after "tests": the tests' imports must not depend on the name's order.
LATEST_SLUG = "-".join(["zyxwvutsrq"] * 6)[:63]


@pytest.mark.parametrize("slug", [LONGEST_SLUG, LATEST_SLUG], ids=["a-63", "z-63"])
@pytest.mark.parametrize("toggles", [[], OFF], ids=["defaults", "all-off"])
def test_python_sources_pass_ruff_whatever_the_name_of_the_package(
    cli: CliRunner, tmp_path: Path, toggles: list[str], slug: str
) -> None:
    """ruff wraps (and E501 refuses) lines past 100 columns, and sorts first-party imports by name."""
    require_toolchain("python-fastapi")
    project = _generate(cli, tmp_path, "python-fastapi", toggles, slug)
    for command in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
        _passes(["uv", "run", "--locked", "--quiet", *command], project, timeout=600)
