"""The wheel carries the templates, so an installed package renders without a checkout."""

from __future__ import annotations

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
