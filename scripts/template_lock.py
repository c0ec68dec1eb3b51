"""Regenerate a template's lockfile (`uv.lock.jinja`) for every combination of answers.

A lockfile names the project itself and lists exactly the packages its dependencies need, and
the answers (database, cache, messaging) switch dependencies on and off. So this script:

1. renders the template with every dependency on and resolves one lock, from the template's
   current lock unless `--upgrade` is given: the versions;
2. renders every combination, seeds it with that lock, and lets the locker prune it (versions
   stay as resolved in step 1);
3. merges the results into one Jinja template: each package entry is guarded by the
   combinations that need it, and the project's own entry (one variant per combination, in a
   macro) sits wherever the chosen project name sorts, as the locker would put it.

Generated projects therefore run `uv run --locked` offline on day one, and `uv lock` leaves the
file unchanged. Run it after changing the template's dependencies:

    python scripts/template_lock.py python-fastapi
"""

from __future__ import annotations

import argparse
import itertools
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOGGLES = {
    "database": ("postgres", "none"),
    "cache": ("dragonfly", "none"),
    "messaging": ("redpanda", "none"),
    "auth": ("jwt", "none"),
}
PROJECT = "orders-service"
STACKS = {
    # stack: (lock file, lock command, Jinja variable of the project's own entry, its rendered value)
    "python-fastapi": ("uv.lock", ["uv", "lock", "--quiet"], "project_slug", PROJECT),
}

Combo = tuple[str, ...]


def render(stack: str, combo: Combo, dest: Path) -> None:
    data = [f"stack={stack}", "project_name=Orders Service", "jwt_secret=" + "x" * 40]
    data += [f"{key}={value}" for key, value in zip(TOGGLES, combo, strict=True)]
    args = [sys.executable, "-m", "copier", "copy", "--quiet", "--trust", "--defaults"]
    args += [arg for item in data for arg in ("--data", item)]
    # A plain directory copy of the working tree, so uncommitted template edits count.
    source = dest.parent / "template-src"
    if not source.exists():
        shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "*.pyc", "__pycache__"))
    subprocess.run([*args, str(source), str(dest)], check=True, capture_output=True)


def split(text: str) -> tuple[str, list[tuple[str, str]]]:
    header, *blocks = re.split(r"(?m)^(?=\[\[package\]\]\n)", text)
    named = []
    for block in blocks:
        found = re.search(r'(?m)^name = "([^"]+)"$', block)
        if found is None:
            raise SystemExit(f"a [[package]] entry without a name:\n{block}")
        named.append((found.group(1), block.rstrip("\n") + "\n"))
    return header, named


def condition(combos: set[Combo], every: list[Combo]) -> str | None:
    if combos == set(every):
        return None
    # Prefer one answer's value when it alone explains the set (the usual case).
    for index, key in enumerate(TOGGLES):
        for value in TOGGLES[key]:
            if combos == {combo for combo in every if combo[index] == value}:
                return f"{key} == '{value}'"
    listed = ", ".join("(" + ", ".join(f"'{value}'" for value in combo) + ")" for combo in sorted(combos))
    return f"({', '.join(TOGGLES)}) in [{listed}]"


Entries = dict[tuple[str, str], set[Combo]]


def collect(locks: dict[Combo, str], own_name: str, variable: str) -> tuple[str, dict[str, set[Combo]], Entries]:
    """The common header, the project's own entry variants, and every other entry's combinations."""
    headers = set()
    own_variants: dict[str, set[Combo]] = {}
    entries: Entries = {}
    for combo, text in locks.items():
        header, named = split(text)
        headers.add(header.rstrip("\n") + "\n")
        for name, block in named:
            if name == own_name:
                own = block.replace(f'name = "{own_name}"', f'name = "{{{{ {variable} }}}}"', 1)
                own_variants.setdefault(own, set()).add(combo)
                continue
            entries.setdefault((name, block), set()).add(combo)
    if len(headers) != 1:
        raise SystemExit("the combinations' lock headers differ; resolve by hand")
    # Stable sort: variants of one name keep their order.
    return headers.pop(), own_variants, dict(sorted(entries.items(), key=lambda item: item[0][0]))


def own_entry_macro(own_variants: dict[str, set[Combo]], every: list[Combo]) -> str:
    """The project's own entry, one variant per set of combinations, as a Jinja macro."""
    macro = ["{% macro own_entry() %}"]
    variants = list(own_variants.items())
    for index, (block, combos) in enumerate(variants):
        guard = condition(combos, every)
        if len(variants) > 1:
            if index == len(variants) - 1:
                macro.append("{% else %}")
            else:
                macro.append(f"{{% {'if' if index == 0 else 'elif'} {guard} %}}")
        macro.append(block)
    if len(variants) > 1:
        macro.append("{% endif %}")
    macro.append("{% endmacro %}")
    return "".join(macro)


def merge(locks: dict[Combo, str], own_name: str, variable: str) -> str:
    every = list(locks)
    header, own_variants, entries = collect(locks, own_name, variable)
    # Every entry is preceded by one blank line, so entries can come and go independently.
    parts = [own_entry_macro(own_variants, every), header]
    previous = ""
    for name, block in entries:
        if name != previous:
            gap = f'"{previous}" < {variable} < "{name}"' if previous else f'{variable} < "{name}"'
            parts.append(f"{{% if {gap} %}}\n{{{{ own_entry() }}}}{{% endif %}}")
        guard = condition(entries[(name, block)], every)
        parts.append("\n" + block if guard is None else f"{{% if {guard} %}}\n{block}{{% endif %}}")
        previous = name
    parts.append(f'{{% if {variable} > "{previous}" %}}\n{{{{ own_entry() }}}}{{% endif %}}')
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stack", choices=sorted(STACKS))
    parser.add_argument("--upgrade", action="store_true", help="resolve afresh instead of keeping the locked versions")
    arguments = parser.parse_args()
    stack = arguments.stack
    lock_name, command, variable, own_name = STACKS[stack]
    combos = list(itertools.product(*TOGGLES.values()))
    with tempfile.TemporaryDirectory(prefix="template-lock-") as scratch:
        work = Path(scratch)
        superset = work / "all-on"
        render(stack, combos[0], superset)
        if arguments.upgrade:  # otherwise the locker keeps the versions the template locks
            (superset / lock_name).unlink(missing_ok=True)
        subprocess.run(command, cwd=superset, check=True)
        seed = (superset / lock_name).read_text(encoding="utf-8")
        locks: dict[Combo, str] = {}
        for combo in combos:
            project = work / "-".join(combo)
            render(stack, combo, project)
            (project / lock_name).write_text(seed, encoding="utf-8")
            subprocess.run(command, cwd=project, check=True)
            locks[combo] = (project / lock_name).read_text(encoding="utf-8")
    target = ROOT / "templates" / stack / f"{lock_name}.jinja"
    target.write_text(merge(locks, own_name, variable), encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)} from {len(combos)} answer combinations")


if __name__ == "__main__":
    main()
