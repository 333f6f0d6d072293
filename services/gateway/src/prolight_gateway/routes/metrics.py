"""/metrics: this process's Prometheus metrics (`prolight.platform.metrics`), kept out of the
OpenAPI."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from prolight.platform import metrics as prolight_metrics

__all__ = ["router"]

router = APIRouter(tags=["metrics"], include_in_schema=False)


@router.get("/metrics")
async def metrics() -> Response:
    """Every metric of this gateway process in the Prometheus text format."""
    return Response(prolight_metrics.render(), media_type=prolight_metrics.CONTENT_TYPE)
