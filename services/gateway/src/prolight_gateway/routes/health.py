"""/healthz (the process answers) and /readyz (NATS and the run store answer)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from prolight.contracts.api import Health, Readiness
from prolight_gateway.deps import BusDep, StoreDep

__all__ = ["CHECK_TIMEOUT_S", "router"]

CHECK_TIMEOUT_S = 2.0
"""Seconds one readiness check may take before it counts as failed."""

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> Health:
    """200 while the process serves requests."""
    return Health()


async def _check(probe: Callable[[], Awaitable[object]]) -> str:
    try:
        await asyncio.wait_for(probe(), CHECK_TIMEOUT_S)
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_S} s"
    except Exception as exc:  # a probe reports every failure, it never raises
        return str(exc) or type(exc).__name__
    return "ok"


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

    results = await asyncio.gather(_check(nats), _check(store.ping))
    checks = dict(zip(("nats", "store"), results, strict=True))
    ready = all(r == "ok" for r in results)
    body = Readiness(status="ready" if ready else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
