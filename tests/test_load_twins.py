"""The bare twins of bench/load.py keep their templates' server settings.

Versions cannot drift: each twin is built from its generated project's own manifests (go.mod and
go.sum, Cargo.toml and Cargo.lock, the Spring Boot parent, the uv environment). Server settings
are written twice, once in the template and once in the twin; these checks fail when a template
changes one and its twin does not follow.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import jinja2
import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
TWINS = ROOT / "bench" / "twins"
DEFAULTS = {"project_slug": "orders-service", "database": "postgres", "cache": "dragonfly", "messaging": "redpanda"}


def render(path: Path) -> str:
    """A template file rendered with the default answers (every dependency on)."""
    return jinja2.Template(path.read_text(), keep_trailing_newline=True).render(**DEFAULTS)


def go_timeouts(source: str) -> dict[str, str]:
    return dict(re.findall(r"(\w+Timeout):\s*([^,\n]+),", source))


def answer_margin(source: str) -> str:
    found = re.search(r"answerMargin\s+= (.+)", source)
    assert found, "no answerMargin: update this check"
    return found.group(1)


def test_go_twin_serves_with_the_templates_http_server_settings() -> None:
    template = (TEMPLATES / "go-connectrpc" / "internal" / "server" / "server.go.jinja").read_text()
    twin = (TWINS / "go-connectrpc" / "main.go").read_text()
    assert go_timeouts(template), "the template's http.Server sets no timeouts any more: update this check"
    # The twin serves at the default REQUEST_TIMEOUT, a constant of its own.
    assert go_timeouts(twin) == {
        key: value.replace("a.Config.RequestTimeout", "requestTimeout") for key, value in go_timeouts(template).items()
    }
    assert answer_margin(twin) == answer_margin(template)
    assert re.search(r"requestTimeout = 15 \* time.Second", twin), "the template's default REQUEST_TIMEOUT"
    for setting in ("SetHTTP1(true)", "SetUnencryptedHTTP2(true)"):
        assert (setting in twin) == (setting in template), setting


def uvicorn_settings(source: str, call: str) -> dict[str, str]:
    block = source[source.index(call) :]
    block = block[: block.index("\n    )")]
    settings = dict(re.findall(r"(\w+)=([^,\n]+),", block))
    return {key: settings[key] for key in ("log_config", "access_log", "server_header") if key in settings}


def test_python_twin_serves_with_the_templates_uvicorn_settings() -> None:
    main = TEMPLATES / "python-fastapi" / "src" / "{{ python_package }}" / "main.py.jinja"
    template = uvicorn_settings(main.read_text(), "uvicorn.Config(")
    twin = uvicorn_settings((TWINS / "python-fastapi" / "twin.py").read_text(), "uvicorn.run(")
    assert len(template) == 3, template
    assert twin == template


def test_rust_twin_pools_database_connections_as_the_template_does() -> None:
    database = TEMPLATES / "rust-axum" / "src" / "{% if database == 'postgres' %}database.rs{% endif %}"
    pattern = r"\.(max_connections|acquire_timeout)\(([^;]*?)\)\n"
    # The template sizes its pool from DATABASE_POOL_SIZE, DEFAULT_POOL_SIZE when unset; the twin
    # runs with the defaults, so it states the values of the template's constants.
    constants = dict(re.findall(r"const (\w+): [\w:]+ = ([^;]+);", database.read_text()))
    template = {"max_connections": constants["DEFAULT_POOL_SIZE"], "acquire_timeout": constants["ACQUIRE_TIMEOUT"]}
    assert dict(re.findall(pattern, database.read_text())) == {
        "max_connections": "pool_size",
        "acquire_timeout": "ACQUIRE_TIMEOUT",
    }
    assert dict(re.findall(pattern, (TWINS / "rust-axum" / "main.rs").read_text())) == template


def pick(tree: dict[str, Any], dotted: str) -> Any:
    for key in dotted.split("."):
        tree = tree[key]
    return tree


SPRING_SETTINGS = (
    "spring.threads.virtual.enabled", "spring.jackson.property-naming-strategy", "spring.main.banner-mode",
    "spring.servlet.multipart.enabled", "spring.datasource.hikari.connection-timeout",
    "spring.data.redis.connect-timeout", "spring.data.redis.timeout", "server.address", "server.shutdown",
    "logging.structured.format.console",
)  # fmt: skip


def test_java_twin_runs_the_templates_spring_settings_on_its_spring_boot() -> None:
    resources = TEMPLATES / "java-spring" / "src" / "main" / "resources"
    template = yaml.safe_load(render(resources / "application.yaml.jinja"))
    twin = yaml.safe_load((TWINS / "java-spring" / "src" / "main" / "resources" / "application.yaml").read_text())
    assert {key: pick(twin, key) for key in SPRING_SETTINGS} == {key: pick(template, key) for key in SPRING_SETTINGS}
    sys.path.insert(0, str(ROOT / "bench"))
    from load_servers import spring_versions

    versions = spring_versions(render(TEMPLATES / "java-spring" / "pom.xml.jinja"))
    assert re.fullmatch(r"\d+\.\d+\.\d+", versions["@SPRING_BOOT_VERSION@"])
    assert set(versions) <= set(re.findall(r"@\w+@", (TWINS / "java-spring" / "pom.xml.in").read_text()))
