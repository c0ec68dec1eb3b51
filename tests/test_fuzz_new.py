"""Fuzzed `new`: whatever the answers file, --data and DEST hold, the invariants of the CLI hold.

Exit 0 or 2, never a traceback, one line on stderr when refused, and nothing left behind on
failure. The CLI runs in-process (its real `main`, argv and all) so a few hundred cases stay
cheap; real renders only happen for the rare inputs that pass validation.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from backend_scaffold.cli import main
from backend_scaffold.questions import question_set
from backend_scaffold.stacks import template_root

KEYS = [*sorted(question_set(template_root())), "colour", "_commit", "", "stack "]
STACKS = ["go-connectrpc", "rust-axum", "java-spring", "python-fastapi"]
YAML_BITS = st.sampled_from(
    [
        "{",
        "}",
        "[",
        "]",
        "&a",
        "*a",
        "!!binary",
        "!!python/object",
        "|",
        ">",
        ":",
        "- ",
        "'",
        '"',
        "#",
        "\n",
        "  ",
        "---",
        "? ",
        "<<: ",
        "1e400",
        "0x1f",
        "~",
        "yes",
        "2024-01-01",
        "\t",
        "\x00",
        "\ufeff",
        "é",
    ]
)
FILENAME_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00/"), min_size=1, max_size=300)


def _hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=80),
        st.text(st.sampled_from("abc-_.[]/{}%$`\\\"' \n"), max_size=40),
        st.sampled_from(["axum", "connectrpc.com/connect", "fastapi", "app", "class", "[/]", "1e400", "x" * 300]),
    )


def _answers_file() -> st.SearchStrategy[bytes]:
    as_yaml = st.dictionaries(st.sampled_from(KEYS), _hostile_text(), max_size=6).map(
        lambda answers: yaml.safe_dump(answers, allow_unicode=True).encode()
    )
    fragments = st.lists(st.one_of(YAML_BITS, st.sampled_from(KEYS), _hostile_text()), max_size=30).map(
        lambda parts: "".join(parts).encode("utf-8", "surrogatepass")
    )
    return st.one_of(as_yaml, fragments, st.binary(max_size=200))


def _dest() -> st.SearchStrategy[str]:
    return st.one_of(
        st.just("out"),
        FILENAME_TEXT,
        st.lists(FILENAME_TEXT, min_size=2, max_size=4).map("/".join),
        st.sampled_from(["file.txt/x", "link", "n" * 240, "a/../b", ".", "..", "out/"]),
    )


@st.composite
def invocations(draw: st.DrawFn) -> tuple[list[str], bytes | None]:
    """argv for `new` (without the answers file path) and the answers file's bytes, if any."""
    dest = draw(_dest())
    argv = ["new", dest if not dest.startswith("-") else f"./{dest}", "--no-git", "--skip-tasks", "--defaults"]
    stack = draw(st.sampled_from([None, *STACKS]))
    if stack:
        argv += ["--stack", stack]
    data = st.lists(st.tuples(st.sampled_from(KEYS), _hostile_text()), min_size=1, max_size=4)
    for key, value in draw(st.one_of(st.just([]), data)):
        argv.append(f"--data={key}={value}")
    argv += draw(st.sampled_from([[], ["--pretend"], ["--json"], ["--pretend", "--json"], ["--skip-existing"]]))
    content = draw(st.one_of(st.none(), st.none(), _answers_file()))
    return argv, content


def _snapshot(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def _scratch(root: Path) -> None:
    (root / "file.txt").write_text("mine\n")
    (root / "link").symlink_to(root / "nowhere")


@pytest.mark.timeout(900)
@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(invocation=invocations())
def test_new_exits_0_or_2_without_traceback_and_leaves_nothing_on_failure(
    tmp_path_factory: pytest.TempPathFactory, invocation: tuple[list[str], bytes | None]
) -> None:
    argv, content = invocation
    root = tmp_path_factory.mktemp("fuzz")
    _scratch(root)
    if content is not None:
        (root / "answers.yml").write_bytes(content)
        argv = [*argv, "--answers-file", str(root / "answers.yml")]
    before = _snapshot(root)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(root), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    event(f"exit {code}{' --pretend' if '--pretend' in argv else ''}")
    assert code in (0, 2), err.getvalue()
    assert "Traceback" not in err.getvalue()
    if code == 2:
        assert len(err.getvalue().strip().splitlines()) == 1, err.getvalue()
        assert _snapshot(root) == before
    elif "--pretend" in argv:
        assert _snapshot(root) == before
