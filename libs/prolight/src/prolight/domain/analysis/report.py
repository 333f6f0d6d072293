"""The report `analyze` returns: one frozen pydantic model per part of the analysis."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from prolight.domain.physics.meter import MeterReading
from prolight.domain.schema import Role

__all__ = [
    "Analysis",
    "ColourHarmony",
    "Intent",
    "LightColour",
    "PatternCandidate",
    "PatternMatch",
    "Rating",
    "RatingComponent",
    "RatioReport",
    "Ratios",
    "Recommendation",
    "ShadowReport",
]

_FROZEN = ConfigDict(frozen=True)


class RatioReport(BaseModel):
    """One ratio in the three conventions; all None when the dim side gets no light."""

    model_config = _FROZEN

    stops: float | None = Field(description="log2(bright / dim): the canonical form.")
    ratio: float | None = Field(description="2^stops, read as 'ratio:1' (2:1 = 1 stop).")
    key_plus_fill_to_fill: float | None = Field(description="(key + fill) : fill, read 'value:1'.")
    label: str
    explanation: str


class Ratios(BaseModel):
    """The key:fill ratio (the photographer's convention) and the face contrast (what is seen)."""

    model_config = _FROZEN

    key_fill: RatioReport
    face_contrast: RatioReport
    judged_stops: float | None = Field(
        description="The ratio the rating and recommendations use: key:fill, or the face "
        "contrast when nothing fills the shadow side; None = unbounded."
    )
    judged_from: str


class ShadowReport(BaseModel):
    """One light's shadow edge (reference occluder: the nose, 30 mm from the cheek)."""

    model_config = _FROZEN

    role: Role
    apparent_angle_deg: float
    penumbra_mm: float
    softness: float = Field(description="0 hard … 1 very soft, from the penumbra width.")
    quality: str


class PatternCandidate(BaseModel):
    """A preset and how well the setup matches its geometry (1 = exactly)."""

    model_config = _FROZEN

    name: str
    title: str
    match: float


class PatternMatch(BaseModel):
    """The named pattern closest to the setup."""

    model_config = _FROZEN

    name: str
    title: str
    confidence: float = Field(description="0–1: the match, discounted when a runner-up is close.")
    reason: str
    alternatives: list[PatternCandidate]


class RatingComponent(BaseModel):
    """One named part of the rating."""

    model_config = _FROZEN

    name: str
    score: float = Field(description="0–10.")
    weight: float
    reason: str


class Rating(BaseModel):
    """A professional's 1–10: the weighted mean of the components."""

    model_config = _FROZEN

    score: float
    components: list[RatingComponent]


class LightColour(BaseModel):
    """One light's colour: kelvin after its gel, and mireds."""

    model_config = _FROZEN

    role: Role
    kelvin: float
    mired: float


class ColourHarmony(BaseModel):
    """How the lights' colour temperatures sit together, in mireds."""

    model_config = _FROZEN

    lights: list[LightColour]
    mired_spread: float = Field(description="Warmest minus coolest light, in mireds.")
    face_kelvin: float = Field(description="The mix on the face (weighted by lux), in kelvin.")
    white_balance_k: float
    shift_mired: float = Field(description="Face mix minus white balance in mireds (+ = warm).")
    mood: str = Field(description="warm / neutral / cool, as the white-balanced camera sees it.")
    deliberate_mix: bool
    warnings: list[str]


class Recommendation(BaseModel):
    """A concrete change. `field`/`suggested` can be applied as they are; `expected_stops` is
    the judged ratio after applying it, computed by the model."""

    model_config = _FROZEN

    message: str
    field: str | None = None
    current: float | None = None
    suggested: float | None = None
    expected_stops: float | None = None


class Intent(BaseModel):
    """What the setup is for, and the ratio range (stops) that suits it."""

    model_config = _FROZEN

    name: str
    min_stops: float
    max_stops: float | None  # None: no upper bound (low-key, dramatic)
    target_stops: float
    source: str


class Analysis(BaseModel):
    """Everything `analyze` finds out about a setup (see module doc)."""

    model_config = _FROZEN

    key_role: Role | None
    ratios: Ratios
    meter: dict[Role, MeterReading]
    shadows: list[ShadowReport]
    background_stops: float = Field(
        description="Backdrop brightness against the lit cheek, in stops (+ brighter)."
    )
    pattern: PatternMatch
    intent: Intent
    rating: Rating
    colour: ColourHarmony
    recommendations: list[Recommendation]
    warnings: list[str]
