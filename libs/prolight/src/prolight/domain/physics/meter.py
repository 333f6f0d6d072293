"""A handheld light meter, one light at a time: lux, EV at ISO 100, and the f-number to set.

Each reading is an *incident* reading taken at the subject's face with the dome pointed at the
light, that light alone switched on (how a photographer meters a set light by light, and how
set.a.light 3D reports it). A background light is metered where it lands, on the backdrop.

The f-number comes from `photometry.aperture_for` at the camera's ISO and shutter
(N² = E·S·t / C) and is shown as a meter shows it: the nearest whole stop below plus tenths of
a stop, "f/8 +0.3" (Sekonic's large digits and small tenths) or, compactly, "f/8.3".
EV is exposure value at ISO 100: EV₁₀₀ = log2(E · 100 / C), C = `INCIDENT_METER_C` lux.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from prolight.domain.physics.photometry import INCIDENT_METER_C, aperture_for, on_axis_lux
from prolight.domain.schema import Camera, Light, LightingSetup, Role

__all__ = [
    "FULL_STOP_NUMBERS",
    "MARKED_APERTURES",
    "MeterReading",
    "expose_for_key",
    "format_f_number",
    "meter_reading",
    "meter_readings",
]

FULL_STOP_NUMBERS: dict[int, str] = {
    -2: "0.5", -1: "0.7", 0: "1", 1: "1.4", 2: "2", 3: "2.8", 4: "4", 5: "5.6", 6: "8",
    7: "11", 8: "16", 9: "22", 10: "32", 11: "45", 12: "64", 13: "90", 14: "128",
}  # fmt: skip
"""Marked whole-stop f-numbers by stops from f/1 (engraved values, not exact powers of √2)."""


class MeterReading(BaseModel):
    """One light's incident reading (dome at the light, that light alone)."""

    model_config = ConfigDict(frozen=True)

    role: Role
    lux: float = Field(
        description="Illuminance in lux at the subject (backdrop for a background light)."
    )
    ev100: float | None = Field(
        description="Exposure value at ISO 100; None when the light is off."
    )
    f_number: float = Field(
        description="Exact f-number at the camera's ISO and shutter; 0 when off."
    )
    display: str = Field(description='As a meter shows it: "f/8 +0.3" (whole stop below + tenths).')
    display_compact: str = Field(description='The same reading written "f/8.3".')
    iso: int
    shutter_s: float
    stops_vs_camera: float | None = Field(
        description="Reading minus the camera's aperture in stops (+ = this light alone would "
        "overexpose at the set aperture); None when the light is off."
    )


def _split(f_number: float) -> tuple[int, int]:
    """Whole stops from f/1 (floored) and tenths above it (0–9)."""
    stops = 2 * math.log2(f_number)
    tenths_total = round(stops * 10)  # round first so f/7.99 reads "f/8", not "f/5.6 +1.0"
    whole, tenths = divmod(tenths_total, 10)
    return whole, tenths


def format_f_number(f_number: float) -> tuple[str, str]:
    """('f/8 +0.3', 'f/8.3') for an f-number; ('no reading', 'no reading') for 0 or less.

    The compact form is the long one when the whole stop has a decimal ("f/2.8 +0.1").
    """
    if f_number <= 0:
        return "no reading", "no reading"
    whole, tenths = _split(f_number)
    if whole in FULL_STOP_NUMBERS:
        base = FULL_STOP_NUMBERS[whole]
    else:  # beyond the engraved scale: the exact power of √2, one decimal
        base = f"{2 ** (whole / 2):.1f}".removesuffix(".0")
    long = f"f/{base}" + (f" +0.{tenths}" if tenths else "")
    if not tenths:
        return long, f"f/{base}"
    # "f/8.3" reads well only after a whole number; "f/2.8.1" would not, so keep the long form.
    return long, f"f/{base}.{tenths}" if "." not in base else long


def meter_reading(light: Light, camera: Camera, role: Role | None = None) -> MeterReading:
    """Incident reading of `light` alone at the camera's ISO and shutter (see module doc)."""
    lux = on_axis_lux(light)
    n = aperture_for(lux, camera.iso, camera.shutter_s)
    display, compact = format_f_number(n)
    return MeterReading(
        role=role or light.role or Role.KEY,
        lux=lux,
        ev100=math.log2(lux * 100 / INCIDENT_METER_C) if lux > 0 else None,
        f_number=n,
        display=display,
        display_compact=compact,
        iso=camera.iso,
        shutter_s=camera.shutter_s,
        stops_vs_camera=2 * math.log2(n / camera.aperture) if n > 0 else None,
    )


def meter_readings(setup: LightingSetup) -> dict[Role, MeterReading]:
    """A reading for every enabled light of `setup`, by role, at its camera's ISO and shutter."""
    return {
        role: meter_reading(light, setup.camera, role)
        for role, light in setup.enabled_lights().items()
    }


MARKED_APERTURES = (1.0, 1.1, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.5, 2.8, 3.2, 3.5, 4.0, 4.5, 5.0, 5.6,
                    6.3, 7.1, 8.0, 9.0, 10.0, 11.0, 13.0, 14.0, 16.0, 18.0, 20.0, 22.0, 25.0, 29.0,
                    32.0, 36.0, 40.0, 45.0, 51.0, 57.0, 64.0)  # fmt: skip
"""The f-numbers marked on lenses in thirds of a stop from f/1, as a photographer sets them."""


def expose_for_key(setup: LightingSetup) -> LightingSetup:
    """The setup with its aperture set to the key's incident reading, nearest marked third stop.

    Unchanged when there is no enabled key light or it gives no light.
    """
    key = setup.lighting.get(Role.KEY)
    if key is None or not key.enabled:
        return setup
    n = aperture_for(on_axis_lux(key), setup.camera.iso, setup.camera.shutter_s)
    if n <= 0:
        return setup
    thirds = round(6 * math.log2(n))  # f-number stops are 2·log2 N; thirds of them are 6·log2 N
    aperture = MARKED_APERTURES[min(max(thirds, 0), len(MARKED_APERTURES) - 1)]
    camera = setup.camera.model_copy(update={"aperture": aperture})
    return setup.model_copy(update={"camera": camera})
