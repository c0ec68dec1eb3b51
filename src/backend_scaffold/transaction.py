"""An update brought into the work tree as one last step, through a journal the next run finishes.

The merge happens in a scratch clone. Its outcome, files to write and files to delete, is staged
under the project's git directory (`backend-scaffold-update/`, on the work tree's file system,
so every move in is a rename) and described by `manifest.json`, written last and atomically.
Applying moves the staged files in and deletes the others, `.copier-answers.yml` last, then drops
the journal. A run killed before the manifest exists left the tree as it was (the half-staged
journal is removed next time); a run killed after it is finished by the next `update`, as long as
each file it names still holds its old or its new content.

Scratch folders carry the pid of the run that made them in their name; the next run removes those whose run is
gone, Copier's own temporary folders included (they are made inside ours), once no child of the killed
run still works in them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend_scaffold.errors import ProjectError

JOURNAL = "backend-scaffold-update"
MANIFEST = "manifest.json"
ANSWERS_FILE = ".copier-answers.yml"
SCRATCH_PURPOSES = ("update", "pretend")  # update's merge, new --pretend's render
_SCRATCH_NAME = re.compile(rf"backend-scaffold-(?:{'|'.join(SCRATCH_PURPOSES)})-(?:(\d+)-)?")


@dataclass(frozen=True)
class Change:
    """One file of the update: its content hash before, and after (None: absent)."""

    path: str
    old: str | None
    new: str | None


def digest(path: Path) -> str | None:
    """A hash of a file's content (of its target, for a symlink); None when it does not exist."""
    if path.is_symlink():
        return "link:" + hashlib.sha256(os.readlink(path).encode()).hexdigest()
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def journal_dir(project: Path) -> Path:
    """Where this project's journal lives: inside its repository's git directory."""
    result = subprocess.run(
        ["git", "rev-parse", "--absolute-git-dir"], cwd=project, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise ProjectError(f"{project} is not in a git repository; update merges through git, so commit it first")
    return Path(result.stdout.strip()) / JOURNAL


def pending(project: Path) -> dict[str, Any] | None:
    """The manifest of an interrupted update of this project, if one is waiting to be finished."""
    try:
        journal = journal_dir(project)
    except ProjectError:
        return None  # not in a repository: no update ever started here
    manifest = journal / MANIFEST
    if not manifest.is_file():
        shutil.rmtree(journal, ignore_errors=True)  # staged but never described: the tree is untouched
        return None
    loaded: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
    if loaded.get("project") != str(project):
        raise ProjectError(f"{journal} holds an interrupted update of {loaded.get('project')}; run update there first")
    return loaded


def stage(project: Path, writes: dict[str, Path | str], deletes: list[str], report: dict[str, Any]) -> None:
    """Copy the outcome into the journal and describe it; nothing in the work tree changes yet."""
    journal = journal_dir(project)
    shutil.rmtree(journal, ignore_errors=True)
    files = journal / "files"
    changes: list[Change] = []
    for rel, source in sorted(writes.items()):
        target = files / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, str):
            target.write_text(source, encoding="utf-8")
        else:
            shutil.copy2(source, target, follow_symlinks=False)
        changes.append(Change(rel, digest(project / rel), digest(target)))
    changes += [Change(rel, digest(project / rel), None) for rel in sorted(deletes)]
    # Applied in this order: .copier-answers.yml last, so the version moves only with the files.
    changes.sort(key=lambda change: change.path == ANSWERS_FILE)
    manifest = {"project": str(project), "changes": [vars(change) for change in changes], "report": report}
    temporary = journal / f"{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest), encoding="utf-8")
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, journal / MANIFEST)


def apply(project: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Bring a staged update into the work tree (again, after an interruption); returns its report."""
    journal = journal_dir(project)
    changes = [Change(**change) for change in manifest["changes"]]
    foreign = [c.path for c in changes if digest(project / c.path) not in (c.old, c.new)]
    if foreign:
        raise ProjectError(
            f"an interrupted update cannot be finished: {', '.join(foreign[:5])} changed since; restore them "
            f"with `git checkout -- .`, remove {journal}, and run update again"
        )
    for change in changes:
        _apply_one(project, journal / "files", change)
    shutil.rmtree(journal, ignore_errors=True)
    report: dict[str, Any] = manifest["report"]
    return report


def _apply_one(project: Path, files: Path, change: Change) -> None:
    target = project / change.path
    if change.new is None:
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        _prune_empty(target.parent, project)
        return
    staged = files / change.path
    if digest(target) == change.new and not staged.exists():
        return  # moved in before the interruption
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    os.replace(staged, target)


def _prune_empty(folder: Path, project: Path) -> None:
    while folder != project and project in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


@contextlib.contextmanager
def scratch(purpose: str = "update") -> Iterator[Path]:
    """A private scratch folder that also holds every temporary folder made while it is open."""
    # The owner's pid is in the name: it stays readable while a killed run's folder is half removed.
    folder = Path(tempfile.mkdtemp(prefix=f"backend-scaffold-{purpose}-{os.getpid()}-"))
    (folder / "tmp").mkdir()
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder / "tmp")
    try:
        yield folder
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(folder, ignore_errors=True)


def sweep() -> list[Path]:
    """Remove the scratch folders of runs that were killed; returns what was removed."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob("backend-scaffold-*"):
        named = _SCRATCH_NAME.match(folder.name)
        if named is None or not folder.is_dir():
            continue
        owner = named[1]
        if owner is not None and _alive(int(owner)):
            continue
        if owner is None and _age(folder) < 3600:
            continue  # named by an older version: only remove it once it is surely abandoned
        if not _orphans_gone(folder):
            continue  # a later run removes it
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _orphans_gone(folder: Path, wait: float = 10.0) -> bool:
    """Wait for the killed run's children (a `git clone`, say) that still work in folder.

    They outlive a SIGKILL of their parent, and git recreates the folders it writes into, so
    removing the folder under them would only leave it behind again. Only /proc shows them; where
    there is none, nothing is waited for.
    """
    import time

    deadline = time.monotonic() + wait
    while _working_in(folder):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _working_in(folder: Path) -> bool:
    proc = Path("/proc")
    if not proc.is_dir():
        return False
    inside = str(folder.resolve())
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue  # gone meanwhile, or not ours to look at
        if cwd == inside or cwd.startswith(inside + os.sep):
            return True
    return False


def _age(folder: Path) -> float:
    import time

    try:
        return time.time() - folder.stat().st_mtime
    except OSError:
        return 0.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
