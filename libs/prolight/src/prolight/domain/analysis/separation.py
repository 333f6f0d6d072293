"""How the subject stands out from the backdrop: the backdrop's brightness, the lights behind."""

from __future__ import annotations

import math

from prolight.domain.physics.face import FaceLight, face_light
from prolight.domain.physics.photometry import on_axis_lux
from prolight.domain.schema import LightingSetup, Role
from prolight.domain.vocabulary import (
    SEPARATION_ROLES,
)

__all__ = ["background_stops", "separation_lights"]

SKIN_REFLECTANCE = 0.35
"""Average skin, for comparing the backdrop's brightness with the face."""


def _backdrop_reflectance(colour: str) -> float:
    # Relative luminance of the sRGB backdrop colour: how much light the backdrop returns.
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return max(0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2], 1e-3)


def background_stops(setup: LightingSetup, fl: FaceLight | None = None) -> float:
    """Backdrop brightness relative to the lit cheek, in stops, clamped to −6…+3.

    Backdrop light: background lights (their `distance` is to the backdrop) plus the front
    lights' spill, which travels `background.distance_m` further (inverse square), plus ambient;
    times the backdrop colour's reflectance. Face: everything on the lit cheek times average
    skin reflectance (0.35).
    """
    fl = fl or face_light(setup)
    gap = setup.background.distance_m
    backdrop = 0.0
    for role, light in setup.enabled_lights().items():
        lux = on_axis_lux(light)
        if role in (Role.BACKGROUND, Role.AMBIENT):
            backdrop += lux
        elif abs(light.direction.azimuth) <= 100:  # lights behind the subject face away from it
            backdrop += lux * (light.distance / (light.distance + gap)) ** 2
    face = sum(fl.lit_cheek.values())
    if backdrop <= 0 or face <= 0:
        return -6.0 if face > 0 else 3.0
    refl = _backdrop_reflectance(setup.background.color)
    return max(-6.0, min(3.0, math.log2(backdrop * refl / (face * SKIN_REFLECTANCE))))


def separation_lights(setup: LightingSetup) -> list[Role]:
    """The lights that outline the subject: rim, kicker, hair, and any face light behind it."""
    return [
        role
        for role, light in setup.enabled_lights().items()
        if role in SEPARATION_ROLES
        or (role not in (Role.BACKGROUND, Role.AMBIENT) and abs(light.direction.azimuth) > 100)
    ]
