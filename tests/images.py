"""Stand-in base images for the generated Dockerfiles, made here without a container registry.

No registry is reachable from this machine, so `podman build` of a generated Dockerfile cannot pull
`golang:1.26` and the rest. `prepare` makes images under exactly those names from Debian's packages
(a `debootstrap --variant=minbase` root) and this machine's own toolchains: Go from its install,
the Rust toolchain from rustup, Temurin 25, CPython 3.13 from pyenv and uv from PyPI.

They are STAND-INS, as Redis is for Dragonfly. They prove a Dockerfile's logic (stages, paths,
cache mounts, the non-root user, the entrypoint) and that the image it builds serves; they are not
the published images, which differ in detail: eclipse-temurin is Ubuntu-based upstream and Debian
here, the Python is pyenv's 3.13 build rather than the image's own, the distroless stand-ins are
assembled from Debian bookworm packages with the same users, files and libraries as upstream
lists them, and the toolchain images carry fewer -dev packages than buildpack-deps does.

    python -m tests.images prepare [--only golang,rust,...] [--refresh]   make the images, cached
    python -m tests.images list                                          what is made, and its names

Podman as root, with `runtime = "runc"` and `default_ulimits = []` (see README, "Container images").
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.infra import CACHE, InfraError, checked

IMAGES = CACHE / "images"
ROOT = "localhost/backend-scaffold/bookworm:debootstrap"
BASE = "localhost/backend-scaffold/bookworm:minbase"
# Certificate authorities this machine adds to Debian's (its egress goes through a TLS proxy):
# the stand-ins trust them too, or no build could fetch a module.
LOCAL_CAS = Path("/usr/local/share/ca-certificates")
# Packages every stand-in starts from; the distroless ones take files out of it.
BASE_PACKAGES = ("ca-certificates", "tzdata")
NONROOT_UID = 65532
BUILDAH_CACHE = Path("/var/tmp/buildah-cache")  # where podman 4 keeps RUN --mount=type=cache
# What the bases' builds install: a subset of buildpack-deps:bookworm (scm + gcc), without cmake.
BUILD_PACKAGES = "git curl xz-utils file make gcc g++ libc6-dev pkg-config libssl-dev zlib1g-dev"
# Runtime libraries of CPython as python:3.13-slim-bookworm keeps them.
PYTHON_LIBS = "libssl3 libffi8 libsqlite3-0 libbz2-1.0 liblzma5 libreadline8 libncursesw6 zlib1g libuuid1 netbase"
# JDK modules a JRE does not carry (compilers, shells and packaging tools), and what needs them.
JDK_ONLY_MODULES = {
    "jdk.compiler", "jdk.javadoc", "jdk.jshell", "jdk.jdeps", "jdk.jlink", "jdk.jpackage",
    "jdk.jartool", "jdk.hotspot.agent", "jdk.internal.ed", "jdk.internal.le", "jdk.internal.opt",
    "jdk.editpad", "jdk.jstatd", "jdk.internal.md",
}  # fmt: skip


@dataclass(frozen=True)
class StandIn:
    """One image name a generated Dockerfile uses, and how to assemble it."""

    key: str
    name: str
    context: Callable[[Path], str]  # fills a build directory, returns the Containerfile


def podman() -> str:
    """The podman executable, or a one-line error saying how to install it."""
    found = shutil.which("podman")
    if found is None:
        raise InfraError("podman is not installed: apt-get install podman runc debootstrap (see README)")
    return found


def exists(name: str) -> bool:
    return subprocess.run([podman(), "image", "exists", name], check=False).returncode == 0


def build(context: Path, name: str, containerfile: str, *extra: str) -> None:
    """`podman build` one image from a Containerfile text, never pulling."""
    (context / "Containerfile").write_text(containerfile)
    checked([podman(), "build", "--pull=never", "--network=host", "-t", name, *extra, str(context)], f"building {name}")


def prepare_base(refresh: bool) -> None:
    """A minimal Debian bookworm root, made once by debootstrap and kept as a tarball."""
    tarball = IMAGES / "bookworm-minbase.tar"
    if refresh or not tarball.exists():
        IMAGES.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=IMAGES) as scratch:
            root = Path(scratch) / "root"
            includes = ",".join(BASE_PACKAGES)
            checked(["debootstrap", "--variant=minbase", f"--include={includes}", "bookworm", str(root),
                  "http://deb.debian.org/debian"], "debootstrap")  # fmt: skip
            shutil.rmtree(root / "var/cache/apt/archives", ignore_errors=True)
            checked(["tar", "-C", str(root), "-cf", str(tarball) + ".part", "."], "packing the root")
            os.replace(str(tarball) + ".part", tarball)
    if refresh or not exists(ROOT):
        checked([podman(), "import", str(tarball), ROOT], "importing the root")
    if refresh or not exists(BASE):
        with tempfile.TemporaryDirectory(prefix="standin-base-") as scratch:
            cas = Path(scratch) / "cas"
            cas.mkdir()
            for certificate in LOCAL_CAS.glob("*.crt"):
                shutil.copy(certificate, cas)
            build(
                Path(scratch),
                BASE,
                f"FROM {ROOT}\nCOPY cas/ /usr/local/share/ca-certificates/\nRUN update-ca-certificates\n",
            )


def _copy(source: Path, target: Path, ignore: Callable[[str, list[str]], set[str]] | None = None) -> None:
    shutil.copytree(source, target, symlinks=True, ignore=ignore)


def _toolchain_version(args: Sequence[str], prefix: str, what: str) -> None:
    text = checked(args, what)
    if prefix not in text:
        raise InfraError(f"{what}: this machine has {text.strip()!r}, the Dockerfiles ask for {prefix}")


def golang(context: Path) -> str:
    """golang:1.26 — Go from this machine's install over git and gcc, GOPATH=/go."""
    goroot = Path(checked(["go", "env", "GOROOT"], "go env").strip())
    _toolchain_version([str(goroot / "bin/go"), "version"], "go1.26", "go version")
    _copy(goroot, context / "go", ignore=shutil.ignore_patterns("test", "doc"))
    return f"""FROM {BASE}
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends {BUILD_PACKAGES} \\
    && rm -rf /var/lib/apt/lists/*
COPY go /usr/local/go
ENV GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:$PATH
WORKDIR /go
"""


def rust(context: Path) -> str:
    """rust:1.95-bookworm — the rustup toolchain this machine has, CARGO_HOME=/usr/local/cargo."""
    sysroot = Path(checked(["rustc", "--print", "sysroot"], "rustc").strip())
    _toolchain_version([str(sysroot / "bin/rustc"), "--version"], "rustc 1.95", "rustc version")
    _copy(sysroot, context / "rust", ignore=shutil.ignore_patterns("doc", "html", "man"))
    return f"""FROM {BASE}
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends {BUILD_PACKAGES} \\
    && rm -rf /var/lib/apt/lists/*
COPY rust /usr/local/rust
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo \\
    PATH=/usr/local/cargo/bin:/usr/local/rust/bin:$PATH
RUN mkdir -p /usr/local/cargo/bin && rustc --version && cargo --version
"""


def _temurin() -> Path:
    for candidate in sorted(Path("/usr/lib/jvm").glob("temurin-25*")):
        if (candidate / "bin/java").exists():
            return candidate
    raise InfraError("no Temurin 25 under /usr/lib/jvm: the java stand-ins copy it")


def _own_cacerts(java_home: Path) -> None:
    """This machine's trust store in place of a link to it (Debian links cacerts to /etc/ssl/certs/java)."""
    cacerts = java_home / "lib/security/cacerts"
    host = _temurin() / "lib/security/cacerts"
    cacerts.unlink(missing_ok=True)
    shutil.copyfile(host.resolve(), cacerts)


def temurin_jdk(context: Path) -> str:
    """eclipse-temurin:25-jdk — this machine's Temurin 25 at /opt/java/openjdk."""
    _copy(_temurin(), context / "jdk")
    _own_cacerts(context / "jdk")
    return f"""FROM {BASE}
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends curl wget \\
    && rm -rf /var/lib/apt/lists/*
COPY jdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:$PATH
"""


def temurin_jre(context: Path) -> str:
    """eclipse-temurin:25-jre — a runtime linked by jlink from Temurin 25, without compilers."""
    jdk = _temurin()
    listed = checked([str(jdk / "bin/java"), "--list-modules"], "java --list-modules").split()
    modules = sorted({line.split("@")[0] for line in listed} - JDK_ONLY_MODULES)
    checked([str(jdk / "bin/jlink"), "--add-modules", ",".join(modules), "--strip-debug", "--no-man-pages",
          "--no-header-files", "--output", str(context / "jre")], "jlink")  # fmt: skip
    _own_cacerts(context / "jre")
    return f"""FROM {BASE}
COPY jre /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:$PATH
"""


def _pyenv_python() -> Path:
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for candidate in sorted(root.glob("3.13.*"), reverse=True):
        if (candidate / "bin/python3.13").exists():
            return candidate
    raise InfraError(f"no CPython 3.13 under {root}: the python stand-in copies pyenv's build")


def python(context: Path) -> str:
    """python:3.13-slim-bookworm — pyenv's CPython 3.13 under /usr/local, its libraries from Debian."""
    ignore = shutil.ignore_patterns("__pycache__", "test", "tests", "idlelib", "tkinter", "turtledemo")
    _copy(_pyenv_python(), context / "python", ignore=ignore)
    return f"""FROM {BASE}
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends {PYTHON_LIBS} \\
    && rm -rf /var/lib/apt/lists/*
COPY python /usr/local
RUN ldconfig && ln -sf python3 /usr/local/bin/python && python --version
# uv reads its roots from here; the published image needs no such line (LOCAL_CAS above).
ENV LANG=C.UTF-8 SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
CMD ["python3"]
"""


def uv(context: Path) -> str:
    """ghcr.io/astral-sh/uv:0.13 — the uv and uvx binaries of the newest 0.13 wheel on PyPI."""
    wheels = context / "wheel"
    checked([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
          "uv>=0.13,<0.14", "-d", str(wheels)], "pip download uv")  # fmt: skip
    wheel = next(wheels.glob("uv-*.whl"))
    checked([sys.executable, "-m", "zipfile", "-e", str(wheel), str(wheels / "x")], "unpacking uv")
    for tool in ("uv", "uvx"):
        found = next((wheels / "x").glob(f"uv-*.data/scripts/{tool}"))
        shutil.copy(found, context / tool)
        (context / tool).chmod(0o755)
    return 'FROM scratch\nCOPY uv uvx /\nENTRYPOINT ["/uv"]\n'


def _distroless(libraries: str) -> str:
    """A root with no shell and no package manager: users, CA certificates, tzdata and `libraries`."""
    packages = f"libc6 {libraries}".strip() if libraries else ""
    collect = (
        f"apt-get update -qq && apt-get install -y -qq --no-install-recommends {libraries} && "
        f"dpkg -L {packages} | grep -E '/lib/|/lib64/' | while read -r f; do "
        '[ -d "$f" ] || cp -a --parents "$f" /out; done && '
        if packages
        else ""
    )
    return f"""FROM {BASE} AS files
RUN mkdir -p /out/etc/ssl/certs /out/usr/share /out/tmp /out/home/nonroot && {collect}\\
    cp -a /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ && cp -a /usr/share/zoneinfo /out/usr/share/ \\
    && printf 'root:x:0:0:root:/root:/sbin/nologin\\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\\n\
nonroot:x:{NONROOT_UID}:{NONROOT_UID}:nonroot:/home/nonroot:/sbin/nologin\\n' > /out/etc/passwd \\
    && printf 'root:x:0:\\nnobody:x:65534:\\nnonroot:x:{NONROOT_UID}:\\n' > /out/etc/group \\
    && cp /etc/os-release /out/etc/ && chmod 1777 /out/tmp && chown {NONROOT_UID}:{NONROOT_UID} /out/home/nonroot
FROM scratch
COPY --from=files /out/ /
USER {NONROOT_UID}
WORKDIR /home/nonroot
"""


def distroless_static(context: Path) -> str:
    """gcr.io/distroless/static-debian12:nonroot — users, certificates, tzdata; no libc, no shell."""
    return _distroless("")


def distroless_cc(context: Path) -> str:
    """gcr.io/distroless/cc-debian12:nonroot — static plus glibc, libgcc, libstdc++, libgomp and libssl3."""
    return _distroless("libgcc-s1 libstdc++6 libgomp1 libssl3")


STAND_INS = (
    StandIn("golang", "docker.io/library/golang:1.26", golang),
    StandIn("rust", "docker.io/library/rust:1.95-bookworm", rust),
    StandIn("temurin-jdk", "docker.io/library/eclipse-temurin:25-jdk", temurin_jdk),
    StandIn("temurin-jre", "docker.io/library/eclipse-temurin:25-jre", temurin_jre),
    StandIn("python", "docker.io/library/python:3.13-slim-bookworm", python),
    StandIn("uv", "ghcr.io/astral-sh/uv:0.13", uv),
    StandIn("distroless-static", "gcr.io/distroless/static-debian12:nonroot", distroless_static),
    StandIn("distroless-cc", "gcr.io/distroless/cc-debian12:nonroot", distroless_cc),
)
# The stand-ins each stack's Dockerfile names (build stage first).
FOR_STACK = {
    "go-connectrpc": ("golang", "distroless-static"),
    "rust-axum": ("rust", "distroless-cc"),
    "java-spring": ("temurin-jdk", "temurin-jre"),
    "python-fastapi": ("python", "uv"),
}


def _host_caches() -> dict[str, Path]:
    """Where each Dockerfile's cache mounts point in the build stage, and this machine's own cache."""
    home = Path.home()
    caches = {"root/.m2": home / ".m2", "usr/local/cargo/registry": home / ".cargo/registry"}
    if shutil.which("go"):
        modules, builds = checked(["go", "env", "GOMODCACHE", "GOCACHE"], "go env").split()
        caches["go/pkg/mod"], caches["root/.cache/go-build"] = Path(modules), Path(builds)
    if shutil.which("uv"):
        caches["root/.cache/uv"] = Path(checked(["uv", "cache", "dir"], "uv cache dir").strip())
    return caches


def share_caches() -> None:
    """Point buildah's cache mounts (RUN --mount=type=cache) at this machine's caches.

    Buildah keeps a cache mount without an id in BUILDAH_CACHE/<target>; a symlink there makes an
    image build reuse the modules, crates, jars and wheels the host builds already fetched.
    """
    for target, host in _host_caches().items():
        mount = BUILDAH_CACHE / target
        if mount.is_symlink():
            continue
        host.mkdir(parents=True, exist_ok=True)
        if mount.exists():
            shutil.rmtree(mount)
        mount.parent.mkdir(parents=True, exist_ok=True)
        mount.symlink_to(host, target_is_directory=True)


def prepare(keys: Sequence[str] = (), *, refresh: bool = False) -> list[str]:
    """Make the stand-ins named by `keys` (all when empty) that are missing; returns what was made."""
    unknown = set(keys) - {image.key for image in STAND_INS}
    if unknown:
        raise InfraError(f"unknown stand-in(s) {', '.join(sorted(unknown))}: choose from {[i.key for i in STAND_INS]}")
    podman()
    share_caches()
    prepare_base(refresh)
    made = []
    for image in STAND_INS:
        if (keys and image.key not in keys) or (exists(image.name) and not refresh):
            continue
        with tempfile.TemporaryDirectory(prefix=f"standin-{image.key}-") as scratch:
            build(Path(scratch), image.name, image.context(Path(scratch)))
        made.append(image.name)
    return made


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.images", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    making = commands.add_parser("prepare", help="make the stand-in images that are missing")
    making.add_argument("--only", default="", help="comma-separated keys: " + ",".join(i.key for i in STAND_INS))
    making.add_argument("--refresh", action="store_true", help="remake them, the Debian root included")
    commands.add_parser("list", help="the stand-ins and whether each is made")
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            for image in STAND_INS:
                print(f"{image.key:18} {image.name:48} {'made' if exists(image.name) else 'missing'}")
            return 0
        keys = [key for key in args.only.split(",") if key]
        for name in prepare(keys, refresh=args.refresh):
            print(f"made {name}", file=sys.stderr)
    except InfraError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
