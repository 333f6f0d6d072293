"""`/healthz` (the process answers) and `/readyz` (NATS answers and the shared feed runs)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from prolight.platform.bus import BusError
from prolight_notifier.deps import BusDep, HubDep

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """200 while the process serves requests."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(bus: BusDep, hub: HubDep) -> dict[str, Any] | JSONResponse:
    """200 when NATS answers a ping and the event feed is being read; else 503 saying which."""
    try:
        await bus.ping()
    except (BusError, TimeoutError) as exc:
        return JSONResponse(
            {"code": "not_ready", "message": f"NATS does not answer: {exc}"}, status_code=503
        )
    if not hub.running:
        return JSONResponse(
            {"code": "not_ready", "message": "the event feed is not running"}, status_code=503
        )
    stats = hub.stats()
    return {"status": "ready", "runs": stats.runs, "clients": stats.clients}
