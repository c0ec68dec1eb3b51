"""Turn a freshly resolved lockfile into a template lockfile (`uv.lock.jinja`, `Cargo.lock.jinja`).

Both uv and Cargo list packages sorted by name, and the project's own entry carries the name the
user chose, so the template places that entry wherever the name sorts. Cargo compares lockfile
text under `--locked`, so the position matters there, not only for tidiness. Usage, after
editing a template's dependencies:

    copier copy --trust --defaults --data stack=rust-axum --data project_name="Orders Service" . /tmp/lock-me
    (cd /tmp/lock-me && cargo generate-lockfile)     # or: uv lock
    python scripts/template_lock.py /tmp/lock-me/Cargo.lock orders_service rust_crate \
        templates/rust-axum/Cargo.lock.jinja
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def template_lock(text: str, project: str, variable: str) -> str:
    """The lockfile `text` with the entry named `project` placed by the Jinja `variable`."""
    header, *blocks = re.split(r"(?m)^(?=\[\[package\]\]\n)", text)
    named = []
    for block in blocks:
        found = re.search(r'(?m)^name = "([^"]+)"$', block)
        if found is None:
            raise SystemExit(f"a [[package]] entry without a name:\n{block}")
        named.append((found.group(1), block.rstrip("\n") + "\n"))
    own = next(block for name, block in named if name == project)
    own = own.replace(f'name = "{project}"', f'name = "{{{{ {variable} }}}}"', 1)
    parts = [header]
    previous = ""
    for name, block in ((name, block) for name, block in named if name != project):
        condition = f'"{previous}" < {variable} < "{name}"' if previous else f'{variable} < "{name}"'
        separator = "\n" if previous else ""
        parts.append(f"{separator}{{% if {condition} %}}{own}\n{{% endif %}}{block}")
        previous = name
    parts.append(f'{{% if {variable} > "{previous}" %}}\n{own}{{% endif %}}')
    return "".join(parts)


def main(lock_path: str, project: str, variable: str, target: str) -> None:
    text = template_lock(Path(lock_path).read_text(encoding="utf-8"), project, variable)
    Path(target).write_text(text, encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main(*sys.argv[1:])
