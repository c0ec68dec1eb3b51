"""Read a generated project's CI files for section `project`: what they start and what they pass.

Structural only: no Docker engine or CI runner exists here. A GitHub job starts a dependency as
a service container (`jobs.<id>.services`) or a `docker run` step (Redpanda needs a command, which
service containers cannot take); a GitLab job lists it under `services:` with an alias.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

# Answer -> (its value when on, the variable the integration tests read, a word of its image name).
DEPENDENCIES = {
    "database": ("postgres", "DATABASE_URL", "postgres"),
    "cache": ("dragonfly", "CACHE_URL", "dragonfly"),
    "messaging": ("redpanda", "KAFKA_BROKERS", "redpanda"),
}
MAKE_TEST = re.compile(r"\bmake\s+(?:-\S+\s+)*test\b")
MAKE_LINT = re.compile(r"\bmake\s+(?:-\S+\s+)*lint\b")
GITLAB_KEYWORDS = {
    "default", "include", "stages", "variables", "workflow", "image", "services", "cache",
    "before_script", "after_script",
}  # fmt: skip
# Names GitLab forbids for jobs (docs.gitlab.com/ci/jobs, "Job names"): it reads them as keywords.
GITLAB_RESERVED_JOB_NAMES = GITLAB_KEYWORDS - {"default", "workflow"}
HOST_NETWORK = re.compile(r"--net(?:work)?[= ]host\b")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass
class Container:
    """One dependency container a CI job starts: its image, health check, ports and command."""

    image: str
    healthy: bool
    host_ports: set[int] = field(default_factory=set)
    host_network: bool = False
    command: str = ""
    alias: str = ""
    words: list[str] = field(default_factory=list)

    def runs(self, image: str) -> bool:
        """Whether this container runs `image` (a `docker run` line names it as one of its words)."""
        return self.image == image or image in self.words


def enabled_dependencies(answers: dict[str, Any]) -> list[str]:
    """The answers among database, cache and messaging that are switched on."""
    return [answer for answer, (value, _, _) in DEPENDENCIES.items() if answers.get(answer) == value]


def compose_images(project: Path) -> dict[str, str]:
    """The image docker-compose.yml runs for each dependency answer (the first service that names it)."""
    compose = yaml.safe_load((project / "docker-compose.yml").read_text())
    images: dict[str, str] = {}
    for service in compose.get("services", {}).values():
        image = str(service.get("image", ""))
        name = image.rsplit("/", 1)[-1]
        for answer, (_, _, word) in DEPENDENCIES.items():
            if word in name:
                images.setdefault(answer, image)
    return images


def host_and_port(value: str) -> tuple[str, int | None]:
    """Host and port of a URL (`postgres://u:p@h:5432/db`) or of a broker list's first `h:port`."""
    first = value.split(",", maxsplit=1)[0].strip()
    parts = urlsplit(first if "://" in first else f"kafka://{first}")
    try:
        return parts.hostname or "", parts.port
    except ValueError:
        return parts.hostname or "", None


def pinned(image: str) -> bool:
    """An image reference pinned by a tag other than `latest`, or by digest."""
    if "@sha256:" in image:
        return True
    name = image.rsplit("/", 1)[-1]
    return ":" in name and name.rsplit(":", 1)[1] not in {"", "latest"} and "$" not in name


# GitHub Actions ---------------------------------------------------------------------------------


def github_workflows(project: Path) -> list[Path]:
    """The workflow files under .github/workflows."""
    folder = project / ".github" / "workflows"
    return sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]) if folder.is_dir() else []


def github_jobs(project: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every job of every workflow, with the workflow it belongs to."""
    jobs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for path in github_workflows(project):
        workflow = yaml.safe_load(path.read_text()) or {}
        jobs.extend((workflow, job) for job in (workflow.get("jobs") or {}).values())
    return jobs


def make_test_step(job: dict[str, Any]) -> int | None:
    """The index of the job's step that runs `make test`, if any."""
    for index, step in enumerate(job.get("steps") or []):
        if MAKE_TEST.search(str(step.get("run", ""))):
            return index
    return None


def step_env(workflow: dict[str, Any], job: dict[str, Any], step: int) -> dict[str, str]:
    """The environment a step runs with: workflow, job and step `env:` merged in that order."""
    merged: dict[str, str] = {}
    for level in (workflow, job, job["steps"][step]):
        merged.update({str(key): str(value) for key, value in (level.get("env") or {}).items()})
    return merged


def _published(ports: list[Any]) -> set[int]:
    """Host ports of `HOST:CONTAINER` (or `IP:HOST:CONTAINER`) mappings; a bare port publishes itself."""
    found = set()
    for entry in ports:
        pieces = str(entry).split("/")[0].split(":")
        host = pieces[-2] if len(pieces) > 1 else pieces[0]
        if host.isdigit():
            found.add(int(host))
    return found


def service_containers(job: dict[str, Any]) -> list[Container]:
    """The job's `services:` containers; a job that runs in a container reaches them by label."""
    found = []
    for label, service in (job.get("services") or {}).items():
        options = str(service.get("options", ""))
        found.append(
            Container(
                image=str(service.get("image", "")),
                healthy="--health-cmd" in options,
                host_ports=_published(service.get("ports") or []),
                host_network=bool(HOST_NETWORK.search(options)),
                alias=str(label),
            )
        )
    return found


def docker_run_containers(job: dict[str, Any], before: int) -> list[Container]:
    """Containers that `docker run` lines in the steps before step `before` start."""
    found = []
    for step in (job.get("steps") or [])[:before]:
        script = str(step.get("run", "")).replace("\\\n", " ")
        for line in script.splitlines():
            if re.search(r"\bdocker\s+run\b", line):
                found.append(_docker_run(line))
    return found


def _docker_run(line: str) -> Container:
    words = shlex.split(line[re.search(r"\bdocker\s+run\b", line).end() :])  # type: ignore[union-attr]
    ports = [words[i + 1] for i, word in enumerate(words[:-1]) if word in {"-p", "--publish"}]
    ports += [word.split("=", 1)[1] for word in words if word.startswith(("--publish=", "-p="))]
    return Container(
        image="",
        healthy=any(word.startswith("--health-cmd") for word in words),
        host_ports=_published(ports),
        host_network=bool(HOST_NETWORK.search(" ".join(words))),
        command=line,
        words=words,
    )


# GitLab CI --------------------------------------------------------------------------------------


def gitlab_jobs(pipeline: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The pipeline's jobs: top-level mappings that are not keywords or hidden templates."""
    return {
        name: job
        for name, job in pipeline.items()
        if name not in GITLAB_KEYWORDS and not name.startswith(".") and isinstance(job, dict)
    }


def misnamed_jobs(pipeline: dict[str, Any]) -> list[str]:
    """Jobs given a name GitLab reserves for a global keyword (which then swallows the job)."""
    return [
        name
        for name, value in pipeline.items()
        if name in GITLAB_RESERVED_JOB_NAMES and isinstance(value, dict) and "script" in value
    ]


def script_of(job: dict[str, Any]) -> str:
    """A job's `script:` as one text."""
    script = job.get("script") or []
    return "\n".join(map(str, script)) if isinstance(script, list) else str(script)


def gitlab_services(pipeline: dict[str, Any], job: dict[str, Any]) -> list[Container]:
    """The job's `services:` (its own, else the pipeline's default ones)."""
    entries = job.get("services", (pipeline.get("default") or {}).get("services", pipeline.get("services"))) or []
    found = []
    for entry in entries:
        spec = entry if isinstance(entry, dict) else {"name": entry}
        command = spec.get("command") or []
        found.append(
            Container(
                image=str(spec.get("name", "")),
                healthy=True,
                command=" ".join(map(str, command)) if isinstance(command, list) else str(command),
                alias=str(spec.get("alias", "")),
            )
        )
    return found


def gitlab_images(pipeline: dict[str, Any]) -> list[str]:
    """Every image the pipeline names: the default one, each job's, and each service's."""
    holders = [pipeline, pipeline.get("default") or {}, *gitlab_jobs(pipeline).values()]
    # A job wrongly named `image` is reported as such, not as an image without a tag.
    holders[0] = {key: value for key, value in pipeline.items() if key not in misnamed_jobs(pipeline)}
    images = []
    for holder in holders:
        image = holder.get("image")
        if image is not None:
            images.append(str(image.get("name", "")) if isinstance(image, dict) else str(image))
        for service in holder.get("services") or []:
            images.append(str(service.get("name", "")) if isinstance(service, dict) else str(service))
    return images
