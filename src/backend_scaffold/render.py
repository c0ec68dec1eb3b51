"""The one place that calls Copier: render into a staging folder, then move it into place."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from backend_scaffold.errors import DestinationError, RenderError

Existing = Literal["refuse", "skip", "overwrite"]
STAGING_SUFFIX = "backend-scaffold-"


@dataclass(frozen=True)
class StepOutcome:
    """What a post-render step did: ran, failed (with output) or was skipped (tool missing)."""

    command: str
    status: Literal["ok", "failed", "skipped"]
    detail: str = ""


def copier_copy(template: Path, target: Path, data: dict[str, str]) -> None:
    """Render the template into `target` with every answer given (no prompts)."""
    import warnings

    import copier

    try:
        with warnings.catch_warnings():
            # Copier warns about dirty checkouts and missing tags; our users cannot act on either.
            warnings.simplefilter("ignore")
            # HEAD, not Copier's default of the newest tag: a checkout renders its working tree.
            copier.run_copy(
                str(template), str(target), data=data, defaults=True, overwrite=True, quiet=True, unsafe=False,
                vcs_ref="HEAD",
            )  # fmt: skip
    except Exception as exc:  # any Copier failure: report its words; the caller cleans up
        raise RenderError(f"rendering the template failed: {exc}") from exc


def run_steps(folder: Path, steps: tuple[tuple[str, ...], ...]) -> list[StepOutcome]:
    """Run post-render commands (code generation, wrappers); a missing tool is skipped, not fatal."""
    outcomes: list[StepOutcome] = []
    for step in steps:
        shown = " ".join(step)
        if shutil.which(step[0]) is None:
            outcomes.append(StepOutcome(shown, "skipped", f"{step[0]} not found on PATH"))
            continue
        result = subprocess.run(step, cwd=folder, capture_output=True, text=True, check=False)
        if result.returncode == 0:
            outcomes.append(StepOutcome(shown, "ok"))
        else:
            tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
            outcomes.append(StepOutcome(shown, "failed", " | ".join(tail)))
    return outcomes


def staging_dir(dest: Path) -> Path:
    """A private folder beside `dest`, on the same file system so the final move is a rename."""
    return Path(tempfile.mkdtemp(prefix=f".{dest.name}.{STAGING_SUFFIX}", dir=dest.parent))


def check_destination(dest: Path, existing: Existing) -> None:
    """Refuse a destination we must not write into as asked."""
    if dest.exists() and not dest.is_dir():
        raise DestinationError(f"{dest} exists and is not a directory; choose another destination")
    if dest.is_dir() and any(dest.iterdir()) and existing == "refuse":
        raise DestinationError(
            f"{dest} is not empty; pass --skip-existing to keep its files or --overwrite to replace them"
        )


def files_under(folder: Path) -> list[str]:
    """Every file below `folder` (not .git), as sorted relative POSIX paths."""
    found = []
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if rel.parts[0] != ".git" and (path.is_file() or path.is_symlink()):
            found.append(rel.as_posix())
    return sorted(found)


def place(staging: Path, dest: Path, existing: Existing) -> list[str]:
    """Move the staged project into `dest`; returns the files the user's tree did not have before.

    A missing or empty destination is replaced in one rename. Into a non-empty one, files move
    one by one, skipping or replacing existing ones as asked; any failure restores what was there.
    """
    if not dest.exists() or not any(dest.iterdir()):
        if dest.exists():
            dest.rmdir()
        os.replace(staging, dest)
        return files_under(dest)
    return _merge(staging, dest, existing)


def _merge(staging: Path, dest: Path, existing: Existing) -> list[str]:
    moved: list[Path] = []
    backups: list[tuple[Path, Path]] = []
    backup_dir = Path(tempfile.mkdtemp(prefix=".backend-scaffold-backup-", dir=dest.parent))
    added: list[str] = []
    try:
        for rel in files_under(staging):
            target = dest / rel
            if target.exists():
                if existing == "skip":
                    continue
                saved = backup_dir / rel
                saved.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, saved)
                backups.append((target, saved))
            else:
                added.append(rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / rel, target)
            moved.append(target)
    except OSError as exc:
        for target in moved:
            target.unlink(missing_ok=True)
        for target, saved in backups:
            os.replace(saved, target)
        raise RenderError(f"moving the project into {dest} failed ({exc}); {dest} is as it was") from exc
    finally:
        shutil.rmtree(backup_dir, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    return added
