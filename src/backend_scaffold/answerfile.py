"""Answers files read with bounds: a small UTF-8 file holding one flat mapping of key: text.

Whatever a hostile file holds (aliases that multiply, nesting 50,000 deep, bytes that are not
text, duplicate keys, numbers that overflow) ends as one AnswerError, never a traceback, and
values keep the text the user wrote (`1e400` stays `1e400`, it never becomes `inf`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend_scaffold.errors import AnswerError, brief

MAX_BYTES = 256 * 1024
# The document's mapping is level 1; a list or mapping as a value (level 2) is refused by name.
MAX_DEPTH = 2
_TEXT_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "timestamp")}


def read_answers(path: Path, *, keep_private: bool = False, what: str | None = None) -> dict[str, str]:
    """The answers in the YAML file at `path`; Copier's `_` keys are dropped unless `keep_private`.

    `what` names the file in messages (default: as the --answers-file option).
    """
    what = what or f"--answers-file {path}"
    text = _text(path, what)
    root = _compose(text, what)
    if root is None:
        return {}
    import yaml

    if not isinstance(root, yaml.MappingNode):
        raise AnswerError(f"{what}: expected a mapping of question: answer, one per line")
    answers: dict[str, str] = {}
    seen: set[str] = set()
    for key_node, value_node in root.value:
        key = _key(key_node, what)
        if key in seen:
            raise AnswerError(f"{what}: the key {brief(key)} appears twice; keep one")
        seen.add(key)
        if keep_private or not key.startswith("_"):
            answers[key] = _value(key, value_node, what)
    return answers


def _text(path: Path, what: str) -> str:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise AnswerError(f"{what}: cannot read it ({exc.strerror or exc})") from exc
    if len(raw) > MAX_BYTES:
        raise AnswerError(f"{what}: larger than {MAX_BYTES // 1024} KiB; an answers file is a few lines of key: text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnswerError(
            f"{what}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from exc


def _compose(text: str, what: str) -> Any:
    """Check depth and aliases on the event stream (no recursion), then build the small node tree."""
    import yaml

    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise AnswerError(f"{what}: uses a YAML alias (*name); write each answer out in full")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise AnswerError(f"{what}: nested too deeply; an answers file is one mapping of key: text")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise AnswerError(f"{what}: not valid YAML ({_yaml_problem(exc)})") from exc


def _yaml_problem(exc: Exception) -> str:
    parts = (getattr(exc, "context", None), getattr(exc, "problem", None) or getattr(exc, "reason", None))
    problem = " ".join(part for part in parts if part) or type(exc).__name__
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return " ".join(f"{problem}{where}".split())


def _key(node: Any, what: str) -> str:
    import yaml

    if not isinstance(node, yaml.ScalarNode):
        raise AnswerError(f"{what}: every key must be a plain name such as project_name")
    return str(node.value)


def _value(key: str, node: Any, what: str) -> str:
    import yaml

    if isinstance(node, yaml.SequenceNode | yaml.MappingNode):
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
        raise AnswerError(f"{brief(key)}: expected a text value in {what}, got {kind}")
    if node.tag not in _TEXT_TAGS:
        kind = node.tag.rsplit(":", 1)[-1]
        raise AnswerError(
            f"{brief(key)}: expected a text value in {what}, got the YAML {kind} {brief(node.value)}; quote it"
        )
    return str(node.value)
