"""`backend-scaffold update`, with real git repositories, real Copier runs and no network.

Two template versions are made in the test: a copy of this repository's template, committed
with deliberate differences and tagged v0.0.1, then committed as it is and tagged v0.1.0.
BACKEND_SCAFFOLD_TEMPLATE_SOURCE points the CLI at that copy, and HOME at a private folder, so
the history store (~/.local/share/backend-scaffold/templates.bundle) is the test's own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# (file in templates/python-fastapi, text in v0.1.0, text in v0.0.1)
OLD_TEMPLATE = [
    ("Makefile.jinja", "help: ## List the targets", "help: ## Show the targets"),
    ("Dockerfile.jinja", None, "# An older template's first line\n"),
    ("docker-compose.yml.jinja", "image: postgres:17", "image: postgres:16"),
]
# Files only v0.0.1 has: the newer version removes them (one the team edits, one it does not).
REMOVED = {"docs/runbook.md": "# Runbook\n\nRestart with `make up`.\n", "docs/oncall.md": "# On call\n\nNobody yet.\n"}
Run = Callable[..., subprocess.CompletedProcess[str]]


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def _commit_all(repo: Path, message: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=Template", "-c", "user.email=t@example.com", "commit", "-qm", message)


@pytest.fixture
def template_versions(tmp_path: Path) -> Path:
    """A template repository with v0.0.1 (older, different) and v0.1.0 (this checkout's) tagged."""
    repo = tmp_path / "template"
    (repo / "templates").mkdir(parents=True)
    shutil.copy(ROOT / "copier.yml", repo)
    shutil.copytree(ROOT / "copier", repo / "copier")
    shutil.copytree(ROOT / "templates" / "python-fastapi", repo / "templates" / "python-fastapi")
    _git(repo, "init", "-q", "-b", "main")
    current = {name: (repo / "templates" / "python-fastapi" / name).read_text() for name, _, _ in OLD_TEMPLATE}
    for name, new, old in OLD_TEMPLATE:
        path = repo / "templates" / "python-fastapi" / name
        path.write_text(old + current[name] if new is None else current[name].replace(new, old, 1))
    for name, text in REMOVED.items():
        (repo / "templates" / "python-fastapi" / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / "templates" / "python-fastapi" / name).write_text(text)
    _commit_all(repo, "an older template")
    _git(repo, "tag", "v0.0.1")
    for name, text in current.items():
        (repo / "templates" / "python-fastapi" / name).write_text(text)
    shutil.rmtree(repo / "templates" / "python-fastapi" / "docs")
    _commit_all(repo, "the current template")
    _git(repo, "tag", "v0.1.0")
    return repo


@pytest.fixture
def run(tmp_path: Path, template_versions: Path) -> Run:
    """The CLI with the test's template history and a private HOME (and so history store)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "gitconfig").write_text("[user]\n\tname = Team\n\temail = team@example.com\n")
    env = {
        **os.environ,
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
        "BACKEND_SCAFFOLD_TEMPLATE_SOURCE": str(template_versions),
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "SOURCE_DATE_EPOCH": "1795000000",
    }

    def cli(*args: str, cwd: Path = tmp_path, popen: bool = False, env_extra: dict[str, str] | None = None) -> Any:
        command = [sys.executable, "-m", "backend_scaffold", *args]
        full_env = {**env, **(env_extra or {})}
        if popen:  # to kill it midway
            return subprocess.Popen(command, cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return subprocess.run(
            command, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=600, check=False
        )  # fmt: skip

    return cli


def _generate_at(run: Run, template: Path, ref: str, dest: Path, *data: str) -> Path:
    _git(template, "checkout", "-q", ref)
    try:
        toggles = [arg for item in data for arg in ("--data", item)]
        result = run("new", str(dest), "--stack", "python-fastapi", "--defaults", "--skip-tasks", *toggles)
        assert result.returncode == 0, result.stderr
    finally:
        _git(template, "checkout", "-q", "main")
    return dest


def test_update_merges_template_changes_with_the_teams_edits_and_reports_conflicts(
    run: Run, template_versions: Path, tmp_path: Path
) -> None:
    project = _generate_at(run, template_versions, "v0.0.1", tmp_path / "orders", "auth=none")
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v0.0.1"
    domain = project / "src" / "orders" / "domain.py"
    domain.write_text(domain.read_text() + "\n\n# The team's own note, in a file the template leaves alone.\n")
    dockerfile = project / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text() + "# The team's last line\n")  # far from the template's change
    compose = project / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("image: postgres:16", "image: postgres:16.4"))  # same line
    (project / "NOTES.md").write_text("the team's own file\n")
    _commit_all(project, "team edits")

    check = run("update", str(project), "--check", "--json")
    assert check.returncode == 3, check.stderr
    assert json.loads(check.stdout)["update_available"] is True

    result = run("update", str(project), "--json")

    assert result.returncode == 4, result.stdout + result.stderr  # applied, with a conflict to resolve
    report = json.loads(result.stdout)
    assert (report["current"], report["available"]) == ("v0.0.1", "v0.1.0")
    assert report["conflicts"] == ["docker-compose.yml"]
    assert "<<<<<<< before updating" in compose.read_text() and "image: postgres:17" in compose.read_text()
    assert domain.read_text().endswith("# The team's own note, in a file the template leaves alone.\n")
    docker_text = dockerfile.read_text()
    assert "# An older template's first line" not in docker_text, "the template's change arrived"
    assert docker_text.endswith("# The team's last line\n"), "and the team's edit stayed"
    assert "help: ## List the targets" in (project / "Makefile").read_text()
    assert (project / "NOTES.md").read_text() == "the team's own file\n"
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v0.1.0"
    assert report["adrs"] == [], "no answer changed, so no decision record is written"


def test_answer_change_supersedes_the_decision_record_and_removes_the_cache(
    run: Run, template_versions: Path, tmp_path: Path
) -> None:
    project = _generate_at(run, template_versions, "v0.1.0", tmp_path / "svc")
    docs = project / "docs" / "architecture"
    (docs / "0011-keep-a-changelog.md").write_text("---\nstatus: accepted\n---\n\n# Keep a changelog\n")
    _commit_all(project, "the team's own decision")

    result = run("update", str(project), "--data", "cache=none", "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["answers"] == {"cache": ["dragonfly", "none"]}
    assert not list(project.rglob("cache.py"))
    assert "CACHE_URL" not in (project / ".env.example").read_text()
    assert "dragonfly" not in (project / "docker-compose.yml").read_text()
    old = docs / "0005-cache-hot-reads-and-rate-limit-counters-in-dragonfly.md"
    new = next(docs.glob("0012-*.md"))
    assert "status: superseded by ADR-0012" in old.read_text()
    assert f"Superseded by [ADR-0012]({new.name})." in old.read_text()
    assert "Supersedes [ADR-0005](0005-cache-hot-reads-and-rate-limit-counters-in-dragonfly.md)" in new.read_text()
    assert "choice: none" in new.read_text()
    index = (docs / "README.md").read_text()
    assert f"[0012]({new.name})" in index and "superseded by ADR-0012" in index
    assert (docs / "0011-keep-a-changelog.md").read_text().startswith("---\nstatus: accepted"), "the team's record"
    unchanged = "0004-store-data-in-postgresql-with-versioned-sql-migrations.md"
    assert sorted(report["adrs"]) == sorted([f"docs/architecture/{name}" for name in (old.name, new.name, "README.md")])
    assert "status: accepted" in (docs / unchanged).read_text()


@pytest.mark.e2e
def test_after_switching_the_cache_off_the_project_builds_and_its_tests_pass(
    run: Run, template_versions: Path, tmp_path: Path, services: dict[str, str]
) -> None:
    from tests import infra
    from tests.projects import run as run_in
    from tests.projects import toolchain_env

    project = _generate_at(run, template_versions, "v0.1.0", tmp_path / "svc")
    result = run("update", str(project), "--data", "cache=none")
    assert result.returncode == 0, result.stderr
    env = {**toolchain_env(), **services, "DATABASE_URL": infra.fresh_database(services["DATABASE_URL"], "update_e2e")}
    run_in(["make", "lint"], project, env)
    run_in(["make", "test"], project, env)


def test_an_update_that_would_edit_an_applied_migration_stops_first(
    run: Run, template_versions: Path, tmp_path: Path
) -> None:
    project = _generate_at(run, template_versions, "v0.1.0", tmp_path / "svc")
    head, before = _git(project, "rev-parse", "HEAD"), _tree_state(project)

    result = run("update", str(project), "--data", "messaging=none")  # it would remove the outbox's migration

    assert result.returncode == 2, result.stderr
    assert "0004_outbox.py, a migration a database may already have applied" in result.stderr
    assert "Traceback" not in result.stderr
    assert _git(project, "rev-parse", "HEAD") == head and _tree_state(project) == before
    pretend = run("update", str(project), "--data", "messaging=none", "--pretend")
    assert pretend.returncode == 0 and "0004_outbox.py" in pretend.stdout, "--pretend still shows the change"


def test_refusals_leave_the_project_as_it_was(run: Run, template_versions: Path, tmp_path: Path) -> None:
    project = _generate_at(run, template_versions, "v0.0.1", tmp_path / "svc", "auth=none")
    head = _git(project, "rev-parse", "HEAD")

    (project / "README.md").write_text("edited, not committed\n")
    dirty = run("update", str(project))
    assert dirty.returncode == 2
    assert "uncommitted changes (README.md)" in dirty.stderr
    _git(project, "checkout", "-q", "--", "README.md")

    wrong = run("update", str(project), "--data", "cache=memcached")
    assert wrong.returncode == 2 and "cache" in wrong.stderr
    stack = run("update", str(project), "--data", "stack=rust-axum")
    assert stack.returncode == 2 and "cannot change the stack" in stack.stderr

    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("_commit: v0.0.1", "_commit: v9.0.0"))
    _commit_all(project, "pretend a newer template made it")
    downgrade = run("update", str(project))
    assert downgrade.returncode == 2 and "downgrades are refused" in downgrade.stderr
    assert _git(project, "status", "--porcelain") == ""
    assert _git(project, "rev-list", "--count", f"{head}..HEAD") == "1"


def test_a_history_without_tags_orders_versions_by_ancestry(run: Run, template_versions: Path, tmp_path: Path) -> None:
    """A package built from a clone without tags records bare commits; update still knows old from new."""
    for tag in ("v0.0.1", "v0.1.0"):
        _git(template_versions, "tag", "-d", tag)
    older, newer = (
        _git(template_versions, "rev-parse", "--short", "HEAD~1"),
        _git(template_versions, "rev-parse", "--short", "HEAD"),
    )
    project = _generate_at(run, template_versions, older, tmp_path / "svc", "auth=none")
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == older

    check = run("update", str(project), "--check", "--json")
    assert check.returncode == 3, check.stderr
    assert json.loads(check.stdout)["available"] == newer

    _git(template_versions, "checkout", "-q", older)  # now the installed template is the older one
    try:
        answers = project / ".copier-answers.yml"
        answers.write_text(answers.read_text().replace(f"_commit: {older}", f"_commit: {newer}"))
        _commit_all(project, "pretend the newer template made it")
        downgrade = run("update", str(project))
        assert downgrade.returncode == 2 and "downgrades are refused" in downgrade.stderr

        answers.write_text(answers.read_text().replace(f"_commit: {newer}", "_commit: 0123abc"))
        _commit_all(project, "a template commit nobody has")
        unknown = run("update", str(project))
        assert unknown.returncode == 2 and "not in the history of this backend-scaffold" in unknown.stderr
    finally:
        _git(template_versions, "checkout", "-q", "main")
    answers.write_text(answers.read_text().replace("_commit: 0123abc", f"_commit: {older}"))
    _commit_all(project, "back to the template that made it")
    updated = run("update", str(project), "--json")
    assert updated.returncode == 0, updated.stderr
    assert "help: ## List the targets" in (project / "Makefile").read_text()


def test_pretend_shows_the_diff_and_writes_nothing(run: Run, template_versions: Path, tmp_path: Path) -> None:
    project = _generate_at(run, template_versions, "v0.0.1", tmp_path / "svc", "auth=none")
    before = {path: path.read_bytes() for path in project.rglob("*") if path.is_file() and ".git" not in path.parts}

    result = run("update", str(project), "--pretend", "--data", "messaging=none", "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert "-help: ## Show the targets" in report["diff"] and "+help: ## List the targets" in report["diff"]
    assert re.search(r"(?m)^deleted file mode .*\n.*outbox", report["diff"]) or "outbox.py" in report["diff"]
    assert any(name.startswith("docs/architecture/0011-") for name in report["adrs"])
    after = {path: path.read_bytes() for path in project.rglob("*") if path.is_file() and ".git" not in path.parts}
    assert after == before
    assert _git(project, "status", "--porcelain") == ""


def test_up_to_date_project_needs_nothing(run: Run, template_versions: Path, tmp_path: Path) -> None:
    project = _generate_at(run, template_versions, "v0.1.0", tmp_path / "svc", "auth=none")

    check = run("update", str(project), "--check")
    nothing = run("update", str(project), "--json")

    assert check.returncode == 0 and "up to date" in check.stderr
    assert nothing.returncode == 0 and json.loads(nothing.stdout)["files"] == []


def test_plain_copier_update_reads_the_same_history(run: Run, template_versions: Path, tmp_path: Path) -> None:
    project = _generate_at(run, template_versions, "v0.0.1", tmp_path / "svc", "auth=none")
    env = {**os.environ, "HOME": str(tmp_path / "home"), "GIT_CONFIG_GLOBAL": str(tmp_path / "home" / "gitconfig")}

    result = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults", "--skip-answered", "--quiet"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "help: ## List the targets" in (project / "Makefile").read_text()
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v0.1.0"


def test_update_survives_a_reinstall_into_another_environment(tmp_path: Path) -> None:
    """The answers file names the store, not the package: a new venv, even a lost store, still works."""
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)]
    subprocess.run([*build, str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("backend_scaffold-*.whl"))
    home = tmp_path / "home"
    home.mkdir()
    (home / "gitconfig").write_text("[user]\n\tname = Team\n\temail = team@example.com\n")
    env = {**os.environ, "HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / "gitconfig"), "NO_COLOR": "1"}
    env.pop("BACKEND_SCAFFOLD_TEMPLATE_SOURCE", None)
    env.pop("PYTHONPATH", None)  # a checkout on it would answer instead of the installed wheel

    def install(name: str) -> Path:
        venv = tmp_path / name
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
        # --ignore-installed: the same version may already sit in the base interpreter (CI installs it there).
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed"]
        subprocess.run([*pip, str(wheel)], check=True, capture_output=True)
        where = subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import backend_scaffold; print(backend_scaffold.__file__)"],
            capture_output=True, text=True, check=True, env=env,
        )  # fmt: skip
        assert where.stdout.startswith(str(venv)), "the installed wheel, not the checkout, answers"
        return venv / "bin" / "backend-scaffold"

    first = install("venv-a")
    made = subprocess.run(
        [str(first), "new", "svc", "--stack", "python-fastapi", "--defaults", "--data", "auth=none", "--skip-tasks"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    project = tmp_path / "svc"
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_src_path"] == (
        "~/.local/share/backend-scaffold/templates.bundle"
    )
    shutil.rmtree(tmp_path / "venv-a")
    shutil.rmtree(home / ".local")  # even the store is gone: the next install restores it

    second = install("venv-b")
    updated = subprocess.run(
        [str(second), "update", str(project), "--data", "cache=none", "--json"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert updated.returncode == 0, updated.stderr
    assert json.loads(updated.stdout)["answers"] == {"cache": ["dragonfly", "none"]}
    assert not list(project.rglob("cache.py"))


def test_conflicts_as_reject_files_when_asked(run: Run, template_versions: Path, tmp_path: Path) -> None:
    project = _generate_at(run, template_versions, "v0.0.1", tmp_path / "svc", "auth=none")
    compose = project / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("image: postgres:16", "image: postgres:16.4"))
    _commit_all(project, "pin the minor version")

    result = run("update", str(project), "--conflict", "rej", "--json")

    assert result.returncode == 4, result.stdout + result.stderr
    assert json.loads(result.stdout)["conflicts"] == ["docker-compose.yml"]
    assert "image: postgres:17" in compose.read_text(), "the template's version of the file"
    assert "image: postgres:16.4" in (project / "docker-compose.yml.rej").read_text(), "the team's hunk, to redo"


def test_the_template_defines_no_copier_tasks() -> None:
    """Copier runs a template's tasks on each of its three renders; post-render steps belong to the CLI."""
    config = yaml.safe_load((ROOT / "copier.yml").read_text().split("\n---\n")[0])
    assert "_tasks" not in config and "_migrations" not in config


def test_an_edited_file_the_new_version_removes_is_kept_as_a_conflict(
    run: Run, template_versions: Path, tmp_path: Path
) -> None:
    project = _generate_at(run, template_versions, "v0.0.1", tmp_path / "svc", "auth=none")
    runbook = project / "docs" / "runbook.md"
    runbook.write_text(runbook.read_text() + "\nThe team's own step: page the database owner.\n")
    _commit_all(project, "our runbook")

    pretend = run("update", str(project), "--pretend", "--json")
    assert pretend.returncode == 4, pretend.stderr
    diff = json.loads(pretend.stdout)["diff"]
    assert re.search(r"(?m)^diff --git a/docs/oncall.md b/docs/oncall.md\ndeleted file mode", diff), "removals shown"
    assert "docs/runbook.md" not in diff

    result = run("update", str(project), "--json")
    assert result.returncode == 4, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["kept"] == ["docs/runbook.md"]
    assert "docs/runbook.md" in report["conflicts"]
    assert runbook.read_text().endswith("page the database owner.\n"), "the edit is never deleted"
    assert not (project / "docs" / "oncall.md").exists(), "an unedited removal is the template's to make"
    assert "docs/oncall.md" in report["files"]
    assert _git(project, "ls-files", "--unmerged") == "", "no conflict reaches git's index"
    _git(project, "stash", "--include-untracked")  # the advertised undo works, conflicts and all
    assert _git(project, "status", "--porcelain") == ""
    _git(project, "stash", "pop")
    human = run("update", str(project))  # the tree is dirty now: refused, whatever the version
    assert human.returncode == 2 and "uncommitted changes" in human.stderr


def test_a_dirty_tree_is_refused_even_when_already_up_to_date(
    run: Run, template_versions: Path, tmp_path: Path
) -> None:
    project = _generate_at(run, template_versions, "v0.1.0", tmp_path / "svc", "auth=none")
    (project / "README.md").write_text("edited, not committed\n")
    result = run("update", str(project))
    assert result.returncode == 2
    assert "uncommitted changes (README.md)" in result.stderr
    assert run("update", str(project), "--check").returncode == 0, "--check only reports"


def _tree_state(project: Path) -> dict[str, bytes]:
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(project).parts
    }


def _kill_when(process: subprocess.Popen[str], ready: Callable[[], bool]) -> bool:
    """SIGKILL the process as soon as `ready()` holds; False when it finished first."""
    import signal
    import time

    deadline = time.monotonic() + 300
    while not ready():
        if process.poll() is not None:
            return False
        assert time.monotonic() < deadline, "the kill point was never reached"
        time.sleep(0.002)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return True


def _scratch_with(tmp: Path, part: str) -> bool:
    return any(tmp.glob(f"backend-scaffold-update-*/{part}"))


def _journal(project: Path, part: str) -> Path:
    return project / ".git" / "backend-scaffold-update" / part


KILL_POINTS: dict[str, Callable[[Path, Path], bool]] = {
    "while cloning": lambda tmp, project: _scratch_with(tmp, "clone"),
    "while copier renders": lambda tmp, project: _scratch_with(tmp, "tmp/*"),
    "while staging": lambda tmp, project: _journal(project, "files").exists(),
    "while applying": lambda tmp, project: _journal(project, "manifest.json").exists(),
}


def test_an_update_killed_at_any_point_is_finished_by_the_next(
    run: Run, template_versions: Path, tmp_path: Path
) -> None:
    origin = _generate_at(run, template_versions, "v0.0.1", tmp_path / "origin", "auth=none")
    compose = origin / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("image: postgres:16", "image: postgres:16.4"))  # a conflict
    (origin / "docs" / "runbook.md").write_text("# Runbook\n\nOurs now.\n")  # an edit the new version removes
    _commit_all(origin, "team edits")
    change = ("--data", "cache=none")  # removes files and supersedes a decision record too

    reference = tmp_path / "reference"
    shutil.copytree(origin, reference, symlinks=True)
    expected = run("update", str(reference), *change, "--json")
    assert expected.returncode == 4, expected.stderr
    expected_tree = _tree_state(reference)

    tmp = tmp_path / "tmp"
    for point, ready in KILL_POINTS.items():
        project = tmp_path / point.replace(" ", "-")
        shutil.copytree(origin, project, symlinks=True)
        tmp.mkdir(exist_ok=True)
        process = run("update", str(project), *change, "--json", popen=True, env_extra={"TMPDIR": str(tmp)})
        killed = _kill_when(process, lambda project=project, ready=ready: ready(tmp, project))
        if killed:
            assert _git(project, "ls-files", "--unmerged") == "", f"{point}: no conflict reached the index"
            assert not (project / ".git" / "index.lock").exists(), point
            if not _journal(project, "manifest.json").exists():
                assert _git(project, "status", "--porcelain") == "", f"{point}: the tree is as it was"
        again = run("update", str(project), *change, "--json", env_extra={"TMPDIR": str(tmp)})
        if killed:
            assert again.returncode == 4, f"{point}: {again.stdout}{again.stderr}"
            assert json.loads(again.stdout)["conflicts"] == json.loads(expected.stdout)["conflicts"], point
        assert _tree_state(project) == expected_tree, f"{point}: the same result as an uninterrupted update"
        assert not list(tmp.glob("backend-scaffold-update-*")), f"{point}: the killed run's scratch is gone"
        assert not _journal(project, "").exists(), point


def test_a_stale_index_lock_does_not_block_an_update(run: Run, template_versions: Path, tmp_path: Path) -> None:
    project = _generate_at(run, template_versions, "v0.0.1", tmp_path / "svc", "auth=none")
    (project / ".git" / "index.lock").write_text("")  # left by some crashed git command
    result = run("update", str(project), "--json")
    assert result.returncode == 0, result.stderr
    assert "help: ## List the targets" in (project / "Makefile").read_text()
    assert (project / ".git" / "index.lock").exists(), "not ours to remove"
