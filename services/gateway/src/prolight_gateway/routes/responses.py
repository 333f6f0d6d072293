"""The error answers every route documents in OpenAPI (all are `ErrorBody`)."""

from __future__ import annotations

from typing import Any

from prolight.contracts.api import ErrorBody

__all__ = ["errors"]


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, each an `ErrorBody`."""
    descriptions = {
        401: "API keys are on and `X-API-Key` is missing or unknown.",
        404: "No such run, artifact or preset (or it belongs to another API key).",
        409: "The run is already finished.",
        413: "The request body is over the limit (1 MiB by default).",
        422: "A field is invalid or the body is not JSON; `field` names it.",
        429: "This API key starts runs too fast; `Retry-After` says when to try again.",
        503: "NATS or the run store is unavailable (`bus_unavailable`, `store_unavailable`).",
    }
    return {s: {"model": ErrorBody, "description": descriptions[s]} for s in statuses}
