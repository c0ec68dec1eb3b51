"""Readiness: each enabled dependency answers a cheap probe within a short timeout."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[object]]
PROBE_TIMEOUT = 2.0


class Readiness:
    """Named probes, run concurrently; shutting down makes the service unready at once."""

    def __init__(self) -> None:
        self.probes: dict[str, Probe] = {}
        self.shutting_down = False

    def add(self, name: str, probe: Probe) -> None:
        self.probes[name] = probe

    async def check(self) -> tuple[bool, dict[str, str]]:
        names = list(self.probes)
        results = await asyncio.gather(*(self._run(self.probes[name]) for name in names))
        checks = dict(zip(names, results, strict=True))
        ready = not self.shutting_down and all(result == "ok" for result in results)
        return ready, checks

    @staticmethod
    async def _run(probe: Probe) -> str:
        try:
            await asyncio.wait_for(probe(), timeout=PROBE_TIMEOUT)
        except Exception as error:  # noqa: BLE001 (any failure makes the dependency unready)
            reason = reason_for(error)
            logger.warning("readiness probe failed", extra={"reason": reason})
            return f"error: {reason}"
        return "ok"


class ProbeError(Exception):
    """A probe's failure whose reason is known: one of the fixed words of REASONS."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# The fixed words /readyz may say: never an exception's text, an address or a driver's message.
REASONS = (
    "connection refused",
    "timeout",
    "authentication failed",
    "tls handshake failed",
    "migrations pending",
    "unavailable",
)
# SQLSTATE class 28: invalid authorization (a wrong password is 28P01).
_AUTH_SQLSTATES = ("28000", "28P01")


def _chain(error: BaseException) -> list[BaseException]:
    """The error and every error it wraps (causes, contexts and drivers' `orig`)."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        wrapped = getattr(current, "orig", None)
        pending += [current.__cause__, current.__context__]
        pending += [wrapped] if isinstance(wrapped, BaseException) else []
    return seen


def _reason_of(error: BaseException) -> str | None:
    if isinstance(error, ProbeError):
        return error.reason
    if isinstance(error, ssl.SSLError):
        return "tls handshake failed"
    if isinstance(error, TimeoutError):
        return "timeout"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if getattr(error, "sqlstate", None) in _AUTH_SQLSTATES:
        return "authentication failed"
    return None


def reason_for(error: BaseException) -> str:
    """The fixed reason a probe failed, from the first error in its chain that tells."""
    for wrapped in _chain(error):
        if (reason := _reason_of(wrapped)) is not None:
            return reason
    return "unavailable"
