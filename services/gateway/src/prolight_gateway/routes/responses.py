"""The error answers every route documents in OpenAPI (all are `ErrorBody`)."""

from __future__ import annotations

from typing import Any

from prolight.contracts.api import ErrorBody

__all__ = ["errors", "run_start_errors"]


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


def run_start_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`errors(*statuses)` for an endpoint that starts a run, whose 409 and 422 also answer
    for the `Idempotency-Key` header (`prolight_gateway.run_start`)."""
    described = errors(*statuses)
    if 409 in described:
        described[409] = {
            **described[409],
            "description": "A request with the same `Idempotency-Key` is still being accepted "
            "(`idempotency_in_progress`, with `Retry-After`); for refine and final, also a "
            "parent run that is not completed or has no image (`run_not_completed`, "
            "`run_without_result`).",
        }
    if 422 in described:
        described[422] = {
            **described[422],
            "description": described[422]["description"]
            + " `Idempotency-Key` malformed (`invalid_idempotency_key`) or sent before with "
            "another request (`idempotency_key_reused`): `field` is the header's name.",
        }
    return described
