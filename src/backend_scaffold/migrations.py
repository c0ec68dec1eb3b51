"""Migration tools and their folders: Alembic, Flyway, Liquibase, sqlx, diesel, Django, Prisma,
golang-migrate and goose, told apart by the files around each folder.
"""

from __future__ import annotations

import re
from pathlib import Path

from backend_scaffold import manifests


def migrations_in(files: list[tuple[Path, str]]) -> dict[str, list[str]]:
    """Each migration tool found, with its folders (relative to the detected root)."""
    found: dict[str, set[str]] = {}
    names = {rel for _, rel in files}

    def add(tool: str, folder: str) -> None:
        found.setdefault(tool, set()).add(folder)

    for entry, rel in files:
        parent = Path(rel).parent.as_posix()
        if entry.name == "alembic.ini":
            add("alembic", _alembic_folder(entry, parent))
        elif entry.is_dir() and rel.endswith("db/migration"):
            add("flyway", rel)
        elif (entry.is_dir() and rel.endswith("db/changelog")) or re.search(r"changelog[\w.-]*\.(xml|ya?ml)$", rel):
            add("liquibase", rel if entry.is_dir() else parent)
        elif entry.name == "migrations" and entry.is_dir():
            add(_migrations_tool(entry, rel, names), rel)
    return {tool: sorted(folders)[:10] for tool, folders in sorted(found.items())}


def _alembic_folder(ini: Path, parent: str) -> str:
    match = re.search(r"(?m)^script_location\s*=\s*(\S+)", manifests.read(ini))
    location = match[1].replace("%(here)s/", "") if match else "alembic"
    return f"{parent}/{location}".removeprefix("./")


def _migrations_tool(folder: Path, rel: str, names: set[str]) -> str:
    parent = Path(rel).parent.as_posix()
    beside = {name for name in ("diesel.toml", "Cargo.toml") if f"{parent}/{name}".removeprefix("./") in names}
    sql = sorted(path.name for path in folder.iterdir() if path.suffix == ".sql")
    checks = (
        (f"{rel}/__init__.py" in names, "django"),
        (parent.endswith("prisma"), "prisma"),
        ("diesel.toml" in beside, "diesel"),
        ("Cargo.toml" in beside, "sqlx"),
        (any(name.endswith(".up.sql") for name in sql), "golang-migrate"),
        (any("+goose" in manifests.read(folder / name)[:2000] for name in sql), "goose"),
    )
    return next((tool for matched, tool in checks if matched), "sql files")
