"""GET /api/runs/{run_id}/webhooks: how a run's webhook delivery went, for its owner;
GET /api/webhooks/secret: the caller's signing secret, to verify the deliveries with.

Attempts are read from the run's audit log, where the deliverer records each one
(`prolight_gateway.delivery`). Signing: `prolight_gateway.webhook_signing`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from prolight.platform.http_errors import NotFound
from prolight.platform.store import StoreError
from prolight.platform.store.records import WebhookOutcome
from prolight_gateway.delivery import delivery_id, webhook_attempts
from prolight_gateway.deps import BusDep, CallerDep, SettingsDep, StoreDep
from prolight_gateway.routes.responses import errors
from prolight_gateway.runs import owned_run, store_down
from prolight_gateway.webhook_signing import (
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    owner_secret,
)

__all__ = ["WebhookAttemptOut", "WebhookDeliveryOut", "WebhookSecretOut", "router"]

router = APIRouter(prefix="/api", tags=["webhooks"])

DeliveryState = Literal["none", "pending", "retrying", "delivered", "gave_up", "refused"]


class WebhookAttemptOut(BaseModel):
    """One POST of the run's final status to its webhook."""

    attempt: int = Field(description="1 for the first.")
    at: datetime
    host: str
    status: int | None = Field(None, description="The receiver's HTTP status, if it answered.")
    error: str | None = Field(None, description="Why the attempt failed, when it did.")
    duration_ms: float = Field(description="Milliseconds.")
    outcome: WebhookOutcome


class WebhookDeliveryOut(BaseModel):
    """A run's webhook and every attempt to deliver it, oldest first."""

    run_id: str
    webhook_url: str | None = Field(None, description="None: the run named no webhook.")
    delivery_id: str | None = Field(
        None, description="The ProLight-Webhook-Id every attempt carries (None: no webhook)."
    )
    state: DeliveryState = Field(
        description="none (no webhook), pending (the run has not ended, or no attempt yet), "
        "retrying, delivered, gave_up (a permanent refusal, or the retry time ran out), "
        "refused (the URL is no longer one the gateway may call)."
    )
    attempts: list[WebhookAttemptOut]


class WebhookSecretOut(BaseModel):
    """The caller's webhook signing secret and how deliveries are signed with it."""

    owner: str
    secret: str = Field(description="whsec_<base64>: the HMAC key is the base64 part, decoded.")
    headers: list[str] = Field(description="The headers each delivery carries.")
    signed: str = Field(description="What the signature is the HMAC-SHA256 of.")


@router.get(
    "/runs/{run_id}/webhooks",
    responses=errors(404, 422, 503),
    summary="A run's webhook deliveries",
)
async def run_webhooks(
    run_id: str, store: StoreDep, bus: BusDep, caller: CallerDep
) -> WebhookDeliveryOut:
    """Every attempt to POST the run's final status to its webhook_url (404 for a run that is
    not yours)."""
    run = await owned_run(store, bus, run_id, caller)
    url = run.options.webhook_url
    if url is None:
        return WebhookDeliveryOut(run_id=run.run_id, state="none", attempts=[])
    try:
        attempts = await webhook_attempts(store, run.run_id)
    except StoreError as exc:
        raise store_down(exc) from exc
    state: DeliveryState = attempts[-1][1].outcome if attempts else "pending"
    return WebhookDeliveryOut(
        run_id=run.run_id,
        webhook_url=url,
        delivery_id=delivery_id(run.run_id),
        state=state,
        attempts=[
            WebhookAttemptOut(
                attempt=a.attempt,
                at=at,
                host=a.host,
                status=a.status,
                error=a.error,
                duration_ms=a.duration_ms,
                outcome=a.outcome,
            )
            for at, a in attempts
        ],
    )


@router.get("/webhooks/secret", responses=errors(404), summary="Your webhook signing secret")
async def webhook_secret(settings: SettingsDep, caller: CallerDep) -> WebhookSecretOut:
    """The secret your runs' webhooks are signed with (one per API key owner; `anonymous`
    with keys off); 404 `webhooks_disabled` when this gateway sends none."""
    if settings.webhook_secret is None:
        raise NotFound("webhooks are off on this gateway", code="webhooks_disabled")
    return WebhookSecretOut(
        owner=caller,
        secret=owner_secret(settings.webhook_secret.get_secret_value(), caller),
        headers=[ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER],
        signed="{id}.{timestamp}.{body}: v1,<base64 HMAC-SHA256>, key = base64-decoded secret "
        "after whsec_",
    )
