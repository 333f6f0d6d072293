"""The error answers every route documents in OpenAPI (all are `ErrorBody`)."""

from __future__ import annotations

from typing import Any

from prolight.api import ErrorBody

__all__ = ["errors"]


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, each an `ErrorBody`."""
    descriptions = {
        404: "No such run, artifact or preset.",
        409: "The run is already finished.",
        413: "The request body is over the limit (1 MiB by default).",
        422: "A field is invalid or the body is not JSON; `field` names it.",
        503: "NATS or the run store is unavailable (`bus_unavailable`, `store_unavailable`).",
    }
    return {s: {"model": ErrorBody, "description": descriptions[s]} for s in statuses}
