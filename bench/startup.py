#!/usr/bin/env python3
"""Start-up and generation time of backend-scaffold against raw Copier on the same template.

Prints a table of medians over N runs (default 9) and the ratio to the raw `copier copy`
baseline. Post-render tasks are skipped in both so the comparison is rendering against rendering;
the "+ git" row adds the initial commit. Run: python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STACKS = ("go-connectrpc", "rust-axum", "java-spring", "python-fastapi")


def _time(args: list[str], cwd: Path, runs: int, fresh: Path | None = None) -> float:
    samples = []
    env = {**os.environ, "NO_COLOR": "1"}
    for _ in range(runs):
        if fresh is not None:
            shutil.rmtree(fresh, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    from backend_scaffold.stacks import template_root

    template = template_root()
    cli = [sys.executable, "-m", "backend_scaffold"]
    copier = [sys.executable, "-m", "copier"]
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    rows = [("backend-scaffold --help", _time([*cli, "--help"], work, runs * 2), None)]
    for stack in STACKS:
        answers = ["--data", f"stack={stack}", "--data", "project_name=bench"]
        out = work / "out"
        # HEAD, as `new` renders: Copier's default (the newest tag) would time another template.
        raw_copy = [*copier, "copy", "--quiet", "--defaults", "--vcs-ref", "HEAD", *answers, str(template), str(out)]
        raw = _time(raw_copy, work, runs, out)
        new = [*cli, "new", str(out), "--stack", stack, "--defaults", "--skip-tasks", "--data", "project_name=bench"]
        ours = _time([*new, "--no-git"], work, runs, out)
        with_git = _time(new, work, runs, out)
        rows += [(f"copier copy ({stack})", raw, raw), (f"new --no-git ({stack})", ours, raw)]
        rows.append((f"new + git ({stack})", with_git, raw))
    shutil.rmtree(work, ignore_errors=True)
    print(f"template: {template}\nruns per row: {runs} (--help: {runs * 2})\n")
    print(f"| {'command':<36} | {'median ms':>9} | {'vs copier':>9} |")
    print(f"| {'-' * 36} | {'-' * 9}: | {'-' * 9}: |")
    for label, seconds, baseline in rows:
        ratio = f"{seconds / baseline:.2f}x" if baseline else ""
        print(f"| {label:<36} | {seconds * 1000:>9.0f} | {ratio:>9} |")


if __name__ == "__main__":
    main()
