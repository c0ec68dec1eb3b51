"""Every released template version, available offline to `update` and to plain `copier update`.

A project records where its template came from in `.copier-answers.yml`. That record must stay
valid when backend-scaffold is reinstalled, moved to another virtual environment or used by a
teammate, so it names one path that is the same string on every machine:

    _src_path: ~/.local/share/backend-scaffold/templates.bundle

a git bundle the CLI keeps current: each run merges the installed package's history (every
release tag and the commit it was built from, shipped by the build hook) into it, adding
references and never dropping one, so versions that a newer release no longer ships stay
available. Copier reads bundles natively; someone with a checkout of this repository can create
the file with `git bundle create ~/.local/share/backend-scaffold/templates.bundle --all`.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from backend_scaffold.errors import ProjectError

STORE = "~/.local/share/backend-scaffold/templates.bundle"
ANSWERS_FILE = ".copier-answers.yml"
_BUILDS = "refs/heads/builds/"
_STORE_REFSPEC = ("+refs/tags/*:refs/tags/*", f"+{_BUILDS}*:{_BUILDS}*", f"+refs/builds/*:{_BUILDS}*")
_DESCRIBED = re.compile(r"^(?P<tag>.+)-(?P<count>\d+)-g(?P<sha>[0-9a-f]+)$")


@dataclass(frozen=True)
class Installed:
    """The template this installation renders: its history and which commit of it it is."""

    history: Path  # a git bundle (installed package) or a git repository (checkout)
    ref: str  # a release tag such as v0.2.0, or `git describe` output between releases


def store_path() -> Path:
    return Path(STORE).expanduser()


def installed() -> Installed:
    """What `new` renders and `update` updates to: the history beside stacks.template_root().

    An installed package keeps its bundle and ref in the packaged template folder; a checkout
    (or the BACKEND_SCAFFOLD_TEMPLATE_SOURCE override) is its own git repository.
    """
    from backend_scaffold.stacks import template_root

    root = template_root()
    if (root / "history.bundle").is_file():
        return Installed(root / "history.bundle", (root / "template-ref").read_text().strip())
    if (root / ".git").exists():
        return Installed(root, _describe(root))
    raise ProjectError("this installation of backend-scaffold carries no template history; reinstall it")


def version_of(ref: str) -> tuple[int, ...] | None:
    """A comparable version for a release tag (v1.2.3) or describe output (v1.2.3-4-gabc)."""
    described = _DESCRIBED.match(ref)
    tag, count = (described["tag"], int(described["count"])) if described else (ref, 0)
    numbers = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)", tag)
    if numbers is None:
        return None
    return (*(int(part) for part in numbers.groups()), count)


def compare(current: str, available: str, source: Installed) -> int | None:
    """Order two template references: -1 if `current` is older than `available`, 0, 1, or None.

    Release tags and describe output compare by version. A bare commit (a package built from a
    clone without tags) is ordered by ancestry in the installed history and the store; None
    means the two are unrelated or `current` is unknown to both.
    """
    have, offered = version_of(current), version_of(available)
    if have is not None and offered is not None:
        return (have > offered) - (have < offered)
    with tempfile.TemporaryDirectory(prefix="backend-scaffold-order-") as scratch:
        repo = Path(scratch)
        _git("init", "--quiet", "--bare", str(repo))
        _git(
            "fetch", "--quiet", str(source.history), "+refs/*:refs/*", *_build_refspec(_refs(source.history)), cwd=repo
        )
        if store_path().is_file():
            _git("fetch", "--quiet", str(store_path()), *_STORE_REFSPEC, cwd=repo)
        older, newer = _rev(repo, current), _rev(repo, available)
        if older is None or newer is None:
            return None
        if older == newer:
            return 0
        if _is_ancestor(repo, older, newer):
            return -1
        return 1 if _is_ancestor(repo, newer, older) else None


def _rev(repo: Path, ref: str) -> str | None:
    command = ["git", "rev-parse", "--quiet", "--verify", f"{ref}^{{commit}}"]
    result = subprocess.run(command, cwd=repo, capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def _is_ancestor(repo: Path, older: str, newer: str) -> bool:
    command = ["git", "merge-base", "--is-ancestor", older, newer]
    return subprocess.run(command, cwd=repo, capture_output=True, check=False).returncode == 0


def record_source(project: Path, ref: str) -> None:
    """Point a freshly rendered project's answers file at the store, at the rendered `ref`."""
    import yaml

    answers = project / ANSWERS_FILE
    lines = answers.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith(("#", "_commit:", "_src_path:"))]
    source = yaml.safe_dump({"_commit": ref, "_src_path": STORE}, sort_keys=False).splitlines()
    answers.write_text("\n".join([*header, *source, *body]) + "\n", encoding="utf-8")


def sync_store(source: Installed) -> Path:
    """Merge `source` (normally installed()) into the store; returns the store's path.

    Cheap when nothing is new (two `git` reads); otherwise the union of both histories is
    written to a new bundle that atomically replaces the old one.
    """
    store = store_path()
    wanted = _refs(source.history)
    with _locked(store):
        have = _refs(store) if store.is_file() else {}
        if all(have.get(name) == sha for name, sha in wanted.items()):
            return store
        with tempfile.TemporaryDirectory(prefix="backend-scaffold-history-") as scratch:
            repo = Path(scratch) / "history.git"
            _git("init", "--quiet", "--bare", str(repo))
            if store.is_file():
                # 0.1.0 kept builds under refs/builds/, which `git clone` does not copy.
                _git("fetch", "--quiet", str(store), *_STORE_REFSPEC, cwd=repo)
            _git("fetch", "--quiet", "--tags", str(source.history), *_build_refspec(wanted), cwd=repo)
            merged = Path(scratch) / "templates.bundle"
            _git("bundle", "create", "--quiet", str(merged), "--all", cwd=repo)
            store.parent.mkdir(parents=True, exist_ok=True)
            os.replace(merged, store)
    return store


def _build_refspec(refs: dict[str, str]) -> list[str]:
    """Keep the built commit reachable as the branch builds/<sha>.

    A branch, because `git clone` (which Copier runs on the store) copies branches and tags
    only: a commit between releases, recorded as describe output or a bare commit, must
    arrive in that clone for Copier to check it out.
    """
    return [f"+HEAD:{name}" for name in refs if name.startswith(_BUILDS)]


def _refs(history: Path) -> dict[str, str]:
    """The references the store keeps, name -> object: tags, and builds/<sha> for a HEAD."""
    if history.is_file():
        listing = _git("bundle", "list-heads", str(history))
    else:
        listing = _git("show-ref", "--head", cwd=history)
    refs: dict[str, str] = {}
    for line in listing.splitlines():
        sha, _, name = line.partition(" ")
        if name == "HEAD":
            refs[f"{_BUILDS}{sha}"] = sha
        elif name.startswith(("refs/tags/", _BUILDS)):
            refs[name] = sha
    return refs


def _describe(repo: Path) -> str:
    return _git("describe", "--tags", "--always", "HEAD", cwd=repo)


@contextmanager
def _locked(store: Path) -> Iterator[None]:
    """One writer at a time, across processes (two `new` runs may sync together)."""
    store.parent.mkdir(parents=True, exist_ok=True)
    with (store.parent / ".templates.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _git(*args: str, cwd: Path | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ProjectError(f"git {args[0]} failed on the template history: {result.stderr.strip()}")
    return result.stdout.strip()
