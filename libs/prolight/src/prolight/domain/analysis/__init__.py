"""`analyze(setup)`: what a lighting setup does, how a professional would rate it, what to change.

Everything here is computed from the setup by the physics modules, deterministically (no
randomness, no clock), and every number comes with the reason it has:

- ratios: the key:fill ratio (`physics.face.face_light`), in stops, as 2^stops:1 and as
  (key+fill):fill, plus the face contrast (every light on the lit cheek against every light on
  the shadow cheek: what the camera and the preview renderer see);
- per-light incident meter readings (`physics.meter`) and shadow edges (`physics.softness`);
- the named pattern the setup is closest to (`presets.PRESETS`), with a confidence;
- a rating 1–10 as the weighted mean of named components, each scored 0–10 with its reason;
- colour harmony in mireds; recommendations whose numbers are solved from the model.

Units: angles in degrees (schema convention), distances in metres, ratios in stops unless
labelled otherwise, colour temperature in kelvin, mireds = 1e6 / K.

    report.py           the models `analyze` returns
    ratios.py           key:fill and face contrast; distance from an intent's range
    intent.py           what the setup is for (`INTENTS`), from the style or the pattern
    separation.py       backdrop brightness (`background_stops`) and separation lights
    pattern.py          the closest named pattern
    colour.py           colour harmony in mireds
    rating.py           the 1–10 rating and its components
    recommendations.py  changes with solved numbers, and warnings
"""

from __future__ import annotations

from prolight.domain.analysis.colour import colour_harmony
from prolight.domain.analysis.intent import INTENTS, IntentRange, intent_for
from prolight.domain.analysis.pattern import match_pattern
from prolight.domain.analysis.rating import rate
from prolight.domain.analysis.ratios import ratio_reports
from prolight.domain.analysis.recommendations import recommend, warnings_for
from prolight.domain.analysis.report import (
    Analysis,
    ColourHarmony,
    Intent,
    LightColour,
    PatternCandidate,
    PatternMatch,
    Rating,
    RatingComponent,
    RatioReport,
    Ratios,
    Recommendation,
    ShadowReport,
)
from prolight.domain.analysis.separation import background_stops
from prolight.domain.physics.face import face_light, key_light
from prolight.domain.physics.meter import meter_readings
from prolight.domain.physics.softness import shadow_edge
from prolight.domain.schema import LightingSetup

__all__ = [
    "INTENTS",
    "Analysis",
    "ColourHarmony",
    "Intent",
    "IntentRange",
    "LightColour",
    "PatternCandidate",
    "PatternMatch",
    "Rating",
    "RatingComponent",
    "RatioReport",
    "Ratios",
    "Recommendation",
    "ShadowReport",
    "analyze",
    "background_stops",
]


def analyze(setup: LightingSetup) -> Analysis:
    """Analyse a lighting setup (see module doc). Deterministic: equal setups, equal results."""
    fl = face_light(setup)
    ratios = ratio_reports(fl)
    meter = meter_readings(setup)
    bg = background_stops(setup, fl)
    pattern = match_pattern(setup, fl)
    intent = intent_for(setup, pattern.name)
    colour = colour_harmony(setup, fl)
    shadows = []
    for role, light in setup.enabled_lights().items():
        edge = shadow_edge(light)
        shadows.append(
            ShadowReport(
                role=role,
                apparent_angle_deg=round(edge.apparent_angle_deg, 1),
                penumbra_mm=round(edge.penumbra_mm, 1),
                softness=round(edge.softness, 3),
                quality=edge.quality,
            )
        )
    key = key_light(setup)
    return Analysis(
        key_role=key[0] if key else None,
        ratios=ratios,
        meter=meter,
        shadows=shadows,
        background_stops=round(bg, 2),
        pattern=pattern,
        intent=intent,
        rating=rate(setup, ratios, intent, colour, bg, meter, fl),
        colour=colour,
        recommendations=recommend(setup, fl, ratios, intent, bg),
        warnings=warnings_for(setup, meter),
    )
