"""The shell: parse arguments, call the core, print, and map errors to exit codes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend_scaffold import __version__
from backend_scaffold.errors import (
    EXIT_CONFLICTS,
    EXIT_OK,
    EXIT_UPDATE_AVAILABLE,
    BackendScaffoldError,
    ProjectError,
)

if TYPE_CHECKING:
    from backend_scaffold.render import Existing

STACK_IDS = ("go-connectrpc", "rust-axum", "java-spring", "python-fastapi")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backend-scaffold",
        description="Generate production-grade backend services, with their decisions written down.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    new = commands.add_parser("new", help="generate a new service")
    new.add_argument("dest", nargs="?", type=Path, help="destination folder (default: ./PROJECT_SLUG)")
    new.add_argument("--stack", choices=STACK_IDS, help="stack to generate")
    new.add_argument("--answers-file", type=Path, metavar="F", help="YAML file of answers (same keys as the questions)")
    new.add_argument("--data", action="append", default=[], metavar="KEY=VALUE", help="one answer; repeatable")
    new.add_argument("--defaults", action="store_true", help="take the default for every answer not given")
    new.add_argument("--goal", metavar="TEXT", help="describe the service; keywords preset the answers")
    new.add_argument("--pretend", action="store_true", help="show what would be written; write nothing")
    new.add_argument("--no-git", action="store_true", help="do not run git init / the initial commit")
    new.add_argument(
        "--skip-tasks", action="store_true", help="do not run post-render tasks (Go code generation, Maven wrapper)"
    )
    existing = new.add_mutually_exclusive_group()
    existing.add_argument("--skip-existing", action="store_true", help="in a non-empty DEST, keep existing files")
    existing.add_argument("--overwrite", action="store_true", help="in a non-empty DEST, replace existing files")
    new.add_argument("--json", action="store_true", help="print one JSON result on stdout")
    new.add_argument("--verbose", action="store_true", help="also show the tree of every file written")

    update = commands.add_parser("update", help="bring a generated service to the installed template version")
    update.add_argument("dest", nargs="?", type=Path, default=Path("."), help="the project (default: .)")
    update.add_argument("--data", action="append", default=[], metavar="KEY=VALUE", help="change one answer")
    update.add_argument("--answers-file", type=Path, metavar="F", help="YAML file of answers to change")
    update.add_argument(
        "--defaults", action="store_true", help="take the default for questions the project never answered"
    )
    update.add_argument("--pretend", action="store_true", help="show the diff it would apply; write nothing")
    update.add_argument(
        "--conflict", choices=("inline", "rej"), default="inline", help="conflict markers in files, or .rej files"
    )
    update.add_argument("--check", action="store_true", help="only say whether an update is available (exit 3 if so)")
    update.add_argument("--json", action="store_true", help="print one JSON result on stdout")

    detect = commands.add_parser("detect", help="what stack, frameworks, databases and configs a folder holds")
    detect.add_argument("path", nargs="?", type=Path, default=Path("."))
    detect.add_argument("--json", action="store_true", help="print JSON on stdout")

    listing = commands.add_parser("list", help="stacks, their questions, defaults and accepted values")
    listing.add_argument("--json", action="store_true", help="print JSON on stdout")

    doctor = commands.add_parser("doctor", help="check the toolchains a stack needs")
    doctor.add_argument("dest", nargs="?", type=Path, help="a generated project (its stack is checked)")
    doctor.add_argument("--stack", choices=STACK_IDS, help="check this stack")
    doctor.add_argument("--json", action="store_true", help="print JSON on stdout")

    adr = commands.add_parser("adr", help="the project's architecture decision log")
    adr_commands = adr.add_subparsers(dest="adr_command", metavar="ACTION", required=True)
    adr_list = adr_commands.add_parser("list", help="list the decision records")
    adr_list.add_argument("dest", nargs="?", type=Path, default=Path("."))
    adr_list.add_argument("--json", action="store_true", help="print JSON on stdout")
    return parser


def _run_new(args: argparse.Namespace) -> int:
    from backend_scaffold import console, generate
    from backend_scaffold.answers import AnswerSources, load_answers_file, parse_data
    from backend_scaffold.destination import prepare
    from backend_scaffold.detect import detect
    from backend_scaffold.presets import plan_goal

    explicit: dict[str, str] = load_answers_file(args.answers_file) if args.answers_file else {}
    explicit.update(parse_data(args.data))
    if args.stack:
        explicit["stack"] = args.stack
    plan = plan_goal(args.goal) if args.goal else None
    if plan and not args.json:
        console.show_goal(plan)
    existing = _existing(args)
    if args.dest is not None:
        prepare(args.dest, existing)  # before any note about what the destination holds
    suggestions, rejected, notes = _suggestions(args.dest, detect, explicit)
    interactive = sys.stdin.isatty() and not args.defaults and not args.json
    if interactive and "stack" not in explicit and not suggestions.get("stack"):
        console.show_recommendations(detect(args.dest or Path.cwd()).recommendations)
    request = generate.NewRequest(
        dest=args.dest,
        sources=AnswerSources(explicit, plan.answers if plan else {}, suggestions, args.defaults, rejected, notes),
        goal=plan,
        pretend=args.pretend,
        git=not args.no_git,
        tasks=not args.skip_tasks,
        existing=existing,
        ask=_asker() if interactive else None,
        confirm=_confirm() if interactive else None,
    )
    result = generate.create(request)
    console.emit_json(result) if args.json else console.show_new(result, verbose=args.verbose)
    return EXIT_OK


def _existing(args: argparse.Namespace) -> Existing:
    if args.skip_existing:
        return "skip"
    return "overwrite" if args.overwrite else "refuse"


def _run_update(args: argparse.Namespace) -> int:
    from backend_scaffold import console
    from backend_scaffold.answers import load_answers_file, parse_data
    from backend_scaffold.update import UpdateRequest, update

    changes: dict[str, str] = load_answers_file(args.answers_file) if args.answers_file else {}
    changes.update(parse_data(args.data))
    request = UpdateRequest(
        args.dest, changes, defaults=args.defaults, pretend=args.pretend, conflict=args.conflict, check=args.check
    )
    result = update(request)
    console.emit_json(result) if args.json else console.show_update(result)
    if result.check:
        return EXIT_UPDATE_AVAILABLE if result.update_available else EXIT_OK
    return EXIT_CONFLICTS if result.conflicts else EXIT_OK


def _asker() -> Any:
    from backend_scaffold.prompts import terminal_asker

    return terminal_asker()


def _confirm() -> Any:
    from backend_scaffold.prompts import terminal_confirm

    return terminal_confirm


def _suggestions(
    dest: Path | None, detect: Any, explicit: dict[str, str]
) -> tuple[dict[str, str], dict[str, str], tuple[str, ...]]:
    """Prefill from the destination: values that pass validation, why the others do not, and notes."""
    from backend_scaffold.answers import vet_suggestions
    from backend_scaffold.detect import PREFILL_ORIGINS
    from backend_scaffold.stacks import template_root

    detected, notes = _detected(dest, detect)
    found = {key: value for key, value in detected.items() if key not in explicit}
    kept, rejected = vet_suggestions(template_root(), found, PREFILL_ORIGINS)
    return kept, rejected, notes


def _detected(dest: Path | None, detect: Any) -> tuple[dict[str, str], tuple[str, ...]]:
    """What the destination suggests: its name, what detection finds in it, and what it notes."""
    if dest is None:
        return {}, ()
    try:
        suggestions: dict[str, str] = {"project_name": dest.resolve().name}
        is_dir = dest.is_dir()
    except (OSError, ValueError):  # an unusable path: `new` refuses it with the reason
        return {}, ()
    found = detect(dest) if is_dir else _enclosing(dest, detect)
    if found is None:
        return suggestions, ()
    suggestions.update(found.prefill if is_dir else {})
    if found.stack and not (found.generated_by and not is_dir):
        suggestions["stack"] = found.stack
    return suggestions, tuple(note for note in found.notes if "found;" in note)


def _enclosing(dest: Path, detect: Any) -> Any:
    """For `new repo/newsvc`: the repository around it (its stack, not its names), if in git."""
    from backend_scaffold.gitops import inside_work_tree

    parent = _nearest_existing(dest.resolve().parent)
    return detect(parent) if parent is not None and inside_work_tree(parent) else None


def _nearest_existing(folder: Path) -> Path | None:
    """The folder itself or its nearest existing parent, unless that is the file system root."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder if folder.is_dir() and folder != folder.parent else None


def _run_detect(args: argparse.Namespace) -> int:
    from backend_scaffold import console
    from backend_scaffold.detect import detect

    try:
        is_dir = args.path.is_dir()
    except (OSError, ValueError) as exc:
        raise ProjectError(f"{args.path}: cannot inspect it ({exc}); pass a folder to inspect") from exc
    if not is_dir:
        raise ProjectError(f"{args.path} is not a directory; pass a folder to inspect")
    found = detect(args.path)
    console.emit_json(found) if args.json else console.show_detect(found)
    return EXIT_OK


def _run_list(args: argparse.Namespace) -> int:
    from backend_scaffold import console
    from backend_scaffold.listing import stacks_and_questions

    payload = stacks_and_questions()
    console.emit_json(payload) if args.json else console.show_list(payload)
    return EXIT_OK


def _run_doctor(args: argparse.Namespace) -> int:
    from backend_scaffold import console
    from backend_scaffold.doctor import doctor, stack_of_project

    stack = args.stack or (stack_of_project(args.dest) if args.dest else None)
    if args.dest and not stack:
        raise ProjectError(f"{args.dest} has no .copier-answers.yml naming its stack; pass --stack ID")
    result = doctor([stack] if stack else [])
    if args.json:
        console.emit_json({"checks": [vars(check) for check in result.checks], "ok": result.exit_code == 0})
    else:
        console.show_doctor(result)
    return result.exit_code


def _run_adr(args: argparse.Namespace) -> int:
    from backend_scaffold import console
    from backend_scaffold.adr.records import ADR_DIR, read_records

    records = read_records(args.dest / ADR_DIR)
    if not records:
        raise ProjectError(f"no decision records under {args.dest / ADR_DIR}")
    console.emit_json([vars(record) for record in records]) if args.json else console.show_records(records)
    return EXIT_OK


HANDLERS = {
    "new": _run_new,
    "update": _run_update,
    "detect": _run_detect,
    "list": _run_list,
    "doctor": _run_doctor,
    "adr": _run_adr,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `backend-scaffold` command."""
    args = _parser().parse_args(argv)
    try:
        return HANDLERS[args.command](args)
    except BackendScaffoldError as exc:
        from backend_scaffold import console

        console.error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted; nothing was written\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
