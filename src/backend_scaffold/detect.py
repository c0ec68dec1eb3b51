"""What a directory already holds: languages, build files, frameworks, databases, configs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from backend_scaffold.stacks import RECOMMENDED, STACKS, get_stack

BUILD_FILES: dict[str, str] = {
    "go.mod": "Go",
    "Cargo.toml": "Rust",
    "pom.xml": "Java",
    "build.gradle": "Java",
    "build.gradle.kts": "Java",
    "pyproject.toml": "Python",
    "requirements.txt": "Python",
    "package.json": "JavaScript/TypeScript",
}

# Substrings that reveal a framework inside a build file.
FRAMEWORKS: dict[str, tuple[tuple[str, str], ...]] = {
    "Go": (
        ("github.com/gin-gonic/gin", "gin"),
        ("github.com/labstack/echo", "echo"),
        ("github.com/go-chi/chi", "chi"),
        ("connectrpc.com/connect", "connect"),
        ("google.golang.org/grpc", "grpc-go"),
    ),
    "Rust": (("axum", "axum"), ("actix-web", "actix-web"), ("rocket", "rocket"), ("sqlx", "sqlx")),
    "Java": (("spring-boot", "spring-boot"), ("quarkus", "quarkus"), ("micronaut", "micronaut")),
    "Python": (("fastapi", "fastapi"), ("django", "django"), ("flask", "flask"), ("litestar", "litestar")),
    "JavaScript/TypeScript": (("@nestjs/core", "nestjs"), ('"express"', "express"), ('"fastify"', "fastify")),
}

CONFIG_PATTERNS = (
    "Dockerfile",
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
    ".env",
    ".env.example",
    "Makefile",
    "application.properties",
    "application.yml",
    "application.yaml",
    "buf.yaml",
    ".copier-answers.yml",
)
_SKIP_DIRS = {".git", "node_modules", "target", "vendor", ".venv", "venv", "__pycache__", "build", "dist", ".idea"}


@dataclass(frozen=True)
class Detection:
    """The facts found in one directory and what they suggest."""

    path: str
    build_files: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    frameworks: list[str] = field(default_factory=list)
    database_files: list[str] = field(default_factory=list)
    config_files: list[str] = field(default_factory=list)
    git_branch: str | None = None
    stack: str | None = None
    prefill: dict[str, str] = field(default_factory=dict)
    recommendations: list[str] = field(default_factory=list)


def _walk(root: Path, depth: int = 3) -> list[Path]:
    found: list[Path] = []
    pending = [(root, 0)]
    while pending:
        folder, level = pending.pop()
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir() and entry.name not in _SKIP_DIRS and level < depth:
                pending.append((entry, level + 1))
            found.append(entry)
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[:200_000]
    except OSError:
        return ""


# Where each prefilled answer is read from, for messages about it.
PREFILL_ORIGINS = {
    "project_name": "the folder name",
    "go_module": "go.mod",
    "rust_crate": "Cargo.toml",
    "java_group_id": "pom.xml",
    "python_package": "pyproject.toml",
    "stack": "the build files",
}


def _prefill(root: Path, build_files: list[str]) -> dict[str, str]:
    patterns = {
        "go.mod": ("go_module", r"(?m)^module\s+(\S+)"),
        "Cargo.toml": ("rust_crate", r"(?ms)^\[package\].*?^name\s*=\s*\"([^\"]+)\""),
        "pom.xml": ("java_group_id", r"<groupId>([^<]+)</groupId>\s*<artifactId>(?!spring-boot-starter-parent)"),
        "pyproject.toml": ("python_package", r"(?ms)^\[project\].*?^name\s*=\s*\"([^\"]+)\""),
    }
    found: dict[str, str] = {}
    for name, (key, pattern) in patterns.items():
        if name in build_files:
            match = re.search(pattern, _read(root / name))
            if match:
                value = match.group(1).strip()
                found[key] = value.replace("-", "_") if key == "python_package" else value
    return found


def _stack_for(build_files: list[str]) -> str | None:
    for stack in STACKS:
        if any(marker in build_files for marker in stack.markers):
            return stack.id
    return None


def detect(path: Path) -> Detection:
    """Look at `path` (not below three levels) and report what it holds."""
    from backend_scaffold.gitops import current_branch

    root = path.resolve()
    entries = _walk(root) if root.is_dir() else []
    build_files = sorted(name for name in BUILD_FILES if (root / name).is_file())
    languages = sorted({BUILD_FILES[name] for name in build_files})
    frameworks = sorted(
        {
            framework
            for name in build_files
            for needle, framework in FRAMEWORKS.get(BUILD_FILES[name], ())
            if needle in _read(root / name)
        }
    )
    relative = [entry.relative_to(root).as_posix() for entry in entries]
    databases = sorted(
        rel
        for entry, rel in zip(entries, relative, strict=True)
        if entry.suffix == ".sql" or entry.name == "migrations"
    )
    configs = sorted(rel for entry, rel in zip(entries, relative, strict=True) if entry.name in CONFIG_PATTERNS)
    stack = _stack_for(build_files)
    return Detection(
        path=str(root),
        build_files=build_files,
        languages=languages,
        frameworks=frameworks,
        database_files=databases[:50],
        config_files=configs[:50],
        git_branch=current_branch(root) if root.is_dir() else None,
        stack=stack,
        prefill=_prefill(root, build_files),
        recommendations=[] if stack else _recommend(),
    )


def _recommend() -> list[str]:
    return [f"{get_stack(stack_id).title} ({stack_id}): {get_stack(stack_id).why}" for stack_id in RECOMMENDED]
