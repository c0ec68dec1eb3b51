"""The bare FastAPI baseline of the python-fastapi template, for bench/load.py.

It runs in the generated project's own virtual environment (`uv sync --locked` from its uv.lock),
so FastAPI, uvicorn, asyncpg, redis and PyJWT are exactly the template's versions, and it serves
with the template's uvicorn settings. Each route does only its essential work.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import jwt
import uvicorn
from fastapi import FastAPI, Request, Response
from redis.asyncio import Redis

SECRET = os.environ["JWT_SECRET"]
ISSUER = os.environ["JWT_ISSUER"]
JSON = "application/json"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """One database pool and one cache client for the process, as the template holds them."""
    app.state.pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=1, max_size=10)
    app.state.cache = Redis.from_url(os.environ["CACHE_URL"])
    yield
    await app.state.cache.aclose()
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan, openapi_url=None)


def caller(request: Request) -> str | None:
    """The subject of a valid HS256 bearer token, else None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme != "Bearer":
        return None
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], issuer=ISSUER, options={"require": ["exp"]})
    except jwt.InvalidTokenError:
        return None
    return str(claims["sub"])


@app.get("/healthz")
async def healthz() -> Response:
    return Response(b'{"status":"ok"}', media_type=JSON)


@app.get("/api/v1/users/me")
async def me(request: Request) -> Response:
    subject = caller(request)
    if subject is None:
        return Response(status_code=401)
    cached = await request.app.state.cache.get(f"user:{subject}")
    # The bench warms the key first: a miss is a broken run, not a path to measure.
    return Response(cached, media_type=JSON) if cached is not None else Response(status_code=503)


def priced(body: dict[str, Any], subject: str) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    items = [{**item, "line_total_cents": item["quantity"] * item["unit_price_cents"]} for item in body["items"]]
    total = sum(item["line_total_cents"] for item in items)
    return {"id": str(uuid.uuid4()), "user_id": subject, "status": "pending", "currency": body["currency"],
            "items": items, "total_cents": total, "created_at": now, "updated_at": now}  # fmt: skip


@app.post("/api/v1/orders")
async def create_order(request: Request) -> Response:
    subject = caller(request)
    if subject is None:
        return Response(status_code=401)
    order = priced(await request.json(), subject)
    payload = json.dumps(order)
    created = datetime.fromisoformat(order["created_at"])
    async with request.app.state.pool.acquire() as connection, connection.transaction():
        await connection.execute(
            "INSERT INTO orders (id, user_id, status, currency, total_cents, created_at, updated_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $6)",
            uuid.UUID(order["id"]), uuid.UUID(subject), "pending", order["currency"], order["total_cents"], created,
        )  # fmt: skip
        await connection.executemany(
            "INSERT INTO order_items (order_id, line_no, sku, name, quantity, unit_price_cents, line_total_cents)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [(uuid.UUID(order["id"]), n, i["sku"], i["name"], i["quantity"], i["unit_price_cents"],
              i["line_total_cents"]) for n, i in enumerate(order["items"], 1)],
        )  # fmt: skip
        await connection.execute(
            "INSERT INTO outbox (id, aggregate_id, type, payload, created_at) VALUES ($1, $2, $3, $4, $5)",
            uuid.uuid4(), uuid.UUID(order["id"]), "order.created", payload, created,
        )  # fmt: skip
    headers = {"Location": f"/api/v1/orders/{order['id']}"}
    return Response(payload, status_code=201, media_type=JSON, headers=headers)


if __name__ == "__main__":
    # The template's uvicorn settings (main.server()): one process, no access log, no server header.
    uvicorn.run(
        app,
        host="0.0.0.0",  # noqa: S104 (the template listens on every interface)
        port=int(os.environ["APP_PORT"]),
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=20,
    )
