"""Git through GitPython: the only module that imports git."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from backend_scaffold.errors import GitError

if TYPE_CHECKING:
    from git import Repo

# Used only when the user has no git identity configured, so the first commit still happens.
_FALLBACK_NAME = "backend-scaffold"
_FALLBACK_EMAIL = "backend-scaffold@localhost"


def _repo(path: Path) -> Repo | None:
    from git import InvalidGitRepositoryError, NoSuchPathError, Repo

    try:
        return Repo(path, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError):
        return None


def inside_work_tree(path: Path) -> bool:
    """Whether `path` (or its nearest existing parent) lies inside a git work tree."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    repo = _repo(probe)
    return repo is not None and not repo.bare


def current_branch(path: Path) -> str | None:
    """The checked-out branch at `path`, or None outside a repository or on a detached HEAD."""
    repo = _repo(path)
    if repo is None:
        return None
    try:
        return repo.active_branch.name
    except (TypeError, ValueError):
        return None


def init_and_commit(path: Path, message: str) -> str:
    """`git init -b main`, stage everything not ignored, and make the first commit; returns its sha."""
    from git import GitCommandError, Repo

    try:
        repo = Repo.init(path, initial_branch="main")
        repo.git.add(all=True)
        identity = _identity_overrides(repo)
        repo.git.execute(["git", *identity, "commit", "--quiet", "--no-verify", "-m", message])
        return repo.head.commit.hexsha
    except GitCommandError as exc:
        raise GitError(f"git failed in {path}: {str(exc.stderr).strip() or exc}") from exc


def _identity_overrides(repo: Repo) -> list[str]:
    reader = repo.config_reader()
    overrides: list[str] = []
    if not reader.get_value("user", "name", ""):
        overrides += ["-c", f"user.name={_FALLBACK_NAME}"]
    if not reader.get_value("user", "email", ""):
        overrides += ["-c", f"user.email={_FALLBACK_EMAIL}"]
    return overrides


def commit_count(path: Path) -> int:
    """Number of commits reachable from HEAD (0 for a repository with none)."""
    repo = _repo(path)
    if repo is None or not repo.head.is_valid():
        return 0
    return sum(1 for _ in repo.iter_commits())
