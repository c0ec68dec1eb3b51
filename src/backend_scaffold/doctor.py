"""`doctor`: are the toolchains a stack needs on PATH, and which versions."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from backend_scaffold.errors import EXIT_FAILURE, EXIT_OK
from backend_scaffold.stacks import STACKS, Stack, get_stack


@dataclass(frozen=True)
class ToolCheck:
    """One tool: found or not, its version line, and how to install it."""

    stack: str
    command: str
    purpose: str
    required: bool
    found: bool
    version: str
    install_hint: str


@dataclass(frozen=True)
class DoctorResult:
    """Every check, and the exit code they add up to."""

    checks: list[ToolCheck]

    @property
    def exit_code(self) -> int:
        missing = any(check.required and not check.found for check in self.checks)
        return EXIT_FAILURE if missing else EXIT_OK


def _version(command: str, args: tuple[str, ...]) -> str:
    try:
        result = subprocess.run([command, *args], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = (result.stdout or result.stderr).strip().splitlines()
    return lines[0] if lines else ""


def check_stack(stack: Stack) -> list[ToolCheck]:
    """Check each tool of one stack."""
    checks = []
    for tool in stack.tools:
        path = shutil.which(tool.command)
        checks.append(
            ToolCheck(
                stack=stack.id,
                command=tool.command,
                purpose=tool.purpose,
                required=tool.required,
                found=path is not None,
                version=_version(path, tool.version_args) if path else "",
                install_hint=tool.install_hint,
            )
        )
    return checks


def stack_of_project(dest: Path) -> str | None:
    """The stack recorded in a generated project's answers file, if any."""
    from backend_scaffold.answers import load_answers_file

    answers_file = dest / ".copier-answers.yml"
    if not answers_file.is_file():
        return None
    return load_answers_file(answers_file).get("stack")


def doctor(stack_ids: list[str]) -> DoctorResult:
    """Check the given stacks (all of them when none is given)."""
    stacks = [get_stack(stack_id) for stack_id in stack_ids] if stack_ids else list(STACKS)
    return DoctorResult([check for stack in stacks for check in check_stack(stack)])
