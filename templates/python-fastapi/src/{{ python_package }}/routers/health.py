"""Liveness and readiness probes for orchestrators and load balancers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"


@router.get("/healthz", summary="The process is alive")
async def healthz() -> Health:
    return Health()


@router.get("/readyz", summary="The service can take traffic")
async def readyz() -> Readiness:
    return Readiness()
