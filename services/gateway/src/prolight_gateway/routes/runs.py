"""GET /api/status/{run_id}, GET /api/runs, POST /api/runs/{run_id}/cancel,
DELETE /api/runs/{run_id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from prolight.contracts.api import (
    CancelAccepted,
    ErrorBody,
    RunPage,
    RunStatusOut,
    StatusFilter,
)
from prolight.platform.store.records import CURSOR_PATTERN
from prolight_gateway import runs
from prolight_gateway.deps import BlobsDep, BusDep, CallerDep, SettingsDep, StoreDep
from prolight_gateway.routes.responses import errors

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["runs"])


@router.get("/status/{run_id}", responses=errors(404, 422, 503), summary="Where a run stands")
async def run_status(
    run_id: str, store: StoreDep, bus: BusDep, settings: SettingsDep, caller: CallerDep
) -> RunStatusOut:
    """Steps, artifacts, progress (0–1), and a fresh stream token with links to reconnect."""
    return await runs.run_status(store, bus, settings, run_id, caller)


@router.get("/runs", responses=errors(422, 503), summary="List runs")
async def list_runs(
    store: StoreDep,
    caller: CallerDep,
    status: Annotated[
        StatusFilter | None,
        Query(
            description="Only runs in this status: a status (in_progress covers planning and "
            "running) or a finer state."
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Runs per page.")] = 20,
    cursor: Annotated[
        str | None,
        Query(
            pattern=CURSOR_PATTERN,
            description="`next_cursor` of the previous page; any cursor of this form is a "
            "position in the list, answered with the runs after it.",
        ),
    ] = None,
) -> RunPage:
    """Your runs (every run with keys off), newest first, one page at a time."""
    return await runs.list_runs(store, caller, status=status, limit=limit, cursor=cursor)


@router.post(
    "/runs/{run_id}/cancel",
    status_code=202,
    responses=errors(404, 409, 422, 503),
    summary="Cancel one run",
)
async def cancel_run(
    run_id: str, store: StoreDep, bus: BusDep, settings: SettingsDep, caller: CallerDep
) -> CancelAccepted:
    """Ask the planner to cancel this run (and no other): tasks not yet started are dropped,
    workers stop at their next checkpoint, `run.cancelled` follows on the run's stream."""
    return await runs.cancel_run(store, bus, settings, run_id, caller)


@router.delete(
    "/runs/{run_id}",
    status_code=204,
    response_class=Response,
    responses={
        **errors(404, 422, 503),
        409: {"model": ErrorBody, "description": "The run is not finished: cancel it first."},
    },
    summary="Delete one finished run",
)
async def delete_run(
    run_id: str, store: StoreDep, bus: BusDep, blobs: BlobsDep, caller: CallerDep
) -> Response:
    """Delete a finished run for good: its record, steps, events, prompt-cache entries, and its
    images and bundle (bytes another run shares, such as a cached image, are kept for it).
    204 with no body; 409 `run_not_finished` while it runs (cancel it first); a second DELETE
    is a 404. Child runs (refine, final) are kept. The audit log keeps the run's entries and
    records `run.deleted` with the caller's key."""
    await runs.delete_run(store, bus, blobs, run_id, caller)
    return Response(status_code=204)
