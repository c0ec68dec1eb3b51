"""Detection on fixture trees: build files, frameworks, databases, configs, branch, prefill."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from backend_scaffold.detect import detect
from tests.conftest import CliRunner


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
    assert [line.split(" ")[0] for line in found.recommendations] == ["Go", "Rust", "Java", "Python"]
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


QUARKUS_AGGREGATOR = {
    "pom.xml": (
        "<project xmlns='http://maven.apache.org/POM/4.0.0'><groupId>io.quarkus</groupId>"
        "<artifactId>quickstarts</artifactId><modules><module>spring-boot-properties-quickstart</module>"
        "<module>hibernate-orm-quickstart</module></modules></project>"
    ),
    "spring-boot-properties-quickstart/pom.xml": (
        "<project><artifactId>spring-boot-properties-quickstart</artifactId><dependencies><dependency>"
        "<groupId>io.quarkus</groupId><artifactId>quarkus-spring-boot-properties</artifactId></dependency>"
        "</dependencies></project>"
    ),
    "hibernate-orm-quickstart/pom.xml": (
        "<project><dependencies><dependency><groupId>io.quarkus</groupId><artifactId>quarkus-jdbc-postgresql"
        "</artifactId></dependency><dependency><groupId>org.postgresql</groupId><artifactId>postgresql</artifactId>"
        "</dependency></dependencies></project>"
    ),
    "hibernate-orm-quickstart/src/main/resources/application.properties": (
        "quarkus.datasource.jdbc.url=jdbc:postgresql://localhost:5432/quarkus\n"
    ),
    "hibernate-orm-quickstart/src/main/resources/db/migration/V1__init.sql": "create table fruit (id int);\n",
}


def test_a_maven_aggregator_is_read_module_by_module_from_coordinates(tmp_path: Path) -> None:
    found = detect(_tree(tmp_path, QUARKUS_AGGREGATOR))
    assert found.frameworks == ["quarkus"], "a module named spring-boot-... is not Spring Boot"
    assert [(m.path, m.build_file) for m in found.modules] == [
        (".", "pom.xml"), ("hibernate-orm-quickstart", "pom.xml"), ("spring-boot-properties-quickstart", "pom.xml"),
    ]  # fmt: skip
    assert found.stack == "java-spring"
    assert "hibernate-orm-quickstart/pom.xml" in found.databases["PostgreSQL"]
    assert "hibernate-orm-quickstart/src/main/resources/application.properties" in found.databases["PostgreSQL"]
    assert found.migrations["flyway"] == ["hibernate-orm-quickstart/src/main/resources/db/migration"]
    assert found.prefill["database"] == "postgres"


@pytest.mark.parametrize(
    ("files", "modules", "frameworks", "language"),
    [
        (
            {"go.work": "go 1.23\n\nuse (\n\t./services/api\n\t./services/worker\n)\n",
             "services/api/go.mod": "module example.com/api\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.10.0\n)\n",
             "services/worker/go.mod": "module example.com/worker\n\nrequire github.com/labstack/echo/v4 v4.12.0\n"},
            [(".", "go.work"), ("services/api", "go.mod"), ("services/worker", "go.mod")], ["echo", "gin"], "Go",
        ),
        (
            {"Cargo.toml": '[workspace]\nmembers = ["crates/api"]\n',
             "crates/api/Cargo.toml": '[package]\nname = "api"\n\n[dependencies]\naxum = "0.8"\n'},
            [(".", "Cargo.toml"), ("crates/api", "Cargo.toml")], ["axum"], "Rust",
        ),
        (
            {"settings.gradle.kts": 'include(":app")\n',
             "app/build.gradle.kts": 'plugins { id("org.springframework.boot") version "3.4.0" }\n'},
            [(".", "settings.gradle.kts"), ("app", "build.gradle.kts")], ["spring-boot"], "Java",
        ),
        (
            {"requirements/base.txt": "Django>=5.0\npsycopg2-binary==2.9\n", "setup.py": "setup(name='django-notes')\n",
             "notes/migrations/__init__.py": "", "notes/migrations/0001_initial.py": ""},
            [(".", "setup.py"), ("requirements", "base.txt")], ["django"], "Python",
        ),
        (
            {"pyproject.toml": '[project]\nname = "django-notes"\ndependencies = ["flask>=3", "asyncpg"]\n'},
            [(".", "pyproject.toml")], ["flask"], "Python",
        ),
    ],
)  # fmt: skip
def test_workspaces_and_nested_modules_are_reported_with_their_paths(
    tmp_path: Path, files: dict[str, str], modules: list[tuple[str, str]], frameworks: list[str], language: str
) -> None:
    found = detect(_tree(tmp_path, files))
    assert [(m.path, m.build_file) for m in found.modules] == modules
    assert found.frameworks == frameworks
    assert found.languages == [language]
    assert found.stack is not None


@pytest.mark.parametrize(
    ("files", "migrations"),
    [
        ({"alembic.ini": "[alembic]\nscript_location = %(here)s/db\n", "db/versions/1_init.py": ""},
         {"alembic": ["db"]}),
        ({"db/changelog/db.changelog-master.yaml": "databaseChangeLog: []\n"}, {"liquibase": ["db/changelog"]}),
        ({"Cargo.toml": "[package]\nname='a'\n", "migrations/1_init.sql": ""}, {"sqlx": ["migrations"]}),
        ({"Cargo.toml": "[package]\nname='a'\n", "diesel.toml": "", "migrations/x/up.sql": ""},
         {"diesel": ["migrations"]}),
        ({"prisma/migrations/1_init/migration.sql": ""}, {"prisma": ["prisma/migrations"]}),
        ({"migrations/0001_users.up.sql": "", "migrations/0001_users.down.sql": ""},
         {"golang-migrate": ["migrations"]}),
        ({"db/migrations/0001_users.sql": "-- +goose Up\ncreate table u (id int);\n"}, {"goose": ["db/migrations"]}),
    ],
)  # fmt: skip
def test_migration_tools_are_named_with_their_folders(
    tmp_path: Path, files: dict[str, str], migrations: dict[str, list[str]]
) -> None:
    assert detect(_tree(tmp_path, files)).migrations == migrations


def test_engines_come_with_their_evidence_and_unsupported_ones_are_named(tmp_path: Path) -> None:
    files = {
        "package.json": '{"dependencies": {"@nestjs/core": "^10", "mysql2": "^3", "ioredis": "^5"}}',
        "docker-compose.yml": "services:\n  db:\n    image: mysql:8\n  mq:\n    image: rabbitmq:3\n",
        ".env.example": "REDIS_URL=redis://localhost:6379\n",
        "web/settings.py": "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3'}}\n",
        ".github/workflows/buf.yaml": "on: push\njobs: {}\n",
    }
    found = detect(_tree(tmp_path, files))
    assert found.databases["MySQL/MariaDB"] == ["docker-compose.yml", "package.json"]
    assert found.databases["Redis"] == [".env.example", "package.json"]
    assert found.databases["RabbitMQ"] == ["docker-compose.yml"]
    assert found.databases["SQLite"] == ["web/settings.py"]
    assert "MySQL/MariaDB found; PostgreSQL is what the templates use" in found.notes
    assert found.prefill == {"cache": "dragonfly"}
    assert found.frameworks == ["nestjs"]
    assert ".github/workflows/buf.yaml" not in found.config_files, "a workflow is not a buf config"


@pytest.mark.parametrize(
    ("files", "found_text"),
    [
        ({"package.json": '{"workspaces": ["packages/*"]}', "packages/api/package.json": '{"dependencies": '
          '{"express": "^4"}}'}, "JavaScript/TypeScript (express)"),
        ({"src/Api/Api.csproj": '<Project Sdk="Microsoft.NET.Sdk.Web"><ItemGroup><PackageReference '
          'Include="Npgsql" Version="8.0.0" /></ItemGroup></Project>'}, ".NET (aspnetcore)"),
    ],
)  # fmt: skip
def test_a_repository_we_do_not_generate_is_described_and_answered_with_recommendations(
    tmp_path: Path, files: dict[str, str], found_text: str
) -> None:
    found = detect(_tree(tmp_path, files))
    assert found.stack is None
    assert any(found_text in note for note in found.notes), found.notes
    assert [line.split(" ")[0] for line in found.recommendations] == ["Go", "Rust", "Java", "Python"]
    assert "python-fastapi" in found.recommendations[3]


def test_a_backend_scaffold_project_is_recognised_and_pointed_at_update(tmp_path: Path) -> None:
    answers = "_commit: v0.1.0\n_src_path: ~/.local/share/backend-scaffold/templates.bundle\nstack: rust-axum\n"
    found = detect(_tree(tmp_path, {".copier-answers.yml": answers, "Cargo.toml": "[package]\nname = 'x'\n"}))
    assert found.generated_by == "rust-axum"
    assert any("`backend-scaffold update`" in note for note in found.notes)


def test_build_files_deep_in_a_repository_are_found(tmp_path: Path) -> None:
    found = detect(_tree(tmp_path, {"a/b/c/d/e/go.mod": "module example.com/deep\n"}))
    assert [(m.path, m.build_file) for m in found.modules] == [("a/b/c/d/e", "go.mod")]


def test_new_inside_a_repository_takes_the_stack_of_the_repository_around_it(cli: CliRunner, tmp_path: Path) -> None:
    repo = _tree(tmp_path / "repo", {"go.mod": "module example.com/mono\n", "README.md": "mono\n"})
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    result = cli("new", "repo/services/billing", "--defaults", "--skip-tasks", "--json")
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)["answers"]
    assert answers["stack"] == "go-connectrpc"
    assert answers["go_module"] == "example.com/billing", "names come from the new folder, not the repository"


def test_new_says_when_the_repository_uses_an_engine_the_templates_do_not(cli: CliRunner, tmp_path: Path) -> None:
    _tree(tmp_path / "svc", {"pyproject.toml": '[project]\nname = "svc"\ndependencies = ["pymysql"]\n'})
    result = cli("new", "svc", "--defaults", "--skip-existing", "--no-git", "--skip-tasks")
    assert result.returncode == 0, result.stderr
    assert "note: MySQL/MariaDB found; PostgreSQL is what the templates use" in result.stderr


def test_detect_points_a_generated_project_at_update(cli: CliRunner, tmp_path: Path) -> None:
    assert cli("new", "made", "--stack", "python-fastapi", "--defaults", "--no-git").returncode == 0
    result = cli("detect", "made")
    assert result.returncode == 0, result.stderr
    assert (
        "generated by backend-scaffold (python-fastapi): `backend-scaffold update` brings it current" in result.stdout
    )
