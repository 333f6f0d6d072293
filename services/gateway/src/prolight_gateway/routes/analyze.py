"""POST /api/analyze/lighting: ratios, rating, colour harmony and recommendations of a setup."""

from __future__ import annotations

from fastapi import APIRouter

from prolight.contracts.api import AnalyzeLightingRequest
from prolight.domain.analysis import Analysis, analyze
from prolight.domain.schema import load_setup
from prolight_gateway.routes.responses import errors
from prolight_gateway.validation import reading_user_input

__all__ = ["router"]

router = APIRouter(prefix="/api/analyze", tags=["analyze"])


@router.post("/lighting", responses=errors(413, 422), summary="Analyse a lighting setup")
def analyze_lighting(body: AnalyzeLightingRequest) -> Analysis:
    """The analysis of the setup (ratios in stops, rating 1–10, mireds, recommendations).

    A plain `def`: the analysis is CPU work, so FastAPI runs it off the event loop.
    """
    with reading_user_input("lighting setup"):
        return analyze(load_setup(body.setup_input()))
