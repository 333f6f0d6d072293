"""How soft a light is: apparent source size → shadow-edge (penumbra) width → a 0–1 softness.

Softness is a property of the source *as the subject sees it*: a 90 cm softbox at 1.5 m is soft,
the same box at 6 m is nearly a point. What a viewer reads as "soft" is the width of the
transition at a shadow's edge. Its geometry (similar triangles): a source of size `s` metres at
`D` metres from an occluder casts, on a surface `g` mm behind that occluder, a penumbra

    w (mm) = g × s / D

The reference occluder is the nose: its shadow falls on the cheek about `NOSE_GAP_MM` (30 mm)
behind its ridge, so `w` is the width of the nose shadow's soft edge — the thing a portrait
photographer looks at. Units: metres for size and distance, millimetres for the gap and `w`,
degrees for the angle the source subtends.

`physical_softness` maps `w` to 0–1 as `1 − exp(−w / SOFTNESS_SCALE_MM)`: a bare 18 cm
reflector at 1.5 m (w ≈ 3.6 mm) ≈ 0.2, a 90 cm softbox at 1.5 m (≈ 18 mm) ≈ 0.7, a 120 cm
octabox at 1 m (36 mm) ≈ 0.9.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from prolight.domain.schema import Light, Role

__all__ = [
    "AMBIENT_APPARENT_RATIO",
    "NOSE_GAP_MM",
    "SOFTNESS_SCALE_MM",
    "ShadowEdge",
    "apparent_angle_deg",
    "penumbra_mm",
    "physical_softness",
    "shadow_edge",
    "shadow_quality",
]

NOSE_GAP_MM = 30.0
"""Millimetres from the nose ridge to the cheek where its shadow falls (the reference occluder)."""

SOFTNESS_SCALE_MM = 15.0
"""Penumbra width in mm at which softness reaches 1 − 1/e ≈ 0.63 (a medium-large softbox)."""

AMBIENT_APPARENT_RATIO = 2.0
"""Ambient light comes from the whole room: treated as a source twice as wide as it is far."""


def apparent_angle_deg(size_m: float, distance_m: float) -> float:
    """Full angle in degrees that a source `size_m` wide subtends at `distance_m` (both metres)."""
    if size_m <= 0 or distance_m <= 0:
        raise ValueError(f"size and distance are positive metres; got {size_m!r}, {distance_m!r}")
    return math.degrees(2 * math.atan(size_m / (2 * distance_m)))


def penumbra_mm(size_m: float, distance_m: float, occluder_gap_mm: float = NOSE_GAP_MM) -> float:
    """Shadow-edge width in mm: `occluder_gap_mm × size_m / distance_m` (see module doc)."""
    if size_m <= 0 or distance_m <= 0 or occluder_gap_mm < 0:
        raise ValueError(
            f"size and distance are positive metres and the gap non-negative mm; "
            f"got {size_m!r}, {distance_m!r}, {occluder_gap_mm!r}"
        )
    return occluder_gap_mm * size_m / distance_m


def physical_softness(penumbra_width_mm: float) -> float:
    """0 (a point source: a razor-edged shadow) to 1 (wrap-around light) from a penumbra in mm."""
    return 1.0 - math.exp(-max(penumbra_width_mm, 0.0) / SOFTNESS_SCALE_MM)


def shadow_quality(softness: float) -> str:
    """A photographer's word for a 0–1 physical softness."""
    if softness < 0.3:
        return "hard"
    if softness < 0.55:
        return "medium"
    if softness < 0.8:
        return "soft"
    return "very soft"


@dataclass(frozen=True)
class ShadowEdge:
    """What one light's size and distance do to a shadow edge (units in the field names)."""

    apparent_ratio: float  # source size ÷ distance (dimensionless)
    apparent_angle_deg: float
    penumbra_mm: float
    softness: float  # 0–1, see physical_softness
    quality: str  # hard / medium / soft / very soft


def shadow_edge(light: Light, occluder_gap_mm: float = NOSE_GAP_MM) -> ShadowEdge:
    """The shadow edge `light` casts from an occluder `occluder_gap_mm` in front of the surface.

    Uses the light's apparent size (`Light.size_m`, the modifier's or its override) and its
    distance to the subject. Ambient light is treated as a room-sized source
    (`AMBIENT_APPARENT_RATIO`).
    """
    if light.role == Role.AMBIENT:
        ratio = AMBIENT_APPARENT_RATIO
        angle = math.degrees(2 * math.atan(ratio / 2))
    else:
        ratio = light.size_m / light.distance
        angle = apparent_angle_deg(light.size_m, light.distance)
    width = occluder_gap_mm * ratio
    soft = physical_softness(width)
    return ShadowEdge(
        apparent_ratio=ratio,
        apparent_angle_deg=angle,
        penumbra_mm=width,
        softness=soft,
        quality=shadow_quality(soft),
    )
