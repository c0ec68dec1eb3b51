"""Names the generated projects already use, read from the templates: a project must not take one.

A crate named like one of its own dependencies does not compile (E0464), and a Go module whose
path is, or lies under, a required module makes that module's imports ambiguous.
"""

from __future__ import annotations

import re
from functools import lru_cache

from backend_scaffold.stacks import template_root

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
