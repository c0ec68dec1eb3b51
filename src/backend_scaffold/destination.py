"""Can this destination take a new project? Asked before anything is rendered or written.

Every refusal is a DestinationError naming the path and the fix: a dangling symlink, a path
under a regular file, a name too long for the file system (with room for the hidden staging
folder beside it), or a folder we may not write in. `--pretend` asks the same questions, so
it never promises files the real run cannot write.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from backend_scaffold.errors import DestinationError, brief
from backend_scaffold.render import STAGING_SUFFIX, Existing, check_destination

NAME_MAX = 255
PATH_MAX = 4096
# mkdtemp appends eight random characters to the staging prefix.
_STAGING_EXTRA = len(os.fsencode(f"..{STAGING_SUFFIX}")) + 8


def prepare(raw: Path, existing: Existing) -> Path:
    """The absolute destination for `raw`, once it is known to be writable as asked."""
    if "\x00" in str(raw):
        raise DestinationError(f"{brief(str(raw))}: a path cannot hold a NUL character; choose another destination")
    _check_lengths(Path(os.path.abspath(raw)))  # first: longer names make every stat fail
    _refuse_dangling(raw)
    dest = raw.resolve()
    _check_lengths(dest)
    _check_ancestors(dest)
    check_destination(dest, existing)
    _probe(_nearest_existing(dest.parent))
    if dest.is_dir() and any(dest.iterdir()):
        _probe(dest)
    return dest


def _refuse_dangling(raw: Path) -> None:
    if raw.is_symlink() and not raw.exists():
        target = os.readlink(raw)
        raise DestinationError(
            f"{raw} is a symlink to {brief(target)}, which does not exist; remove the link or choose another folder"
        )


def _check_lengths(dest: Path) -> None:
    for part in dest.parts[1:]:
        size = len(os.fsencode(part))
        if size > NAME_MAX:
            raise DestinationError(
                f"the name {brief(part)} is {size} bytes; file systems allow {NAME_MAX}, choose a shorter one"
            )
    room = NAME_MAX - _STAGING_EXTRA
    if len(os.fsencode(dest.name)) > room:
        raise DestinationError(
            f"the destination name {brief(dest.name)} is too long: at most {room} bytes, so the hidden "
            "staging folder beside it fits; choose a shorter one"
        )
    if len(os.fsencode(str(dest))) + _STAGING_EXTRA > PATH_MAX:
        raise DestinationError(f"the destination path is longer than {PATH_MAX} bytes; choose a shorter one")


def _check_ancestors(dest: Path) -> None:
    for ancestor in dest.parents:
        if ancestor.exists() or ancestor.is_symlink():
            if not ancestor.is_dir():
                raise DestinationError(f"{ancestor} is a file, not a folder; choose a destination under a folder")
            return


def _nearest_existing(folder: Path) -> Path:
    while not folder.exists():
        folder = folder.parent
    return folder


def _probe(folder: Path) -> None:
    """Create and remove a hidden folder: the one test of writability that holds for root and ACLs."""
    try:
        Path(tempfile.mkdtemp(prefix=".backend-scaffold-probe-", dir=folder)).rmdir()
    except OSError as exc:
        raise DestinationError(
            f"cannot write in {folder} ({exc.strerror or exc}); choose a destination you can write to"
        ) from exc
