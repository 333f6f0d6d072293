"""/healthz (the process answers) and /readyz (NATS and the run store answer)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from prolight.contracts.api import Health, Readiness
from prolight.platform.health import probe
from prolight_gateway.deps import BusDep, StoreDep

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> Health:
    """200 while the process serves requests."""
    return Health()


@router.get(
    "/readyz",
    summary="Readiness",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A dependency is down."}},
)
async def readyz(bus: BusDep, store: StoreDep) -> JSONResponse:
    """200 when NATS and the run store answer; 503 naming the check that failed."""

    async def nats() -> None:
        if not bus.is_connected:
            raise ConnectionError("not connected (reconnecting)")
        await bus.ping()

    results = await asyncio.gather(probe(nats), probe(store.ping))
    checks = dict(zip(("nats", "store"), results, strict=True))
    ready = all(r == "ok" for r in results)
    body = Readiness(status="ready" if ready else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
