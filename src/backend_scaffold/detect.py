"""What a directory already holds: modules and their frameworks, databases, migrations, configs.

Build files are found at any depth (workspaces and nested modules, each reported with its path),
frameworks and database drivers come from parsed dependencies (manifests.py, evidence.py), and
engines also from compose images, JDBC URLs, Django settings and example environments.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from backend_scaffold import evidence, manifests
from backend_scaffold.migrations import migrations_in
from backend_scaffold.stacks import RECOMMENDED, STACKS, get_stack

BUILD_FILES: dict[str, str] = {
    "go.mod": "Go",
    "go.work": "Go",
    "Cargo.toml": "Rust",
    "pom.xml": "Java",
    "build.gradle": "Java",
    "build.gradle.kts": "Java",
    "settings.gradle": "Java",
    "settings.gradle.kts": "Java",
    "pyproject.toml": "Python",
    "requirements.txt": "Python",
    "setup.py": "Python",
    "package.json": "JavaScript/TypeScript",
}
CONFIG_PATTERNS = (
    "Dockerfile",
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
    ".env",
    ".env.example",
    ".env.sample",
    "Makefile",
    "application.properties",
    "application.yml",
    "application.yaml",
    "buf.yaml",
    ".copier-answers.yml",
)
# Files whose text may name an engine (images, URLs, ENGINE settings); never .env (secrets).
_ENGINE_TEXTS = re.compile(
    r"(?:docker-)?compose[\w.-]*\.ya?ml|application[\w-]*\.(?:properties|ya?ml)|\.env\.(?:example|sample)|settings\w*\.py"
)
_SKIP_DIRS = {".git", "node_modules", "target", "vendor", ".venv", "venv", "__pycache__", "build", "dist", ".idea"}
MAX_DEPTH = 6
MAX_ENTRIES = 20_000
# Where each prefilled answer is read from, for messages about it.
PREFILL_ORIGINS = {
    "project_name": "the folder name",
    "go_module": "go.mod",
    "rust_crate": "Cargo.toml",
    "java_group_id": "pom.xml",
    "python_package": "pyproject.toml",
    "stack": "the build files",
    "database": "the database drivers found",
    "cache": "the cache clients found",
    "messaging": "the broker clients found",
}


@dataclass(frozen=True)
class Module:
    """One build file and what it reveals."""

    path: str  # the folder, relative to the detected root ("." for the root)
    build_file: str
    language: str
    frameworks: list[str] = field(default_factory=list)


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
    modules: list[Module] = field(default_factory=list)
    databases: dict[str, list[str]] = field(default_factory=dict)  # engine -> evidence
    migrations: dict[str, list[str]] = field(default_factory=dict)  # tool -> folders
    notes: list[str] = field(default_factory=list)
    generated_by: str | None = None  # the stack, when backend-scaffold generated this folder


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    pending = [(root, 0)]
    while pending and len(found) < MAX_ENTRIES:
        folder, level = pending.pop()
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink() and entry.name not in _SKIP_DIRS and level < MAX_DEPTH:
                pending.append((entry, level + 1))
            found.append(entry)
    return found


_PARSERS: dict[str, Callable[[Path], set[str]]] = {
    "go.mod": manifests.go_requires,
    "Cargo.toml": lambda path: manifests.cargo(path)[0],
    "pom.xml": lambda path: manifests.maven(path)[0],
    "build.gradle": manifests.gradle,
    "build.gradle.kts": manifests.gradle,
    "pyproject.toml": manifests.python_requirements,
    "setup.py": manifests.python_requirements,
    "package.json": lambda path: manifests.npm(path)[0],
}


def _dependencies(path: Path) -> set[str]:
    parser = _PARSERS.get(path.name)
    if parser is not None:
        return set(parser(path))
    if path.name.endswith(".csproj"):
        return manifests.csproj(path)
    if (path.name.startswith("requirements") and path.suffix == ".txt") or path.parent.name == "requirements":
        return manifests.python_requirements(path)
    return set()


def _language(entry: Path, rel: str) -> str | None:
    if entry.name in BUILD_FILES:
        return BUILD_FILES[entry.name]
    if entry.suffix == ".csproj":
        return ".NET"
    if re.fullmatch(r"requirements[\w.-]*\.txt", entry.name) or re.fullmatch(r"requirements/[\w.-]+\.txt", rel):
        return "Python"
    return None


def _modules(root: Path, files: list[tuple[Path, str]]) -> tuple[list[Module], set[str]]:
    modules, drivers = [], set()
    for entry, rel in files:
        language = _language(entry, rel)
        if language is None:
            continue
        dependencies = _dependencies(entry)
        drivers |= evidence.engines_in_dependencies(dependencies)
        folder = Path(rel).parent.as_posix()
        names = sorted(evidence.frameworks(language, dependencies))
        modules.append(Module(folder, entry.name, language, names))
    return sorted(modules, key=lambda m: (m.path.count("/") if m.path != "." else -1, m.path, m.build_file)), drivers


def _engines(files: list[tuple[Path, str]], modules: list[Module], root: Path) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}
    for module in modules:
        for engine in evidence.engines_in_dependencies(_dependencies(root / module.path / module.build_file)):
            found.setdefault(engine, set()).add(f"{module.path}/{module.build_file}".removeprefix("./"))
    for entry, rel in files:
        if _ENGINE_TEXTS.fullmatch(entry.name) and entry.is_file():
            for engine in evidence.engines_in_text(manifests.read(entry)):
                found.setdefault(engine, set()).add(rel)
    return {engine: sorted(where)[:10] for engine, where in sorted(found.items())}


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
            match = re.search(pattern, manifests.read(root / name))
            if match:
                value = match.group(1).strip()
                found[key] = value.replace("-", "_") if key == "python_package" else value
    return found


def _stack_for(modules: list[Module]) -> str | None:
    """The stack of the root's build files, else of the only language the modules share."""
    for candidates in ([m for m in modules if m.path == "."], modules):
        for stack in STACKS:
            if any(m.build_file in stack.markers or m.language == stack.language for m in candidates):
                return stack.id
    return None


def _generated_by(root: Path) -> str | None:
    """The stack, when `.copier-answers.yml` says this template generated the folder."""
    from backend_scaffold.answerfile import read_answers
    from backend_scaffold.errors import AnswerError

    answers = root / ".copier-answers.yml"
    if not answers.is_file():
        return None
    try:
        recorded = read_answers(answers, keep_private=True)
    except AnswerError:
        return None
    stack = recorded.get("stack")
    from_us = "backend-scaffold" in recorded.get("_src_path", "") or stack in {s.id for s in STACKS}
    return stack if from_us and stack else None


def _engine_answers(databases: dict[str, list[str]]) -> tuple[dict[str, str], list[str]]:
    answers, notes = {}, []
    for engine in databases:
        mapped = evidence.ANSWER_FOR_ENGINE.get(engine)
        if isinstance(mapped, tuple):
            answers[mapped[0]] = mapped[1]
        elif mapped:
            notes.append(mapped)
    return answers, notes


def detect(path: Path) -> Detection:
    """Look at `path` (down to MAX_DEPTH levels) and report what it holds."""
    from backend_scaffold.gitops import current_branch

    root = path.resolve()
    entries = _walk(root) if root.is_dir() else []
    files = [(entry, entry.relative_to(root).as_posix()) for entry in entries]
    modules, _ = _modules(root, [(e, rel) for e, rel in files if e.is_file()])
    build_files = sorted(m.build_file for m in modules if m.path == "." and m.build_file in BUILD_FILES)
    databases = _engines(files, modules, root)
    engine_answers, notes = _engine_answers(databases)
    generated = _generated_by(root)
    if generated:
        notes.insert(0, f"generated by backend-scaffold ({generated}): `backend-scaffold update` brings it current")
    stack = generated or _stack_for(modules)
    if not stack and modules:
        notes.append(_found_note(modules))
    return Detection(
        path=str(root),
        build_files=build_files,
        languages=sorted({m.language for m in modules}),
        frameworks=sorted({name for m in modules for name in m.frameworks}),
        database_files=sorted(rel for e, rel in files if e.suffix == ".sql" or e.name == "migrations")[:50],
        config_files=sorted(rel for e, rel in files if e.name in CONFIG_PATTERNS and ".github/" not in rel)[:50],
        git_branch=current_branch(root) if root.is_dir() else None,
        stack=stack,
        prefill={**engine_answers, **_prefill(root, build_files)},
        recommendations=[] if stack else _recommend(),
        modules=modules[:100],
        databases=databases,
        migrations=migrations_in(files),
        notes=notes,
        generated_by=generated,
    )


def _recommend() -> list[str]:
    """The stacks we recommend when none is found, one line on why each."""
    return [f"{get_stack(stack_id).title} ({stack_id}): {get_stack(stack_id).why}" for stack_id in RECOMMENDED]


def _found_note(modules: list[Module]) -> str:
    kinds = sorted({f"{m.language} ({', '.join(m.frameworks) or 'no known framework'})" for m in modules})
    return (
        f"found {', '.join(kinds)}: not a stack backend-scaffold generates; a new service beside it could use one below"
    )
