"""Names a project must not take: each language's reserved words, and what the templates use.

A crate named like one of its own dependencies does not compile (E0464), a Go module whose path
is, or lies under, a required module makes that module's imports ambiguous, and a Python package
named like a dependency shadows it. Crates and Go modules are read from the templates themselves.
"""

from __future__ import annotations

import re
from functools import lru_cache

from backend_scaffold.stacks import template_root

JAVA_KEYWORDS = frozenset(
    (
        "abstract",
        "assert",
        "boolean",
        "break",
        "byte",
        "case",
        "catch",
        "char",
        "class",
        "const",
        "continue",
        "default",
        "do",
        "double",
        "else",
        "enum",
        "extends",
        "final",
        "finally",
        "float",
        "for",
        "goto",
        "if",
        "implements",
        "import",
        "instanceof",
        "int",
        "interface",
        "long",
        "native",
        "new",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "short",
        "static",
        "strictfp",
        "super",
        "switch",
        "synchronized",
        "this",
        "throw",
        "throws",
        "transient",
        "try",
        "void",
        "volatile",
        "while",
        "true",
        "false",
        "null",
        "_",
    )
)
RUST_KEYWORDS = frozenset(
    (
        "as",
        "async",
        "await",
        "break",
        "const",
        "continue",
        "crate",
        "dyn",
        "else",
        "enum",
        "extern",
        "false",
        "fn",
        "for",
        "gen",
        "if",
        "impl",
        "in",
        "let",
        "loop",
        "match",
        "mod",
        "move",
        "mut",
        "pub",
        "ref",
        "return",
        "self",
        "static",
        "struct",
        "super",
        "trait",
        "true",
        "type",
        "unsafe",
        "use",
        "where",
        "while",
        "abstract",
        "become",
        "box",
        "do",
        "final",
        "macro",
        "override",
        "priv",
        "try",
        "typeof",
        "unsized",
        "virtual",
        "yield",
        "std",
        "core",
        "alloc",
        "test",
        "proc_macro",
    )
)
# Top-level modules installed in the generated Python project's locked environment (every answer
# on, dev tools included; pytest's `py` shim among them) and its own `tests`/`app`: a package
# with one of these names would shadow it. Listed from a generated project's .venv.
PYTHON_DEPENDENCIES = frozenset(
    (
        "alembic",
        "annotated_doc",
        "annotated_types",
        "anyio",
        "app",
        "argon2",
        "asgiref",
        "ast_serialize",
        "asyncpg",
        "certifi",
        "cffi",
        "charset_normalizer",
        "click",
        "confluent_kafka",
        "dns",
        "dotenv",
        "email_validator",
        "fastapi",
        "google",
        "greenlet",
        "h11",
        "httpcore",
        "httpx",
        "idna",
        "iniconfig",
        "jwt",
        "librt",
        "mako",
        "markupsafe",
        "mypy",
        "mypy_extensions",
        "mypyc",
        "opentelemetry",
        "packaging",
        "pathspec",
        "pluggy",
        "prometheus_client",
        "py",
        "pycparser",
        "pydantic",
        "pydantic_core",
        "pydantic_settings",
        "pygments",
        "pytest",
        "redis",
        "requests",
        "ruff",
        "sqlalchemy",
        "starlette",
        "tests",
        "typing_extensions",
        "typing_inspection",
        "urllib3",
        "uvicorn",
        "wrapt",
    )
)

_RUST_TEMPLATE = "templates/rust-axum"
_GO_TEMPLATE = "templates/go-connectrpc"


@lru_cache(maxsize=1)
def rust_crates() -> frozenset[str]:
    """Every package of the rust-axum lock file (any answers), with `-` spelled `_`."""
    text = (template_root() / _RUST_TEMPLATE / "Cargo.lock.jinja").read_text(encoding="utf-8")
    names = re.findall(r'(?m)^name = "([A-Za-z0-9_-]+)"', text)
    return frozenset(name.replace("-", "_") for name in names)


@lru_cache(maxsize=1)
def go_modules() -> frozenset[str]:
    """Every module the go-connectrpc go.mod requires or runs as a tool (any answers)."""
    text = (template_root() / _GO_TEMPLATE / "go.mod.jinja").read_text(encoding="utf-8")
    return frozenset(re.findall(r"(?m)^\s*(?:require\s+)?([a-z0-9.-]+\.[a-z]+(?:/\S+)?)\s+v\d\S*", text))


def go_module_taken(path: str) -> str | None:
    """The required module that `path` equals or lies under, if any."""
    for module in sorted(go_modules()):
        if path == module or path.startswith(module + "/"):
            return module
    return None
