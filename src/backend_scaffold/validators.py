"""Validation rules for answers: each returns None when the value is fine, else the fix."""

from __future__ import annotations

import keyword
import re
import sys
from collections.abc import Callable

from backend_scaffold.taken import JAVA_KEYWORDS, PYTHON_DEPENDENCIES, RUST_KEYWORDS

Rule = Callable[[str], "str | None"]

_UNSAFE_TEXT = set('"\\`<>&{}')
# Characters a dotenv line, a shell or docker compose would read as syntax around a secret.
_SECRET_UNSAFE = set(" \"'`#$\\")


def text(value: str) -> str | None:
    """Free text that lands in code, TOML, YAML and XML: one line, no quoting characters."""
    if not value.strip():
        return "must not be empty"
    if len(value) > 200:
        return "must be at most 200 characters"
    bad = sorted({ch for ch in value if ch in _UNSAFE_TEXT or not ch.isprintable()})
    if bad:
        shown = " ".join(repr(ch) for ch in bad)
        return f"must not contain {shown} (they break generated code and config files)"
    return None


def project_name(value: str) -> str | None:
    """A human name: starts with a letter; letters, digits, spaces, dots, dashes, underscores."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9 ._-]{0,63}", value):
        return "must start with a letter and use only letters, digits, spaces, '.', '-', '_' (64 max)"
    return None


def slug(value: str) -> str | None:
    """A lowercase dash-separated slug usable for directories, images and packages."""
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", value) or len(value) > 63:
        return "must be lowercase letters and digits separated by single dashes, starting with a letter (63 max)"
    return None


def email(value: str) -> str | None:
    """A plausible e-mail address."""
    if not re.fullmatch(r"[^@\s\"<>]+@[^@\s\"<>]+\.[A-Za-z]{2,}", value):
        return "must be an e-mail address such as team@example.com"
    return None


def go_module(value: str) -> str | None:
    """A Go module path: slash-separated elements; the first is a lowercase host-like name."""
    from backend_scaffold.taken import go_module_taken

    problem = _go_module_syntax(value)
    if problem:
        return problem
    taken = go_module_taken(value)
    if taken:
        return f"is the generated project's own dependency {taken}; pick your own path, e.g. example.com/team/service"
    return None


def _go_module_syntax(value: str) -> str | None:
    odd = sorted({repr(ch) for ch in value if ch.isspace() or not ch.isprintable()})
    if odd:
        return f"must not contain {' '.join(odd)}: a module path is one word such as example.com/team/service"
    elements = value.split("/")
    if not value or any(not element for element in elements):
        return "must be a module path such as example.com/team/service (no empty elements)"
    first = elements[0]
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", first) or first.endswith("."):
        return "must start with a lowercase host such as github.com or example.com"
    for element in elements:
        if not re.fullmatch(r"[A-Za-z0-9._~-]+", element):
            return f"element {element!r} may use only letters, digits and . _ ~ -"
        if element.startswith(".") or element.endswith(".") or element.startswith("-"):
            return f"element {element!r} must not start with '.' or '-' or end with '.'"
    return None


def rust_crate(value: str) -> str | None:
    """A crate name rustc accepts without a naming lint, and not a keyword or std crate."""
    if not re.fullmatch(r"[a-z][a-z0-9]*([_-][a-z0-9]+)*", value) or len(value) > 64:
        return "must be lowercase snake_case or kebab-case starting with a letter, such as orders_service"
    from backend_scaffold.taken import rust_crates

    if value.replace("-", "_") in RUST_KEYWORDS:
        return f"{value!r} is a Rust keyword or built-in crate; pick another name"
    if value.replace("-", "_") in rust_crates():
        return f"{value!r} is a crate the generated project depends on and would not compile (E0464); pick another name"
    return None


def _java_dotted(value: str, what: str) -> str | None:
    segments = value.split(".")
    for segment in segments:
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", segment):
            return f"each {what} segment must be a lowercase Java identifier (got {segment!r}), e.g. com.example.orders"
        if segment in JAVA_KEYWORDS:
            return f"{segment!r} is a Java keyword; pick another {what} segment"
    return None


def java_group_id(value: str) -> str | None:
    """A Maven groupId that is also a valid package prefix."""
    return _java_dotted(value, "groupId")


def java_package(value: str) -> str | None:
    """A Java package name (dotted lowercase identifiers, no keywords)."""
    return _java_dotted(value, "package")


def java_framework(value: str) -> str | None:
    """Quarkus is reserved for a later release."""
    if value == "quarkus":
        return "quarkus is reserved and not generated yet; use spring-boot"
    return None


def python_package(value: str) -> str | None:
    """An importable package name that shadows neither the standard library nor a dependency."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", value):
        return "must be a lowercase Python identifier such as orders_service"
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        return f"{value!r} is a Python keyword; pick another name"
    if value in sys.stdlib_module_names:
        return f"{value!r} would shadow the standard library module of that name; pick another"
    if value in PYTHON_DEPENDENCIES:
        return f"{value!r} would shadow a dependency of the generated project; pick another"
    return None


def jwt_secret(value: str) -> str | None:
    """A signing secret long enough for HS256, on one line of `.env` as it stands (never echoed)."""
    if len(value) < 32:
        return "must be at least 32 characters (HS256 needs 256 bits of key)"
    if len(value) > 512:
        return "must be at most 512 characters"
    if not all(ch.isascii() and ch.isprintable() and ch not in _SECRET_UNSAFE for ch in value):
        return (
            "must be one line of printable ASCII without spaces, quotes, '#', '$' or '\\', e.g. openssl rand -base64 48"
        )
    return None


RULES: dict[str, Rule] = {
    "project_name": project_name,
    "project_slug": slug,
    "description": text,
    "author_name": text,
    "author_email": email,
    "go_module": go_module,
    "rust_crate": rust_crate,
    "java_group_id": java_group_id,
    "java_package": java_package,
    "java_framework": java_framework,
    "python_package": python_package,
    "jwt_secret": jwt_secret,
}
