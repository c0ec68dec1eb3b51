"""`new` into a folder that already holds files: which it keeps or overwrites, and what that costs.

A kept build file (go.mod, Cargo.toml, pom.xml, pyproject.toml, Makefile) is compared with the one
the template would have written: what the generated code needs and the kept file lacks (required
modules, crates, Maven artifacts, Python distributions, Makefile targets) is named in a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from backend_scaffold import manifests


@dataclass(frozen=True)
class Overlap:
    """The files of a render that the destination already has, and what keeping them lacks."""

    kept: list[str] = field(default_factory=list)
    overwritten: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _makefile_targets(path: Path) -> set[str]:
    return set(re.findall(r"(?m)^([A-Za-z][\w-]*):(?!=)", manifests.read(path)))


def _maven_artifacts(path: Path) -> set[str]:
    return {coordinate.split(":")[1] for coordinate in manifests.maven(path)[0] if ":" in coordinate}


_NEEDS = {
    "go.mod": ("required modules", manifests.go_requires),
    "Cargo.toml": ("dependencies", lambda path: manifests.cargo(path)[0]),
    "pom.xml": ("artifacts", _maven_artifacts),
    "pyproject.toml": ("dependencies", manifests.python_requirements),
    "Makefile": ("targets", _makefile_targets),
}


def overlap(rendered: Path, dest: Path, files: list[str], *, skip: bool) -> Overlap:
    """Compare the rendered `files` with what `dest` holds; `skip` keeps the destination's files."""
    if not dest.is_dir():
        return Overlap()
    present = [name for name in files if (dest / name).exists() or (dest / name).is_symlink()]
    if not skip:
        return Overlap(overwritten=present)
    warnings = []
    for name in present:
        need = _NEEDS.get(Path(name).name)
        if need is None:
            continue
        what, read = need
        missing = sorted(read(rendered / name) - read(dest / name))
        if missing:
            shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
            warnings.append(f"kept {name} lacks {what} the generated code needs: {shown}")
    return Overlap(kept=present, warnings=warnings)
