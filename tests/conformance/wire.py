"""HTTP/1.1 on a raw socket, and the memory of the process behind a port, for the `limits` section.

An HTTP client library hides what the server did with the connection (closed it, reset it,
answered before the body was sent); these helpers report exactly that.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import h11

from tests.projects import descendants

Header = tuple[str, str]


@dataclass
class Reply:
    """What the server did with one request: its answer, if any, and when."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    answered_after: float | None = None  # seconds from connecting to the response head
    closed: bool = False  # the server closed or reset the connection


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def _absorb(conn: h11.Connection, data: bytes, reply: Reply, started: float) -> bool:
    """Feed received bytes to the parser; True once the whole response has arrived."""
    conn.receive_data(data)
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA or isinstance(event, h11.ConnectionClosed):
            return isinstance(event, h11.ConnectionClosed)
        if isinstance(event, h11.Response):
            reply.status = event.status_code
            reply.headers = {name.decode().lower(): value.decode() for name, value in event.headers}
            reply.answered_after = time.monotonic() - started
        elif isinstance(event, h11.Data):
            reply.body += bytes(event.data)
        elif isinstance(event, h11.EndOfMessage):
            return True


def _receive(sock: socket.socket, conn: h11.Connection, reply: Reply, started: float) -> bool:
    try:
        data = sock.recv(65536)
    except (ConnectionResetError, BrokenPipeError):
        reply.closed = True
        return True
    if not data:
        reply.closed = True
    try:
        return _absorb(conn, data, reply, started) or not data
    except h11.RemoteProtocolError:
        return True


def exchange(
    url: str,
    method: str,
    target: str,
    headers: list[Header],
    *,
    body: Iterable[bytes] = (),
    timeout: float = 60,
) -> Reply:
    """Send one request, reading the answer while the body is still going out (a server may answer early).

    `headers` fix the framing: give `Content-Length` or `Transfer-Encoding: chunked` with a body.
    Sending stops when the server answers or stops reading; the result says what came back.
    """
    conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=1 << 20)
    host, port = address(url)
    request = h11.Request(method=method, target=target, headers=[("Host", f"{host}:{port}"), *headers])
    outgoing = [conn.send(request) or b""]
    chunks: Iterator[bytes] = iter(body)
    reply = Reply()
    started = time.monotonic()
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.setblocking(False)
        sending = True
        while time.monotonic() - started < timeout:
            if sending and not outgoing:
                outgoing = _next_frame(conn, chunks)
                sending = bool(outgoing)
            writers = [sock] if sending and reply.status is None else []
            readable, writable, _ = select.select([sock], writers, [], 0.5)
            if readable and _receive(sock, conn, reply, started):
                break
            if writable:
                try:
                    sent = sock.send(outgoing[0])
                except (BrokenPipeError, ConnectionResetError):
                    sending = False
                    continue
                outgoing[0] = outgoing[0][sent:]
                if not outgoing[0]:
                    outgoing.pop(0)
    return reply


def _next_frame(conn: h11.Connection, chunks: Iterator[bytes]) -> list[bytes]:
    """The next piece of the body framed as the request's headers say, or the end of the message."""
    if conn.our_state is not h11.SEND_BODY:
        return []
    chunk = next(chunks, None)
    if chunk is None:
        return [conn.send(h11.EndOfMessage()) or b""]
    return [conn.send(h11.Data(data=chunk)) or b""]


def closed_within(url: str, partial_head: bytes, limit: float, trickle: bytes = b"") -> float | None:
    """Seconds until the server closes a connection that sent only `partial_head`, then `trickle` each second.

    None when it was still open after `limit` seconds.
    """
    started = time.monotonic()
    with socket.create_connection(address(url), timeout=10) as sock:
        sock.sendall(partial_head)
        while time.monotonic() - started < limit:
            readable, _, _ = select.select([sock], [], [], 1.0)
            try:
                if readable and not sock.recv(65536):
                    return time.monotonic() - started
                if trickle:
                    sock.sendall(trickle)
            except (ConnectionResetError, BrokenPipeError):
                return time.monotonic() - started
    return None


# Contract 10: an idle keep-alive connection is closed within two minutes. The slack covers the
# idle watcher's own wake-up and the server's timer granularity.
IDLE_SECONDS = 120
IDLE_SLACK_SECONDS = 5


class IdleConnection:
    """A keep-alive connection that served one request and then says nothing; a thread notes when it closes."""

    def __init__(self, url: str, limit: float = IDLE_SECONDS + IDLE_SLACK_SECONDS) -> None:
        host, port = address(url)
        self.sock = socket.create_connection((host, port), timeout=10)
        conn, reply = h11.Connection(h11.CLIENT), Reply()
        request = h11.Request(method="GET", target="/healthz", headers=[("Host", f"{host}:{port}")])
        self.sock.sendall((conn.send(request) or b"") + (conn.send(h11.EndOfMessage()) or b""))
        while not _receive(self.sock, conn, reply, time.monotonic()):
            pass
        self.status = reply.status
        self.open_since = time.monotonic()
        self.closed_after: float | None = 0.0 if reply.closed else None
        self.watcher = threading.Thread(target=self._watch, args=(limit,), daemon=True)
        self.watcher.start()

    def _watch(self, limit: float) -> None:
        self.sock.settimeout(limit)
        try:
            while self.sock.recv(65536):
                pass
        except TimeoutError:
            return
        except OSError:
            pass
        self.closed_after = time.monotonic() - self.open_since

    def close(self) -> None:
        self.sock.close()


# --- the process behind a port -------------------------------------------------------------


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def listener_pid(launcher: int, port: int) -> int:
    """The process below `launcher` (`make run`) that holds the socket listening on `port`."""
    sockets = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    for pid in [launcher, *descendants(launcher)]:
        try:
            links = {fd.readlink().as_posix() for fd in Path(f"/proc/{pid}/fd").iterdir()}
        except OSError:
            continue
        if links & sockets:
            return pid
    raise AssertionError(f"no process below {launcher} listens on port {port}")


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    raise AssertionError(f"/proc/{pid}/status has no {key}")


class MemoryWatch:
    """How far a process's resident set rises above where it was, while the block runs.

    Linux's peak counter (VmHWM, reset through clear_refs) catches spikes between samples;
    samples every few milliseconds stand in where the reset is not allowed.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.baseline = self.peak = _status_kib(pid, "VmRSS")
        self.peak_reset = False
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> MemoryWatch:
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            self.peak_reset = True
        except OSError:
            self.peak_reset = False
        self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _status_kib(self.pid, "VmRSS"))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._sampler.join(timeout=5)
        if self.peak_reset:
            self.peak = max(self.peak, _status_kib(self.pid, "VmHWM"))

    @property
    def growth_mib(self) -> float:
        return (self.peak - self.baseline) / 1024
