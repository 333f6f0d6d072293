"""The face as a light meter sees it: two cheek probes, and the ratios measured between them.

Both the analysis (prediction) and the renderer (measurement) use this model, so a ratio the
analysis promises is the ratio the preview shows.

Model
- Each cheek is a small patch whose outward normal points `CHEEK_AZIMUTH_DEG` to its side of
  the face's axis (the camera axis turned by `Subject.head_turn_deg`) and
  `CHEEK_ELEVATION_DEG` up. The *lit* cheek is on the key's side of the face's axis (camera-
  right when the key is on it); the other is the *shadow* cheek.
- A light is a disc of the modifier's size, facing the subject, centred on its direction at its
  distance. Its irradiance on a probe is `on_axis_lux × mean over the disc of max(0, n·l)`,
  sampled at `DISC_SAMPLES` fixed points (a large close source still reaches a cheek turned
  slightly away from it; a point source would not).
- Ambient lights every probe with its `on_axis_lux`; background lights face the backdrop and
  add nothing to the face.

Ratios
- key:fill — the key's irradiance on the lit cheek against the fill side's (every other light:
  fill, ambient, reflectors) on the shadow cheek. Key 0.8 and fill 0.4 at equal distances and
  mirrored angles ⇒ 1 stop ⇒ 2:1 ⇒ (key+fill):fill 3:1.
- face contrast — everything on the lit cheek against everything on the shadow cheek: what the
  camera sees, and what the renderer measures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from prolight.domain.physics.photometry import on_axis_lux
from prolight.domain.schema import Light, LightingSetup, Role

__all__ = [
    "CHEEK_AZIMUTH_DEG",
    "CHEEK_ELEVATION_DEG",
    "DISC_SAMPLES",
    "FaceLight",
    "Ratio",
    "cheek_normals",
    "face_light",
    "key_light",
    "probe_lux",
]

CHEEK_AZIMUTH_DEG = 45.0
CHEEK_ELEVATION_DEG = 0.0
DISC_SAMPLES = 37  # centre + rings of 6, 12, 18


@dataclass(frozen=True)
class Ratio:
    """A lighting ratio in the three conventions photographers use. `stops` = log2(bright/dim)."""

    stops: float
    ratio: float  # 2 ** stops, read as "ratio:1"
    key_plus_fill_to_fill: float  # (key + fill) : fill, read as "value:1"

    @classmethod
    def from_lux(cls, bright: float, dim: float) -> Ratio | None:
        """None when the dim side gets no light at all (the ratio is unbounded)."""
        if dim <= 0 or bright <= 0:
            return None
        r = bright / dim
        return cls(stops=math.log2(r), ratio=r, key_plus_fill_to_fill=r + 1)

    def label(self) -> str:
        kff = self.key_plus_fill_to_fill
        return f"{self.stops:.1f} stops ({self.ratio:.1f}:1; (key+fill):fill {kff:.1f}:1)"


@dataclass(frozen=True)
class FaceLight:
    """Lux on each cheek from each enabled light, and the ratios they make."""

    key_role: Role
    lit_side: int  # +1 camera-right, -1 camera-left
    lit_cheek: dict[Role, float]
    shadow_cheek: dict[Role, float]
    key_fill: Ratio | None  # None: nothing lights the shadow side
    face_contrast: Ratio | None


@cache
def _disc_offsets() -> np.ndarray:
    """Unit-disc sample points (radius ≤ 1): centre and three rings, fixed for determinism."""
    pts = [(0.0, 0.0)]
    for ring, count in ((1, 6), (2, 12), (3, 18)):
        r = ring / 3 * math.sqrt(0.9)  # rings at equal-area-ish radii inside the rim
        pts += [
            (r * math.cos(2 * math.pi * k / count), r * math.sin(2 * math.pi * k / count))
            for k in range(count)
        ]
    return np.array(pts)


def cheek_normals(lit_side: int, head_turn_deg: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Outward unit normals (x camera-right, y up, z to camera) of the lit and shadow cheeks.

    `lit_side` is +1 when the lit cheek is the face's camera-right one; `head_turn_deg` turns
    both with the face (negative towards camera-left).
    """
    el = math.radians(CHEEK_ELEVATION_DEG)

    def normal(side: int) -> np.ndarray:
        az = math.radians(CHEEK_AZIMUTH_DEG * side + head_turn_deg)
        return np.array([math.cos(el) * math.sin(az), math.sin(el), math.cos(el) * math.cos(az)])

    return normal(lit_side), normal(-lit_side)


def _disc_axes(ax: float, ay: float, az: float) -> tuple[np.ndarray, np.ndarray]:
    """Two unit axes spanning the disc, perpendicular to the unit vector a to the light.

    u = a × h / |a × h| with h = +y (or +x when a is nearly vertical), v = a × u. Written out
    by hand: np.cross on 3-vectors cost more than half of `analyze`.
    """
    if abs(ay) < 0.9:  # h = (0, 1, 0)
        ux, uy, uz = -az, 0.0, ax
    else:  # h = (1, 0, 0)
        ux, uy, uz = 0.0, az, -ay
    norm = math.sqrt(ux * ux + uy * uy + uz * uz)
    ux, uy, uz = ux / norm, uy / norm, uz / norm
    v = (ay * uz - az * uy, az * ux - ax * uz, ax * uy - ay * ux)
    return np.array((ux, uy, uz)), np.array(v)


def probe_lux(light: Light, normal: np.ndarray) -> float:
    """Irradiance in lux that `light` puts on a face patch with outward `normal` (module doc)."""
    lux = on_axis_lux(light)
    if lux == 0.0 or light.role == Role.BACKGROUND:
        return 0.0
    if light.role == Role.AMBIENT:
        return lux
    ax, ay, az = light.direction.vector()
    centre = np.array((ax, ay, az)) * light.distance
    u, v = _disc_axes(ax, ay, az)
    offsets = _disc_offsets() * (light.size_m / 2)
    points = centre + offsets[:, :1] * u + offsets[:, 1:] * v
    dirs = points / np.linalg.norm(points, axis=1, keepdims=True)
    return lux * float(np.clip(dirs @ normal, 0.0, None).mean())


def key_light(setup: LightingSetup) -> tuple[Role, Light] | None:
    """The key: the enabled `key` light, else the brightest enabled light that faces the subject."""
    lights = setup.enabled_lights()
    if Role.KEY in lights:
        return Role.KEY, lights[Role.KEY]
    candidates = [
        (on_axis_lux(lt), role, lt)
        for role, lt in lights.items()
        if role not in (Role.BACKGROUND, Role.AMBIENT)
    ]
    if not candidates:
        return None
    _, role, light = max(candidates, key=lambda c: (c[0], c[1].value))
    return role, light


def face_light(setup: LightingSetup) -> FaceLight:
    """Per-light lux on both cheeks and the key:fill and face-contrast ratios (see module doc)."""
    key = key_light(setup)
    key_role = key[0] if key else Role.AMBIENT
    turn = setup.subject.head_turn_deg
    lit_side = 1 if key is None or key[1].direction.azimuth - turn >= 0 else -1
    lit_n, shadow_n = cheek_normals(lit_side, turn)
    lit = {role: probe_lux(lt, lit_n) for role, lt in setup.enabled_lights().items()}
    shadow = {role: probe_lux(lt, shadow_n) for role, lt in setup.enabled_lights().items()}
    key_lux = lit.get(key_role, 0.0)
    fill_lux = sum(v for role, v in shadow.items() if role != key_role)
    return FaceLight(
        key_role=key_role,
        lit_side=lit_side,
        lit_cheek=lit,
        shadow_cheek=shadow,
        key_fill=Ratio.from_lux(key_lux, fill_lux),
        face_contrast=Ratio.from_lux(sum(lit.values()), sum(shadow.values())),
    )
