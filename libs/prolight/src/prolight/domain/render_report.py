"""What the local renderer measured about its own image, as it travels in a generate result.

Pure pydantic, apart from the renderer (which needs numpy), so the contracts can carry it
without importing the renderer: `prolight.contracts.tasks.GenerateResult.render_report`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from prolight.domain.schema import SubjectKind

__all__ = ["CLIP_LEVEL", "CRUSH_LEVEL", "RenderReport", "RenderTimings"]

CLIP_LEVEL = 254
"""An 8-bit channel at or above this is a clipped highlight."""

CRUSH_LEVEL = 3
"""A pixel whose every 8-bit channel is at or below this is a crushed shadow."""


class RenderTimings(BaseModel):
    """Wall-clock milliseconds spent in each stage of one render."""

    model_config = ConfigDict(frozen=True)

    scene_ms: float
    geometry_ms: float
    shadows_ms: float
    backdrop_ms: float
    shading_ms: float
    tonemap_ms: float
    encode_ms: float
    total_ms: float


class RenderReport(BaseModel):
    """What a render measured about its own image (see `measure.py` for the face meter)."""

    model_config = ConfigDict(frozen=True)

    width: int
    height: int
    seed: int
    subject: SubjectKind
    measured_ratio_stops: float | None = Field(
        description="Lit cheek against shadow cheek, diffuse luminance, in stops (log2); "
        "None when the shadow cheek gets no light at all."
    )
    predicted_ratio_stops: float | None = Field(
        description="physics.face.face_light(setup).face_contrast in stops, for comparison."
    )
    lit_cheek_value: float | None = Field(description="Median scene value on the lit cheek.")
    shadow_cheek_value: float | None = Field(description="Median scene value on the shadow cheek.")
    lit_probe_pixels: int
    shadow_probe_pixels: int
    clipped_highlights_pct: float = Field(
        description=f"Percent of pixels with a channel at or above {CLIP_LEVEL}/255."
    )
    crushed_shadows_pct: float = Field(
        description=f"Percent of pixels with every channel at or below {CRUSH_LEVEL}/255."
    )
    subject_pixels_pct: float = Field(description="Percent of the frame the subject fills.")
    exposure_lux: float = Field(
        description="Illuminance the camera's aperture/ISO/shutter expose for (N²·C/(S·t))."
    )
    timings: RenderTimings
