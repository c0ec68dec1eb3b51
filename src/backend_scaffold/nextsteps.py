"""What to type after `new`, true for the answers given: which dependencies to start, and how."""

from __future__ import annotations

from dataclasses import dataclass

from backend_scaffold.render import StepOutcome

# answer, the value that switches it on, the compose service, its variable, and a label.
DEPENDENCIES = (
    ("database", "postgres", "postgres", "DATABASE_URL", "PostgreSQL"),
    ("cache", "dragonfly", "dragonfly", "CACHE_URL", "Dragonfly"),
    ("messaging", "redpanda", "redpanda", "KAFKA_BROKERS", "Redpanda"),
)
# Post-render steps a user runs later when they were skipped or failed.
LATER = {
    "go tool -modfile=tools/go.mod buf generate": "make generate",
    "mvn": "mvn -N wrapper:wrapper -Dtype=only-script",
}


@dataclass(frozen=True)
class NextStep:
    """One command and why to run it."""

    command: str
    why: str


def next_steps(dest: str, answers: dict[str, str], steps: list[StepOutcome]) -> list[NextStep]:
    """The commands that take a fresh project to a running service, in order."""
    plan = [NextStep(f"cd {dest}", "the new project")]
    for step in steps:
        if step.status != "ok":
            later = next((cmd for prefix, cmd in LATER.items() if step.command.startswith(prefix)), step.command)
            plan.append(NextStep(later, f"the post-render step that was {step.status}"))
    enabled = [dep for dep in DEPENDENCIES if answers.get(dep[0]) == dep[1]]
    if not enabled:
        plan.append(NextStep("make test", "unit and HTTP tests; they need nothing running"))
        plan.append(NextStep("make run", "serve on APP_PORT; nothing else to start"))
        return plan
    services = " ".join(dep[2] for dep in enabled)
    labels = ", ".join(dep[4] for dep in enabled)
    start = "make infra" if answers.get("stack") == "python-fastapi" else f"docker compose up --detach {services}"
    # Until every stack skips its integration tests cleanly without servers, start them first.
    plan.append(NextStep(start, f"start {labels} first (Docker Compose)"))
    variables = ", ".join(dep[3] for dep in enabled)
    plan.append(NextStep("make test", f"unit and integration tests, against {variables} from .env"))
    plan.append(NextStep("make run", f"serve on APP_PORT; without Docker, point {variables} in .env at yours"))
    return plan
