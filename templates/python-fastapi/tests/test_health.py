"""The probes answer over real HTTP, as an orchestrator would call them."""

from __future__ import annotations

import httpx


def test_healthz_reports_the_process_alive(client: httpx.Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok"}


def test_readyz_reports_the_service_ready(client: httpx.Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_openapi_document_lists_the_probes(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()

    assert {"/healthz", "/readyz"} <= set(document["paths"])
