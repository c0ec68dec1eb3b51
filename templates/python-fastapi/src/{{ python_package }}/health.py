"""Operations endpoints: liveness, readiness and metrics. Never authenticated."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str]


@router.get("/healthz", summary="Liveness; never checks dependencies")
async def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    summary="Readiness; checks each enabled dependency",
    responses={503: {"model": Readiness, "description": "A dependency failed"}},
)
async def readyz(request: Request) -> JSONResponse:
    ready, checks = await request.app.state.readiness.check()
    body = Readiness(status="ready" if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus text exposition", response_class=Response)
async def metrics(request: Request) -> Response:
    payload = await request.app.state.metrics.render()
    return Response(payload, media_type=CONTENT_TYPE_LATEST)
