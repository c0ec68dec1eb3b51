"""Build hook: ship the template's git history with the package, so `update` works offline.

`backend-scaffold update` re-renders the template version a project was generated from, so an
installed package must carry every released version, not only its own. This hook writes
`history.bundle` (a git bundle of every tag and of the commit being built) and `template-ref`
(what the packaged template is: its release tag, or `git describe` output between releases)
into the wheel (under backend_scaffold/_template/) and the sdist (at its root). A wheel built
from an sdist, where there is no .git, reuses the sdist's pair.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLE = "history.bundle"
REF = "template-ref"


class TemplateHistoryHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "template-history"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return  # an editable install renders from, and reads history of, the checkout itself
        root = Path(self.root)
        self._scratch = Path(tempfile.mkdtemp(prefix="backend-scaffold-history-"))
        if (root / ".git").exists():
            bundle, ref = self._from_git(root)
        elif (root / BUNDLE).is_file() and (root / REF).is_file():
            bundle, ref = root / BUNDLE, root / REF
        else:
            raise RuntimeError(
                f"no template history: build from a git checkout of backend-scaffold or from its sdist "
                f"(which carries {BUNDLE})"
            )
        prefix = "backend_scaffold/_template/" if self.target_name == "wheel" else ""
        build_data["force_include"][str(bundle)] = f"{prefix}{BUNDLE}"
        build_data["force_include"][str(ref)] = f"{prefix}{REF}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)

    def _from_git(self, root: Path) -> tuple[Path, Path]:
        def git(*args: str) -> str:
            result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
            return result.stdout.strip()

        bundle = self._scratch / BUNDLE
        ref = self._scratch / REF
        git("bundle", "create", "--quiet", str(bundle), "HEAD", "--tags")
        ref.write_text(git("describe", "--tags", "--always", "HEAD") + "\n")
        return bundle, ref
