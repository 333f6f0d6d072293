"""GET /api/presets and /api/presets/{name}: the named lighting setups."""

from __future__ import annotations

from fastapi import APIRouter

from prolight.contracts.api import PresetSummary
from prolight.domain.presets import PRESETS, Preset, normalise_preset_name
from prolight.platform.http_errors import NotFound
from prolight_gateway.routes.responses import errors

__all__ = ["router"]

router = APIRouter(prefix="/api/presets", tags=["presets"])


@router.get("", summary="List presets")
async def list_presets() -> list[PresetSummary]:
    """Every preset's name, title and one-line description."""
    return [
        PresetSummary(name=p.name, title=p.title, description=p.description)
        for p in PRESETS.values()
    ]


@router.get("/{name}", responses=errors(404, 422), summary="One preset")
async def get_preset(name: str) -> Preset:
    """The preset's setup; the name is read loosely ('High Key', 'paramount', 'rim-lit')."""
    preset = PRESETS.get(normalise_preset_name(name))
    if preset is None:
        raise NotFound(
            f"unknown preset {name!r}; available: {', '.join(PRESETS)}",
            field="name",
            choices=list(PRESETS),
        )
    return preset
