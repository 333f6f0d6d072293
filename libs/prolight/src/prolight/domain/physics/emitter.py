"""A light's emitting face: its outline and size, as both the analysis and the renderer build it.

One source of truth for a modifier's shape (`ModifierSpec.shape`) in metres:
- `rect` (softbox): a square of the light's size;
- `strip` (stripbox): a rectangle a quarter of its length wide, standing upright (30×120 cm);
- `octagon` (octabox) and `round` (umbrellas, reflector): a disc of the polygon's area;
- `dish` (beauty dish, bare reflector): the ring round its centre deflector;
- a beam of `SPOT_BEAM_DEG` or narrower (grids, snoots, fresnels): a point with the beam's cone,
  full within `SPOT_FULL_SHARE` of the beam and none beyond `SPOT_CUTOFF_SHARE` of it.

Every emitting face is Lambertian, and its radiance is set so that the light puts its
`on_axis_lux` on a surface facing it at the subject's position.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DISH_DEFLECTOR",
    "SPOT_BEAM_DEG",
    "SPOT_CUTOFF_SHARE",
    "SPOT_FULL_SHARE",
    "STRIP_WIDTH_SHARE",
    "Outline",
    "is_spot",
    "outline",
    "polygon_sides",
]

SPOT_BEAM_DEG = 60.0
"""Modifiers whose beam is this narrow or narrower (grids, snoots, fresnels) are spots."""

SPOT_CUTOFF_SHARE = 0.65
"""A spot's light ends at this share of its full beam angle off its axis (the cone's half-angle
is 0.65 × the full beam)…"""

SPOT_FULL_SHARE = 0.35
"""… and is at full strength within this share of it, falling linearly in angle in between."""

STRIP_WIDTH_SHARE = 0.25
"""A stripbox's width as a share of its length (`ModifierSpec.size_m`, the long side)."""

DISH_DEFLECTOR = 0.3
"""A beauty dish's centre deflector, as a share of its radius: the dish emits from the ring
around it (and its catchlight is a ring)."""


@dataclass(frozen=True)
class Outline:
    """The emitting face in the light's own plane, metres. `rect`: half-width (horizontal) and
    half-height; `disc`: its radius twice; `ring`: outer and inner radius."""

    kind: Literal["rect", "disc", "ring"]
    half_w: float
    half_h: float


def polygon_sides(shape: str) -> int:
    """Sides of the polygon a round modifier is drawn with (an octabox has eight)."""
    return 8 if shape == "octagon" else 48


def outline(shape: str, size_m: float) -> Outline:
    """The `Outline` of a modifier of `shape` (`ModifierSpec.shape`) and size (metres: the
    side, the long side of a strip, or the diameter across a round one)."""
    if shape in ("rect", "strip"):
        width = size_m * STRIP_WIDTH_SHARE if shape == "strip" else size_m
        return Outline("rect", width / 2, size_m / 2)
    sides = polygon_sides(shape)
    # A polygon of the modifier's area (size is its width across): radius of equal area.
    r_equal = size_m / 2 * math.sqrt(sides * math.sin(2 * math.pi / sides) / (2 * math.pi))
    if shape == "dish":
        return Outline("ring", r_equal, DISH_DEFLECTOR * r_equal)
    return Outline("disc", r_equal, r_equal)


def is_spot(beam_deg: float) -> bool:
    """Whether a modifier of this full beam angle (degrees) is drawn as a spot."""
    return beam_deg <= SPOT_BEAM_DEG
