"""GET /api/runs/{run_id}/audit: the run's audit trail (every paid external call), for its owner.

Each entry is one call to BRIA or Gemini (or a budget stop): endpoint, the provider's request
id, HTTP status, outcome, latency, estimated cost, and short summaries of what was sent and
received. Secrets were stripped before the entries were written; nothing here can add one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from prolight.platform.store import MAX_PAGE_SIZE, BudgetDetails, CallDetails, StoreError
from prolight.platform.store.records import WebhookAttempt
from prolight_gateway.deps import BusDep, CallerDep, StoreDep
from prolight_gateway.routes.responses import errors
from prolight_gateway.runs import owned_run, store_down

__all__ = ["AuditEntryOut", "AuditLogOut", "router"]

router = APIRouter(prefix="/api", tags=["runs"])


class AuditEntryOut(BaseModel):
    """One audit entry."""

    entry_id: str
    at: datetime
    action: str = Field(description="bria.call, gemini.call, budget.exhausted, …")
    actor: str = Field(description="The service instance (or caller) that made the call.")
    details: CallDetails | BudgetDetails | WebhookAttempt | None = Field(
        description="An external call (provider, endpoint, request_id, status, outcome, "
        "latency_ms, cost_usd, request and response summaries), a budget refusal, or a "
        "webhook attempt (GET /api/runs/{run_id}/webhooks)."
    )


class AuditLogOut(BaseModel):
    """A run's audit trail, oldest first, and what its paid calls cost so far."""

    run_id: str
    cost_usd: float = Field(description="Estimated USD of the run's paid calls.")
    items: list[AuditEntryOut]


@router.get(
    "/runs/{run_id}/audit",
    responses=errors(404, 422, 503),
    summary="A run's audit trail",
)
async def run_audit(
    run_id: str,
    store: StoreDep,
    bus: BusDep,
    caller: CallerDep,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Most entries returned, oldest first.")
    ] = MAX_PAGE_SIZE,
) -> AuditLogOut:
    """Every external call made for the run (404 for a run that is not yours)."""
    run = await owned_run(store, bus, run_id, caller)
    try:
        entries = await store.list_audit(run_id=run_id, limit=limit)
    except StoreError as exc:
        raise store_down(exc) from exc
    return AuditLogOut(
        run_id=run.run_id,
        cost_usd=run.cost_usd,
        items=[
            AuditEntryOut(
                entry_id=e.entry_id, at=e.at, action=e.action, actor=e.actor, details=e.details
            )
            for e in entries
        ],
    )
