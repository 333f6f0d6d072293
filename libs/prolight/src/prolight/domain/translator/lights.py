"""The lights of a setup being built, in the JSON form of `LightingSetup` (the translator edits
a preset's dump and validates it once at the end): what each describing word sets, new lights
placed by convention, and fill levels from the photometry (`physics.photometry.on_axis_lux`)."""

from __future__ import annotations

import math
from typing import Any

from prolight.domain.physics.photometry import on_axis_lux
from prolight.domain.presets import PRESETS
from prolight.domain.schema import Light

__all__ = [
    "BASES",
    "MODIFIER_SOFTNESS",
    "SMALL_MODIFIERS",
    "SOFTNESS",
    "STRENGTH",
    "copy_json",
    "intensity_for",
    "lux",
    "new_light",
    "placement",
    "side_sign",
]

SOFTNESS = {"soft": 0.85, "hard": 0.1}  # the softness "soft" and "hard" set
MODIFIER_SOFTNESS = {
    "bare": 0.1, "grid": 0.1, "snoot": 0.05, "fresnel": 0.15, "beauty_dish": 0.4,
    "stripbox": 0.6, "softbox": 0.65, "umbrella": 0.7, "shoot_through_umbrella": 0.75,
    "reflector": 0.8, "octabox": 0.85,
}  # fmt: skip
SMALL_MODIFIERS = frozenset({"bare", "grid", "snoot", "fresnel", "beauty_dish"})  # hard sources
STRENGTH = {  # intensity (fraction of full power) for strong / subtle
    "rim": (0.85, 0.25), "kicker": (0.8, 0.25), "hair": (0.5, 0.15),
    "background": (0.6, 0.1), "ambient": (0.5, 0.1), "key": (0.9, 0.4),
}  # fmt: skip


def copy_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


BASES: dict[str, dict[str, Any]] = {
    name: preset.setup.model_dump(mode="json") for name, preset in PRESETS.items()
}


def lux(light: dict[str, Any]) -> float:
    """On-axis illuminance of a light in JSON form, in lux (`physics.photometry.on_axis_lux`)."""
    return on_axis_lux(Light.model_validate(light))


def intensity_for(key: dict[str, Any], light: dict[str, Any], stops: float) -> float:
    """The intensity (0.01–1) that puts `light` `stops` under the key, on axis."""
    at_full_power = lux({**light, "intensity": 1.0})
    wanted = lux(key) * math.pow(2.0, -stops) / at_full_power
    return round(min(1.0, max(0.01, wanted)), 3)


def side_sign(key: dict[str, Any]) -> float:
    """-1 for a key on camera-left, else 1."""
    az = float(key["direction"]["azimuth"])
    return -1.0 if az < 0 else 1.0


def new_light(role: str, key: dict[str, Any]) -> dict[str, Any]:
    """A light the text asked for that the preset lacks, placed by convention (see notes)."""
    s = side_sign(key)
    kelvin = key["kelvin"]
    az, el, modifier, distance, intensity = {
        "fill": (-s * 40, 0, "umbrella", 2.0, 0.25),
        "rim": (-s * 145, 25, "stripbox", 1.5, 0.5),
        "kicker": (-s * 120, 10, "stripbox", 1.5, 0.45),
        "hair": (180, 60, "stripbox", 1.2, 0.3),
        "background": (0, 10, "bare", 1.5, 0.3),
        "ambient": (0, 0, "octabox", 3.0, 0.3),
    }[role]
    return {
        "role": role, "enabled": True, "intensity": intensity, "kelvin": kelvin,
        "softness": 1.0 if role == "ambient" else MODIFIER_SOFTNESS[modifier],
        "distance": distance, "direction": {"azimuth": az, "elevation": el},
        "modifier": modifier, "modifier_size": None, "gel": None,
    }  # fmt: skip


def placement(light: dict[str, Any]) -> str:
    """Where a light is, as a note says it."""
    az, el = float(light["direction"]["azimuth"]), float(light["direction"]["elevation"])
    if abs(az) < 0.5:
        side = "on axis"
    elif abs(az) > 179.5:
        side = "directly behind"
    else:
        side = f"{abs(az):g}° camera-{'right' if az > 0 else 'left'}"
    return f"{side}, {el:g}° {'up' if el >= 0 else 'down'}"
