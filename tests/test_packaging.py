"""The wheel carries the templates, so an installed package renders without a checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_the_template_and_the_decision_catalogue(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("backend_scaffold-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "backend_scaffold/_template/copier.yml" in names
    assert "backend_scaffold/_template/copier/shared.yml" in names
    for stack in ("go-connectrpc", "rust-axum", "java-spring", "python-fastapi"):
        assert f"backend_scaffold/_template/templates/{stack}/{{{{_copier_conf.answers_file}}}}.jinja" in names
    assert "backend_scaffold/adr/catalogue/facts.yml" in names
    assert "backend_scaffold/adr/templates/adr.md.jinja" in names
    assert not any("/target/" in name or "/.venv/" in name or "__pycache__" in name for name in names)


def _build(kind: str, source: Path, out: Path) -> Path:
    """Build an sdist or a wheel with the project's own build backend (hatchling, installed)."""
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", kind, "-d", str(out)],
        cwd=source, check=True, capture_output=True,
    )  # fmt: skip
    return next(out.glob("*.whl" if kind == "wheel" else "*.tar.gz"))


def _heads(bundle: Path) -> list[str]:
    listing = subprocess.run(["git", "bundle", "list-heads", str(bundle)], capture_output=True, text=True, check=True)
    return [line.split(" ", 1)[1] for line in listing.stdout.splitlines()]


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


def test_a_checkout_with_tags_has_tagged_this_release() -> None:
    """Release discipline: the package version is tagged vX.Y.Z (a clone without tags cannot tell)."""
    import pytest

    from backend_scaffold import __version__

    tags = _git(ROOT, "tag").split()
    if not tags:
        pytest.skip("this checkout carries no tags (a branch-only clone)")
    assert f"v{__version__}" in tags or ".dev" in __version__, "a release version is tagged vX.Y.Z"


def test_wheel_and_sdist_carry_the_template_history(tmp_path: Path) -> None:
    import tarfile

    # Build from a clone that certainly has release tags, whatever this checkout carries: an
    # older one on the parent commit and one on the commit being built.
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", "--no-local", str(ROOT), str(repo)], check=True, capture_output=True)
    if _git(repo, "rev-list", "--count", "HEAD") != "1":
        _git(repo, "tag", "-f", "v0.0.1", "HEAD~1")
    _git(repo, "tag", "-f", "v99.0.0", "HEAD")
    tags = _git(repo, "tag").split()

    sdist = _build("sdist", repo, tmp_path / "sdist")
    with tarfile.open(sdist) as archive:
        root = archive.getnames()[0].split("/")[0]
        archive.extractall(tmp_path / "unpacked", filter="data")
    unpacked = tmp_path / "unpacked" / root
    heads = _heads(unpacked / "history.bundle")
    assert "HEAD" in heads
    assert {f"refs/tags/{tag}" for tag in tags} <= set(heads), "every release tag"
    assert (unpacked / "template-ref").read_text().strip() == "v99.0.0", "the release tag names the template"

    # A wheel built from the sdist (no .git there) carries the same history.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "w"),
         str(unpacked)],
        check=True, capture_output=True,
    )  # fmt: skip
    wheel = next((tmp_path / "w").glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        bundle = tmp_path / "wheel-history.bundle"
        bundle.write_bytes(archive.read("backend_scaffold/_template/history.bundle"))
        assert archive.read("backend_scaffold/_template/template-ref").decode().strip() == "v99.0.0"
    assert _heads(bundle) == heads

    # Between releases the reference is `git describe` output, so updates still know the commit.
    _git(repo, "tag", "-d", "v99.0.0")
    between = _build("wheel", repo, tmp_path / "between")
    with zipfile.ZipFile(between) as archive:
        described = archive.read("backend_scaffold/_template/template-ref").decode().strip()
    assert described == _git(repo, "describe", "--tags", "--always", "HEAD")


def test_a_project_from_an_installed_wheel_holds_none_of_the_template_bytecode(tmp_path: Path) -> None:
    """pip byte-compiles the packaged template; none of that may reach a generated project."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
         str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    wheel = next(tmp_path.glob("backend_scaffold-*.whl"))
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(site), str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    packaged = site / "backend_scaffold" / "_template" / "templates" / "python-fastapi"
    assert any(packaged.rglob("*.pyc")), "pip byte-compiled the installed template (the case under test)"
    env = {**os.environ, "PYTHONPATH": str(site), "HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    env.pop("BACKEND_SCAFFOLD_TEMPLATE_SOURCE", None)
    result = subprocess.run(
        [sys.executable, "-m", "backend_scaffold", "new", "svc", "--stack", "python-fastapi", "--defaults",
         "--no-git", "--skip-tasks"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    project = tmp_path / "svc"
    assert (project / "pyproject.toml").is_file()
    assert not [p for p in project.rglob("*") if p.name == "__pycache__" or p.suffix in {".pyc", ".pyo"}]
