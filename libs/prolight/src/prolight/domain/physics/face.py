"""The face as a light meter sees it: two cheek probes, and the ratios measured between them.

Both the analysis (prediction) and the renderer (measurement) use this model, so a ratio the
analysis promises is the ratio the preview shows.

Model
- Each cheek is a small patch whose outward normal points `CHEEK_AZIMUTH_DEG` to its side of
  the face's axis (the camera axis turned by `Subject.head_turn_deg`) and
  `CHEEK_ELEVATION_DEG` up. The *lit* cheek is on the key's side of the face's axis (camera-
  right when the key is on it); the other is the *shadow* cheek.
- A light is its modifier's emitting face (`physics.emitter`, which the renderer builds too):
  a softbox a square, a stripbox an upright 1:4 rectangle, an octabox or umbrella a disc, a
  beauty dish the ring round its deflector, a grid, snoot or fresnel a point with its beam's
  cone; facing the subject from its direction at its distance, Lambertian, and bright enough
  to put its `on_axis_lux` on a surface facing it at the subject. Its irradiance on a probe is
  the sum over fixed sample points of the face (`DISC_SAMPLES`, `RECT_SAMPLES` along a
  rectangle's long side) of cos(emitting) × max(0, n·l) / r²: a large close source still
  reaches a cheek turned slightly away from it, and a strip stood on end reaches round a
  cylinder far less than a disc as wide as it is tall would.
- A product stands on the sweep: its floor is the tabletop just under the bottle, its wall the
  backdrop. Each light also reaches the label by way of it (`bounce_lux`): the sweep is a
  diffuse plane of the backdrop colour's albedo, lit by the light, seen by the probe over its
  hemisphere (`BOUNCE_RINGS` × `BOUNCE_SECTORS` directions): one bounce, no shadows. On white
  paper a hand's width below, that is most of the light on the label's shadow side. A
  portrait's cheeks are a body's height above the floor with the body in between: the same
  term moves no portrait preset's ratio by more than 0.05 stop, and is left out
  (docs/decisions/analysis-light-model.md).
- The probes sit at the face's centre; on a product, on the label half-way up its metered band.
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
from functools import cache, lru_cache

import numpy as np

from prolight.domain.physics.emitter import (
    SPOT_CUTOFF_SHARE,
    SPOT_FULL_SHARE,
    is_spot,
    outline,
)
from prolight.domain.physics.photometry import on_axis_lux
from prolight.domain.schema import Light, LightingSetup, Role, SubjectKind

__all__ = [
    "BOUNCE_RINGS",
    "BOUNCE_SECTORS",
    "CHEEK_AZIMUTH_DEG",
    "CHEEK_ELEVATION_DEG",
    "DISC_SAMPLES",
    "LABEL_PROBE_Y",
    "LABEL_RADIUS_M",
    "PRODUCT_FLOOR_Y",
    "RECT_SAMPLES",
    "FaceLight",
    "Ratio",
    "Sweep",
    "bounce_lux",
    "cheek_normals",
    "face_light",
    "key_light",
    "probe_lux",
    "probe_point",
    "sweep_of",
]

CHEEK_AZIMUTH_DEG = 45.0
CHEEK_ELEVATION_DEG = 0.0
DISC_SAMPLES = 37  # centre + rings of 6, 12, 18
RECT_SAMPLES = 9  # along a rectangle's long side
BOUNCE_RINGS = 8  # the sweep seen from a probe: 8 rings × 24 sectors of directions
BOUNCE_SECTORS = 24

# The product's geometry, as the renderer builds it (render/relief.py, render/measure.py; a
# test holds them equal): the tabletop under the bottle, and the label's metered band.
PRODUCT_FLOOR_Y = -0.12
LABEL_PROBE_Y = (-0.095 + 0.012) / 2
LABEL_RADIUS_M = 0.044


@dataclass(frozen=True)
class Sweep:
    """The paper sweep round the subject, world frame: a floor at height `floor_y` and a wall
    at `wall_z` (metres; the subject at the origin), diffuse, of luminance albedo `albedo`."""

    floor_y: float
    wall_z: float
    albedo: float


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


@dataclass(frozen=True)
class _Emitter:
    """A light's emitting face as samples: points (k, 3), world frame, metres; the unit axis
    it shines along; per-sample weights that make `_irradiance` at the subject, facing the
    light, its `on_axis_lux`; for a spot, the cosines of its full-strength and cut-off angles."""

    points: np.ndarray
    aim: np.ndarray
    weights: np.ndarray
    cone: tuple[float, float] | None


def _plane_axes(aim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The emitting face's horizontal and vertical axes, as the renderer lays them out
    (`photoreal.studio`): right = helper × aim, up = aim × right."""
    helper = np.array([0.0, 1.0, 0.0]) if abs(aim[1]) < 0.99 else np.array([0.0, 0.0, 1.0])
    right = np.cross(helper, aim)
    right /= np.linalg.norm(right)
    return right, np.cross(aim, right)


@cache
def _rect_offsets(half_w: float, half_h: float) -> np.ndarray:
    """Cell centres of a grid over a rectangle, `RECT_SAMPLES` along its long side."""
    long = max(half_w, half_h)
    if long <= 0.0:  # a size so small its half is no float: a point
        return np.zeros((1, 2))
    nw = max(3, round(RECT_SAMPLES * half_w / long))
    nh = max(3, round(RECT_SAMPLES * half_h / long))
    xs = ((np.arange(nw) + 0.5) / nw * 2 - 1) * half_w
    ys = ((np.arange(nh) + 0.5) / nh * 2 - 1) * half_h
    return np.array([(x, y) for x in xs for y in ys])


def _emitter(light: Light) -> _Emitter:
    """`light`'s emitting face (`physics.emitter`), facing the subject from its direction and
    distance."""
    spec = light.spec
    return _emitter_of(
        spec.shape,
        spec.beam_deg,
        light.size_m,
        light.direction.vector(),
        light.distance,
        on_axis_lux(light),
    )


@lru_cache(maxsize=1024)
def _emitter_of(
    shape: str,
    beam_deg: float,
    size_m: float,
    towards: tuple[float, float, float],
    distance: float,
    lux: float,
) -> _Emitter:
    """`_emitter`, cached by the light's geometry: `analyze` and Inspire's and the
    recommendations' searches ask for the same lights many times."""
    a = np.array(towards)
    centre = a * distance
    aim = -a
    if is_spot(beam_deg):
        half = math.radians(min(89.0, beam_deg * SPOT_CUTOFF_SHARE))
        full = math.radians(beam_deg * SPOT_FULL_SHARE)
        cone = (math.cos(full), math.cos(half))
        points, raw = centre[None, :], np.ones(1)
    else:
        face = outline(shape, size_m)
        if face.kind == "rect":
            flat = _rect_offsets(face.half_w, face.half_h)
        else:
            flat = _disc_offsets() * face.half_w
            if face.kind == "ring":  # the deflector's share of the dish gives no light
                flat = flat[np.hypot(flat[:, 0], flat[:, 1]) >= face.half_h]
        right, up = _plane_axes(aim)
        points = centre + flat[:, :1] * right + flat[:, 1:] * up
        cone, raw = None, np.ones(len(points))
    unit = _Emitter(points, aim, raw, cone)
    on_axis = float(_irradiance(unit, np.zeros((1, 3)), a)[0])
    return _Emitter(points, aim, raw * lux / on_axis, cone)


def _irradiance(em: _Emitter, at: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """Lux from `em` on surfaces at points `at` (m, 3) with unit normals `normal` ((3,) or
    (m, 3)): the sum over its samples of weight × cos(emitting) × cos(receiving) / r², the
    emitting cosine replaced by the beam's falloff for a spot. Not shadowed."""
    to = em.points[None, :, :] - at[:, None, :]  # (m, k, 3) towards each sample
    r2 = np.einsum("mkc,mkc->mk", to, to)
    r = np.sqrt(r2)
    n = normal[:, None, :] if normal.ndim == 2 else normal[None, None, :]
    cos_in = np.clip(np.einsum("mkc,mkc->mk", to, np.broadcast_to(n, to.shape)) / r, 0.0, None)
    cos_out = -(to @ em.aim) / r  # the emitted ray against the light's axis
    if em.cone is None:
        emitted = np.clip(cos_out, 0.0, None)
    else:
        full, cut = em.cone
        angle = np.arccos(np.clip(cos_out, -1.0, 1.0))
        a_full, a_cut = math.acos(full), math.acos(cut)
        emitted = np.clip((a_cut - angle) / max(a_cut - a_full, 1e-9), 0.0, 1.0)
    out: np.ndarray = (em.weights[None, :] * emitted * cos_in / r2).sum(axis=1)
    return out


def probe_lux(light: Light, normal: np.ndarray, at: np.ndarray | None = None) -> float:
    """Irradiance in lux that `light` puts straight on a patch with outward `normal` at `at`
    (metres, world frame; the subject's origin by default): module doc."""
    lux = on_axis_lux(light)
    if lux == 0.0 or light.role == Role.BACKGROUND:
        return 0.0
    if light.role == Role.AMBIENT:
        return lux
    point = np.zeros((1, 3)) if at is None else np.asarray(at, np.float64).reshape(1, 3)
    return float(_irradiance(_emitter(light), point, np.asarray(normal, np.float64))[0])


@cache
def _projected_disc() -> np.ndarray:
    """Points (n, 2) on the unit disc, one per equal-area cell of `BOUNCE_RINGS` rings ×
    `BOUNCE_SECTORS` sectors: lifted onto the hemisphere, directions a patch sees, each with
    an equal share π/n of its projected solid angle. Sector edges lie on the disc's axes, so
    a horizontal patch's horizon (floor against sky) falls between cells."""
    r = np.sqrt((np.arange(BOUNCE_RINGS) + 0.5) / BOUNCE_RINGS)
    phi = (np.arange(BOUNCE_SECTORS) + 0.5) * 2 * math.pi / BOUNCE_SECTORS
    rr, pp = np.meshgrid(r, phi, indexing="ij")
    return np.stack([rr * np.cos(pp), rr * np.sin(pp)], axis=-1).reshape(-1, 2)


def _sweep_hits(at: np.ndarray, normal: np.ndarray, sweep: Sweep) -> tuple[np.ndarray, np.ndarray]:
    """Where the directions a patch at `at` with unit `normal` sees meet the sweep: the points
    (m, 3) and the sweep's normals there (m, 3), of the `_projected_disc` directions."""
    up = np.array([0.0, 1.0, 0.0]) if abs(normal[1]) < 0.99 else np.array([0.0, 0.0, 1.0])
    v = up - (up @ normal) * normal
    v /= np.linalg.norm(v)
    u = np.cross(v, normal)
    disc = _projected_disc()
    lift = np.sqrt(np.clip(1.0 - (disc**2).sum(axis=1), 0.0, None))
    dirs = disc[:, :1] * u + disc[:, 1:] * v + lift[:, None] * normal
    with np.errstate(divide="ignore", invalid="ignore"):
        t_floor = np.where(dirs[:, 1] < 0, (sweep.floor_y - at[1]) / dirs[:, 1], np.inf)
        t_wall = np.where(dirs[:, 2] < 0, (sweep.wall_z - at[2]) / dirs[:, 2], np.inf)
    floor = t_floor <= t_wall
    t = np.minimum(t_floor, t_wall)
    hit = np.isfinite(t)
    points = at + dirs[hit] * t[hit, None]
    normals = np.where(floor[hit, None], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0])
    return points, normals


def bounce_lux(light: Light, normal: np.ndarray, at: np.ndarray, sweep: Sweep) -> float:
    """Lux that `light` puts on a patch with outward `normal` at `at` (metres, world frame) by
    way of the `sweep`: the floor and wall, diffuse of `sweep.albedo`, lit by the light (not
    shadowed), each seen by the patch over its hemisphere (module doc)."""
    if on_axis_lux(light) == 0.0 or light.role in (Role.BACKGROUND, Role.AMBIENT):
        return 0.0
    points, normals = _sweep_hits(at, np.asarray(normal, np.float64), sweep)
    lit = _irradiance(_emitter(light), points, normals)
    # Radiance ρE/π from each cell, times its projected solid angle π/n.
    return float(sweep.albedo * lit.sum() / len(_projected_disc()))


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


def sweep_of(setup: LightingSetup) -> Sweep | None:
    """The sweep a product stands on (its floor the tabletop, its wall the backdrop), for the
    bounce term; None for a portrait, whose body stands between the cheeks and the floor
    (docs/decisions/analysis-light-model.md)."""
    if setup.subject.kind != SubjectKind.PRODUCT:
        return None
    background = setup.background
    return Sweep(PRODUCT_FLOOR_Y, -background.distance_m, _albedo(background.color))


def _albedo(hex_colour: str) -> float:
    """Linear luminance of an sRGB colour "#rrggbb": the diffuse albedo of paper that colour."""
    srgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ np.array([0.2126, 0.7152, 0.0722]))


def probe_point(kind: SubjectKind, normal: np.ndarray) -> np.ndarray:
    """Where the probe with outward `normal` sits (metres, world frame): the face's centre for
    a portrait; on the bottle's label, half-way up its metered band, for a product."""
    if kind != SubjectKind.PRODUCT:
        return np.zeros(3)
    flat = np.array([normal[0], 0.0, normal[2]])
    across = flat / max(float(np.linalg.norm(flat)), 1e-9)  # the label is upright
    return np.array([0.0, LABEL_PROBE_Y, 0.0]) + LABEL_RADIUS_M * across


def face_light(setup: LightingSetup) -> FaceLight:
    """Per-light lux on both cheeks and the key:fill and face-contrast ratios (see module doc)."""
    key = key_light(setup)
    key_role = key[0] if key else Role.AMBIENT
    turn = setup.subject.head_turn_deg
    lit_side = 1 if key is None or key[1].direction.azimuth - turn >= 0 else -1
    lit_n, shadow_n = cheek_normals(lit_side, turn)
    sweep = sweep_of(setup)
    kind = setup.subject.kind

    def lux(light: Light, normal: np.ndarray) -> float:
        at = probe_point(kind, normal)
        direct = probe_lux(light, normal, at)
        return direct if sweep is None else direct + bounce_lux(light, normal, at, sweep)

    lit = {role: lux(lt, lit_n) for role, lt in setup.enabled_lights().items()}
    shadow = {role: lux(lt, shadow_n) for role, lt in setup.enabled_lights().items()}
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
