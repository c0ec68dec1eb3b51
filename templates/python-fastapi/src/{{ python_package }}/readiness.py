"""Readiness: each enabled dependency answers a cheap probe within a short timeout."""

from __future__ import annotations

import asyncio
import logging
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
        except TimeoutError:
            return "error: timed out"
        except Exception as error:  # noqa: BLE001 (any failure makes the dependency unready)
            logger.warning("readiness probe failed", extra={"error": str(error)})
            return f"error: {type(error).__name__}"
        return "ok"
