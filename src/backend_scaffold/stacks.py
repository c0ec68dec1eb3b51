"""The stack registry: every stack's id, template, detection markers and toolchain, declared once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Tool:
    """A command-line tool a stack needs, with how to get it."""

    command: str
    purpose: str
    install_hint: str
    version_args: tuple[str, ...] = ("--version",)
    required: bool = True
    minimum: tuple[int, ...] = ()  # the oldest version generated projects build with
    home_variable: str = ""  # an environment variable naming the installation builds really use


@dataclass(frozen=True)
class Stack:
    """One generatable stack."""

    id: str
    title: str
    language: str
    markers: tuple[str, ...]
    name_question: str
    why: str
    tools: tuple[Tool, ...]
    post_render: tuple[tuple[str, ...], ...] = field(default=())


_GIT = Tool("git", "version control for the generated project", "apt-get install git")
_MAKE = Tool("make", "the project's Makefile targets", "apt-get install make")

STACKS: tuple[Stack, ...] = (
    Stack(
        id="go-connectrpc",
        title="Go + ConnectRPC",
        language="Go",
        markers=("go.mod",),
        name_question="go_module",
        why="one static binary, fast builds, and one proto contract served as Connect, gRPC and REST",
        tools=(
            Tool(
                "go",
                "build, test and run buf/protoc plugins pinned as Go tools",
                "install Go 1.26.7+ from https://go.dev/dl/ (or let GOTOOLCHAIN fetch it)",
                ("version",),
                minimum=(1, 26, 7),
            ),
            _MAKE,
            _GIT,
        ),
        post_render=(("go", "tool", "-modfile=tools/go.mod", "buf", "generate"),),
    ),
    Stack(
        id="rust-axum",
        title="Rust + Axum + SQLx",
        language="Rust",
        markers=("Cargo.toml",),
        name_question="rust_crate",
        why="memory safety without a garbage collector and predictable latency under load",
        tools=(
            Tool("cargo", "build and test", "install Rust with rustup: https://rustup.rs"),
            Tool("rustc", "the Rust compiler (1.85+ for edition 2024)", "rustup update stable"),
            _MAKE,
            _GIT,
        ),
    ),
    Stack(
        id="java-spring",
        title="Java + Spring Boot",
        language="Java",
        markers=("pom.xml", "build.gradle", "build.gradle.kts"),
        name_question="java_package",
        why="the largest enterprise ecosystem, with Spring's batteries for data, security and ops",
        tools=(
            Tool(
                "java",
                "JDK 25 to build and run (generated projects target Java 25)",
                "install a JDK 25, for example Eclipse Temurin 25, and point JAVA_HOME at it",
                ("-version",),
                minimum=(25,),
                home_variable="JAVA_HOME",
            ),
            Tool(
                "mvn",
                "creates the Maven wrapper at generation time",
                "apt-get install maven",
                required=False,
            ),
            _MAKE,
            _GIT,
        ),
        post_render=(("mvn", "-B", "-q", "-N", "wrapper:wrapper", "-Dtype=only-script"),),
    ),
    Stack(
        id="python-fastapi",
        title="Python + FastAPI",
        language="Python",
        markers=("pyproject.toml", "requirements.txt"),
        name_question="python_package",
        why="the quickest path from idea to typed, documented HTTP API",
        tools=(
            Tool("uv", "environments, locking and running tools", "pip install uv (or https://docs.astral.sh/uv/)"),
            Tool("python3", "Python 3.11+ interpreter", "apt-get install python3"),
            _MAKE,
            _GIT,
        ),
    ),
)

RECOMMENDED = ("go-connectrpc", "rust-axum", "java-spring", "python-fastapi")


def stack_ids() -> list[str]:
    """All stack ids in registry order."""
    return [stack.id for stack in STACKS]


def get_stack(stack_id: str) -> Stack:
    """The stack with this id; callers validate the id first."""
    for stack in STACKS:
        if stack.id == stack_id:
            return stack
    raise KeyError(stack_id)


def template_root() -> Path:
    """The Copier template root: shipped inside the wheel, or the repository of a checkout.

    BACKEND_SCAFFOLD_TEMPLATE_SOURCE names another template checkout to use instead (template
    development, and tests that need several template versions).
    """
    override = os.environ.get("BACKEND_SCAFFOLD_TEMPLATE_SOURCE")
    if override:
        return Path(override)
    here = Path(__file__).resolve().parent
    packaged = here / "_template"
    if (packaged / "copier.yml").is_file():
        return packaged
    checkout = here.parents[1]
    if (checkout / "copier.yml").is_file():
        return checkout
    raise FileNotFoundError(f"backend-scaffold templates not found under {packaged} or {checkout}")
