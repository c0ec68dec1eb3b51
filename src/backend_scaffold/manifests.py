"""Dependencies read from build files by parsing them: go.mod, Cargo.toml, pom.xml, Gradle,
pyproject.toml, requirements files, setup.py, package.json and .csproj. Never by substring: a
module named `spring-boot-properties-quickstart` is not Spring Boot, a project called
`django-notes` is not Django.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

MAX_BYTES = 1_000_000
_PEP508_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def read(path: Path) -> str:
    """A build file's text, bounded; empty when it cannot be read."""
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read(path))
    except tomllib.TOMLDecodeError:
        return {}


def go_requires(path: Path) -> set[str]:
    """Module paths a go.mod requires directly (the block and the one-line form; not `// indirect`)."""
    text = "\n".join(line for line in read(path).splitlines() if "// indirect" not in line)
    block = "\n".join(re.findall(r"(?ms)^require\s*\((.*?)^\)", text))
    single = "\n".join(re.findall(r"(?m)^require\s+([^(\s].*)$", text))
    return set(re.findall(r"(?m)^\s*([^\s/]+\.[^\s/]+(?:/\S+)?)\s+v\S+", f"{block}\n{single}"))


def go_work_uses(path: Path) -> list[str]:
    """Module folders a go.work uses."""
    text = read(path)
    block = "\n".join(re.findall(r"(?ms)^use\s*\((.*?)^\)", text))
    single = re.findall(r"(?m)^use\s+([^(\s]\S*)", text)
    return [entry.strip() for entry in [*block.split(), *single] if entry.strip() and not entry.startswith("//")]


def cargo(path: Path) -> tuple[set[str], list[str]]:
    """A Cargo.toml's dependency names (all tables) and its workspace members."""
    data = _toml(path)
    names: set[str] = set()
    tables = [data, data.get("workspace", {}), *data.get("target", {}).values()]
    for table in tables:
        for key in ("dependencies", "dev-dependencies", "build-dependencies"):
            names |= set(table.get(key, {}))
    members = data.get("workspace", {}).get("members", [])
    return names, [str(member) for member in members]


def maven(path: Path) -> tuple[set[str], list[str]]:
    """A pom.xml's dependency, plugin and parent coordinates (groupId:artifactId) and its modules."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(read(path))  # noqa: S314
    except ET.ParseError:
        return set(), []
    for element in root.iter():
        element.tag = element.tag.rsplit("}", 1)[-1]
    coordinates = set()
    for node in [*root.iter("dependency"), *root.iter("plugin"), *root.iter("parent")]:
        group, artifact = node.findtext("groupId", ""), node.findtext("artifactId", "")
        if group or artifact:
            coordinates.add(f"{group.strip()}:{artifact.strip()}")
    modules = [(module.text or "").strip() for module in root.iter("module") if (module.text or "").strip()]
    return coordinates, modules


def gradle(path: Path) -> set[str]:
    """Coordinates and plugin ids a build.gradle(.kts) names in strings."""
    text = read(path)
    coordinates = set(re.findall(r"['\"]([A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+)(?::[^'\"]*)?['\"]", text))
    plugins = set(re.findall(r"id\s*\(?\s*['\"]([A-Za-z0-9_.-]+)['\"]", text))
    return coordinates | {f"{plugin}:plugin" for plugin in plugins}


def gradle_includes(path: Path) -> list[str]:
    """Projects a settings.gradle(.kts) includes, as folders."""
    names = re.findall(r"['\"]:?([A-Za-z0-9_.:/-]+)['\"]", " ".join(re.findall(r"(?m)^\s*include\b(.*)$", read(path))))
    return [name.replace(":", "/") for name in names]


def python_requirements(path: Path) -> set[str]:
    """Distribution names from pyproject.toml, requirements*.txt or setup.py, normalised."""
    if path.name == "pyproject.toml":
        data = _toml(path)
        project = data.get("project", {})
        specs = list(project.get("dependencies", []))
        for extra in project.get("optional-dependencies", {}).values():
            specs += list(extra)
        for group in data.get("dependency-groups", {}).values():
            specs += [spec for spec in group if isinstance(spec, str)]
        poetry = data.get("tool", {}).get("poetry", {})
        specs += list(poetry.get("dependencies", {})) + list(poetry.get("dev-dependencies", {}))
    elif path.name == "setup.py":
        specs = re.findall(r"['\"]([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:[<>=!~\[;][^'\"]*)?['\"]", read(path))
    else:
        specs = [line for line in read(path).splitlines() if not line.lstrip().startswith(("#", "-"))]
    names = set()
    for spec in specs:
        match = _PEP508_NAME.match(str(spec))
        if match:
            names.add(re.sub(r"[-_.]+", "-", match[1]).lower())
    return names


def npm(path: Path) -> tuple[set[str], list[str]]:
    """A package.json's dependency names and its workspaces."""
    try:
        data = json.loads(read(path))
    except json.JSONDecodeError:
        return set(), []
    if not isinstance(data, dict):
        return set(), []
    names: set[str] = set()
    for key in ("dependencies", "devDependencies", "peerDependencies"):
        if isinstance(data.get(key), dict):
            names |= set(data[key])
    workspaces = data.get("workspaces", [])
    if isinstance(workspaces, dict):
        workspaces = workspaces.get("packages", [])
    return names, [str(entry) for entry in workspaces if isinstance(entry, str)]


def csproj(path: Path) -> set[str]:
    """NuGet packages and the SDK a .csproj references."""
    text = read(path)
    packages = set(re.findall(r"<PackageReference\s+Include=\"([^\"]+)\"", text))
    sdk = re.findall(r"<Project\s+Sdk=\"([^\"]+)\"", text)
    return packages | {f"sdk:{name}" for name in sdk}
