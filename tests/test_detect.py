"""Detection on fixture trees: build files, frameworks, databases, configs, branch, prefill."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from backend_scaffold.detect import detect


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def test_go_project_with_gin_prefills_the_module(tmp_path: Path) -> None:
    _tree(tmp_path, {"go.mod": "module github.com/acme/shop\n\nrequire github.com/gin-gonic/gin v1.10.0\n"})
    found = detect(tmp_path)
    assert found.languages == ["Go"]
    assert found.frameworks == ["gin"]
    assert found.stack == "go-connectrpc"
    assert found.prefill == {"go_module": "github.com/acme/shop"}
    assert found.recommendations == []


def test_rust_project_with_axum_and_sqlx(tmp_path: Path) -> None:
    _tree(tmp_path, {"Cargo.toml": '[package]\nname = "shop-api"\n\n[dependencies]\naxum = "0.8"\nsqlx = "0.8"\n'})
    found = detect(tmp_path)
    assert found.frameworks == ["axum", "sqlx"]
    assert found.stack == "rust-axum"
    assert found.prefill == {"rust_crate": "shop-api"}


def test_maven_spring_project_prefills_the_group_id(tmp_path: Path) -> None:
    pom = (
        "<project><parent><groupId>org.springframework.boot</groupId>"
        "<artifactId>spring-boot-starter-parent</artifactId></parent>"
        "<groupId>io.acme</groupId><artifactId>shop</artifactId></project>"
    )
    _tree(tmp_path, {"pom.xml": pom, "src/main/resources/application.yml": "server:\n  port: 8080\n"})
    found = detect(tmp_path)
    assert found.stack == "java-spring"
    assert found.frameworks == ["spring-boot"]
    assert found.prefill == {"java_group_id": "io.acme"}
    assert "src/main/resources/application.yml" in found.config_files


def test_python_project_with_fastapi_migrations_and_compose(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "shop-api"\ndependencies = ["fastapi>=0.110"]\n',
            "migrations/versions/0001_init.py": "",
            "db/schema.sql": "create table t (id int);",
            "docker-compose.yml": "services: {}\n",
        },
    )
    found = detect(tmp_path)
    assert found.stack == "python-fastapi"
    assert found.frameworks == ["fastapi"]
    assert found.prefill == {"python_package": "shop_api"}
    assert {"migrations", "db/schema.sql"} <= set(found.database_files)
    assert "docker-compose.yml" in found.config_files


@pytest.mark.parametrize("files", [{}, {"package.json": '{"dependencies": {"express": "^4"}}'}])
def test_node_or_nothing_recommends_go_rust_or_java(tmp_path: Path, files: dict[str, str]) -> None:
    _tree(tmp_path, files)
    found = detect(tmp_path)
    assert found.stack is None
    assert [line.split(" ")[0] for line in found.recommendations] == ["Go", "Rust", "Java"]
    assert all(":" in line for line in found.recommendations)
    if files:
        assert found.frameworks == ["express"]
        assert found.languages == ["JavaScript/TypeScript"]


def test_current_git_branch_is_reported(tmp_path: Path) -> None:
    repo, plain = tmp_path / "repo", tmp_path / "plain"
    plain.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "feature/x", str(repo)], check=True)
    assert detect(repo).git_branch == "feature/x"
    assert detect(plain).git_branch is None
