"""How much light reaches the subject, and what a handheld meter would read.

The reference unit: at full power (intensity 1), with a bare standard reflector, one metre
away on its axis, it puts `FULL_POWER_LUX_AT_1M` on the subject — an incident meter reads
f/16 at ISO 100 and 1/125 s, a typical 400–500 Ws studio strobe. Everything else scales
from there: intensity (fraction of full power), the modifier's efficiency, and the inverse
square of the distance. Ambient is the room's light: even, from everywhere, and unaffected
by distance or direction.
"""

from __future__ import annotations

import math

from prolight.domain.schema import Light, Role

__all__ = [
    "AMBIENT_SHARE",
    "FULL_POWER_LUX_AT_1M",
    "INCIDENT_METER_C",
    "aperture_for",
    "on_axis_lux",
]

FULL_POWER_LUX_AT_1M = 80_000.0
"""Lux (lux·s equivalent for a strobe at 1/125 s) from a bare unit at full power, 1 m away."""

AMBIENT_SHARE = 0.05
"""Share of a bare unit at 1 m that an ambient 'light' at intensity 1 gives: 4.3 stops under."""

INCIDENT_METER_C = 250.0
"""Calibration constant of a flat/dome incident meter, in lux (ISO 2720 range 240–400)."""


def on_axis_lux(light: Light) -> float:
    """Illuminance in lux on a surface facing the light squarely at the subject's position."""
    if not light.enabled or light.intensity <= 0:
        return 0.0
    if light.role == Role.AMBIENT:
        return FULL_POWER_LUX_AT_1M * AMBIENT_SHARE * light.intensity
    return FULL_POWER_LUX_AT_1M * light.intensity * light.spec.efficiency / light.distance**2


def aperture_for(lux: float, iso: int, shutter_s: float) -> float:
    """The f-number an incident meter gives for `lux` at `iso` and `shutter_s` (N² = E·S·t/C)."""
    if lux <= 0:
        return 0.0
    return math.sqrt(lux * iso * shutter_s / INCIDENT_METER_C)
