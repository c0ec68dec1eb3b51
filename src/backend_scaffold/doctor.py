"""`doctor`: are the toolchains a stack needs on PATH, and new enough."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from backend_scaffold.errors import EXIT_FAILURE, EXIT_OK
from backend_scaffold.stacks import STACKS, Stack, Tool, get_stack

# Where JDKs are usually installed (Debian/Ubuntu packages and Temurin, tarballs, SDKMAN!,
# IntelliJ, macOS); BACKEND_SCAFFOLD_JDK_ROOTS names more folders, searched first.
JDK_ROOTS = (
    "/usr/lib/jvm",
    "/usr/java",
    "/opt/java",
    "/opt",
    "~/.sdkman/candidates/java",
    "~/.jdks",
    "/Library/Java/JavaVirtualMachines",
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")


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
    too_old: bool = False  # found, but older than generated projects need

    @property
    def usable(self) -> bool:
        return self.found and not self.too_old


@dataclass(frozen=True)
class DoctorResult:
    """Every check, and the exit code they add up to."""

    checks: list[ToolCheck]

    @property
    def exit_code(self) -> int:
        missing = any(check.required and not check.usable for check in self.checks)
        return EXIT_FAILURE if missing else EXIT_OK


def _version(command: str, args: tuple[str, ...]) -> str:
    try:
        result = subprocess.run([command, *args], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    text = _ANSI.sub("", result.stdout or result.stderr)
    lines = [line for line in (" ".join(raw.split()) for raw in text.splitlines()) if line]
    return "".join(ch for ch in lines[0] if ch.isprintable()) if lines else ""


def _older_than(version: str, minimum: tuple[int, ...]) -> bool:
    """Whether the first dotted number in a version line is below `minimum` (unknown: not)."""
    match = re.search(r"\d+(?:\.\d+)*", version)
    if not minimum or match is None:
        return False
    return tuple(int(part) for part in match[0].split(".")) < minimum


def _locate(command: str, home_variable: str) -> str | None:
    """The tool builds will run: under $JAVA_HOME/bin when it is set (as Maven does), else PATH."""
    home = os.environ.get(home_variable, "") if home_variable else ""
    if home:
        candidate = Path(home) / "bin" / command
        return str(candidate) if os.access(candidate, os.X_OK) else None
    return shutil.which(command)


def _jdk_version(home: Path) -> tuple[int, ...] | None:
    """The version a JDK's `release` file declares (JAVA_VERSION="25.0.3"), without running it."""
    try:
        match = re.search(r'(?m)^JAVA_VERSION="(\d+(?:\.\d+)*)', (home / "release").read_text(errors="replace"))
    except OSError:
        return None
    return tuple(int(part) for part in match[1].split(".")) if match else None


def installed_jdks(minimum: tuple[int, ...]) -> list[Path]:
    """JDK homes at the usual places that are at least `minimum`, newest first."""
    extra = [root for root in os.environ.get("BACKEND_SCAFFOLD_JDK_ROOTS", "").split(os.pathsep) if root]
    found: list[tuple[tuple[int, ...], int, Path]] = []
    for order, root in enumerate([*extra, *JDK_ROOTS]):
        try:
            homes = sorted(Path(root).expanduser().iterdir())
        except OSError:
            continue
        for entry in homes:
            home = entry / "Contents" / "Home" if (entry / "Contents" / "Home").is_dir() else entry
            version = _jdk_version(home)
            if version and version >= minimum and os.access(home / "bin" / "java", os.X_OK):
                found.append((version, -order, home))
    found.sort(key=lambda item: (item[1], item[0]), reverse=True)
    return [home for _, _, home in found]


def _hint(tool: Tool, usable: bool) -> str:
    """The install hint; for a JDK, the installed one to point JAVA_HOME at when there is one."""
    if usable or tool.home_variable != "JAVA_HOME":
        return tool.install_hint
    homes = installed_jdks(tool.minimum)
    if not homes:
        return tool.install_hint
    return f"a JDK {'.'.join(map(str, tool.minimum))}+ is installed at {homes[0]}: export JAVA_HOME={homes[0]}"


def check_stack(stack: Stack) -> list[ToolCheck]:
    """Check each tool of one stack."""
    checks = []
    for tool in stack.tools:
        path = _locate(tool.command, tool.home_variable)
        version = _version(path, tool.version_args) if path else ""
        too_old = path is not None and _older_than(version, tool.minimum)
        checks.append(
            ToolCheck(
                stack=stack.id,
                command=tool.command,
                purpose=tool.purpose,
                required=tool.required,
                found=path is not None,
                version=version,
                install_hint=_hint(tool, path is not None and not too_old),
                too_old=too_old,
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
