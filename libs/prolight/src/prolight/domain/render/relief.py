"""The subjects as *reliefs*: two-layer height fields (a front and a back depth per (x, y)).

A relief stores, on a regular grid over x (metres, subject's camera-right) and y (metres, up),
the depth z (metres, towards the camera) of the subject's front surface and of its back surface,
with the outward normal and a material id of each. A point is inside the subject when
`back ≤ z ≤ front`. That is enough to draw a head, neck and shoulders, or a bottle, seen from
the front or turned up to ~40°, and to cast shadows from them (nose on cheek, brow into the eye
sockets, chin on neck, head on shoulders) by marching through the grid — all with vectorised
NumPy, no meshes.

Frame: the *subject frame*, origin at the face (between the cheeks, at cheek depth — the point
the face model's probes and the lights' distances refer to), x camera-right, y up, z towards the
camera when the subject faces it. Empty texels have `front = -EMPTY`, `back = +EMPTY`, so no
depth is ever inside them. The grid has one empty texel on the left, right and top edges, so a
clipped lookup outside the grid reads "empty"; a portrait's bottom row is the torso and clipping
repeats it downwards (the body continues to the floor); a product's bottom row is empty.

The geometry never depends on the seed, so a relief is built once per process and cached.

One module over 400 lines on purpose: both reliefs are built on the one grid and ray march
they share; issue #17 replaces the reliefs with a mesh subject.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import cache

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import gaussian_filter

__all__ = [
    "EMPTY",
    "FACE_CENTRE_Y",
    "HEAD_BACK_Z",
    "LABEL_BOTTOM_Y",
    "LABEL_TOP_Y",
    "PORTRAIT_STEP_M",
    "PRODUCT_BASE_Y",
    "PRODUCT_STEP_M",
    "Material",
    "Relief",
    "bottle_radius",
    "portrait_relief",
    "product_relief",
]

F32 = NDArray[np.float32]

EMPTY = 9.0
"""Metres: the front depth of an empty texel is -EMPTY and its back depth +EMPTY."""

PORTRAIT_STEP_M = 0.0012
"""Grid spacing of the portrait relief in metres (1.2 mm: finer than a 1024 px headshot needs)."""

PRODUCT_STEP_M = 0.0006
"""Grid spacing of the product relief in metres."""

FACE_CENTRE_Y = -0.01
"""Height (metres) of the cheek probes' level on the face: between the nose tip and the eyes."""

HEAD_BACK_Z = -0.18
"""Depth (metres) of the back of the skull; a backdrop must stand further back than the body."""

PRODUCT_BASE_Y = -0.12
"""Height (metres) of the bottle's base, where the tabletop is."""

LABEL_BOTTOM_Y = -0.095
LABEL_TOP_Y = 0.012
"""Heights (metres) of the lower and upper edges of the bottle's paper label, which wraps the
straight part of the body (the base's foot and the shoulder stay bare glass)."""


class Material(IntEnum):
    """What a texel is made of; the shader picks albedo, sheen and roughness from it."""

    NONE = 0
    SKIN = 1
    LIPS = 2
    EYE = 3
    HAIR = 4
    CLOTH = 5
    GLASS = 6
    CAP = 7
    LABEL = 8


@dataclass(frozen=True)
class Relief:
    """A two-layer height field (see module doc). Arrays are (ny, nx), row 0 at `y0`."""

    x0: float  # metres, x of column 0
    y0: float  # metres, y of row 0
    step: float  # metres between texels
    front: F32  # depth of the front surface (metres); -EMPTY where there is nothing
    back: F32  # depth of the back surface (metres); +EMPTY where there is nothing
    front_normal: F32  # (3, ny·nx) outward unit normals of the front surface, one plane per axis
    back_normal: F32  # (3, ny·nx) outward unit normals of the back surface
    front_material: NDArray[np.uint8]
    back_material: NDArray[np.uint8]
    z_min: float  # metres: the deepest back surface
    z_max: float  # metres: the nearest front surface
    column_below: bool  # True: rows below the grid repeat row 0 (a body down to the floor)
    layers: NDArray[np.complex64]  # front + 1j·back per texel (ny·nx): one gather reads both
    both_normals: F32  # (3, 2·ny·nx): front_normal then back_normal, one table for both layers

    @property
    def shape(self) -> tuple[int, int]:
        ny, nx = self.front.shape
        return ny, nx

    @property
    def x1(self) -> float:
        return self.x0 + (self.shape[1] - 1) * self.step

    @property
    def y1(self) -> float:
        return self.y0 + (self.shape[0] - 1) * self.step


def _grid(x_lo: float, x_hi: float, y_lo: float, y_hi: float, step: float) -> tuple[F32, F32]:
    xs = np.arange(round((x_hi - x_lo) / step) + 1, dtype=np.float64) * step + x_lo
    ys = np.arange(round((y_hi - y_lo) / step) + 1, dtype=np.float64) * step + y_lo
    gx, gy = np.meshgrid(xs, ys)
    return gx.astype(np.float32), gy.astype(np.float32)


def _gauss(x: F32, y: F32, cx: float, cy: float, sx: float, sy: float) -> F32:
    return np.exp(-0.5 * (((x - cx) / sx) ** 2 + ((y - cy) / sy) ** 2)).astype(np.float32)


def _smoothstep(e0: float, e1: float, v: F32) -> F32:
    t = np.clip((v - e0) / (e1 - e0), 0.0, 1.0)
    out: F32 = (t * t * (3 - 2 * t)).astype(np.float32)
    return out


def _normals(depth: F32, step: float, sign: float) -> F32:
    """Unit normals of a depth map by central differences; sign +1 front (faces +z), -1 back."""
    pad = np.pad(depth, 1, mode="edge")
    dzdx = (pad[1:-1, 2:] - pad[1:-1, :-2]) / (2 * step)
    dzdy = (pad[2:, 1:-1] - pad[:-2, 1:-1]) / (2 * step)
    # Near an empty neighbour the difference is meaningless: use the one-sided one towards the
    # surface instead, clamped so a silhouette reads as a wall (normal nearly perpendicular to z).
    limit = 60.0
    dzdx = np.clip(dzdx, -limit, limit)
    dzdy = np.clip(dzdy, -limit, limit)
    n = np.stack([-sign * dzdx, -sign * dzdy, np.full_like(depth, sign)], axis=-1)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    return n.astype(np.float32)


def _ellipsoid_layers(
    x: F32,
    y: F32,
    centre: tuple[float, float, float],
    axes: tuple[F32 | float, float, float],
    x_power: float = 2.0,
) -> tuple[F32, F32]:
    """Front and back depth of an ellipsoid (metres); -EMPTY/+EMPTY outside its outline.

    `x_power` > 2 makes the cross-section a superellipse: flatter in front, turning faster at
    the sides, as a face is.
    """
    cx, cy, cz = centre
    a, b, c = axes
    q = 1.0 - np.abs((x - cx) / a) ** x_power - ((y - cy) / b) ** 2
    inside = q > 0
    h = c * np.sqrt(np.clip(q, 0.0, None))
    front = np.where(inside, cz + h, -EMPTY).astype(np.float32)
    back = np.where(inside, cz - h, EMPTY).astype(np.float32)
    return front, back


def _union(
    layers: list[tuple[F32, F32, NDArray[np.uint8], NDArray[np.uint8]]],
) -> tuple[F32, F32, NDArray[np.uint8], NDArray[np.uint8]]:
    """Union of overlapping slabs: nearest front, deepest back, and the material of each."""
    front, back, mf, mb = layers[0]
    front, back, mf, mb = front.copy(), back.copy(), mf.copy(), mb.copy()
    for f, b, m_f, m_b in layers[1:]:
        take_f = f > front
        front = np.where(take_f, f, front)
        mf = np.where(take_f, m_f, mf)
        take_b = b < back
        back = np.where(take_b, b, back)
        mb = np.where(take_b, m_b, mb)
    return front, back, mf, mb


def _face_relief(x: F32, y: F32) -> F32:
    """Depth added to the head's front by the features of a face, in metres (+ = towards camera).

    Amplitudes and widths are those of an average adult face: a nose ~25 mm proud at the tip,
    eye sockets ~12 mm deep under a brow ridge, cheekbones, lips, chin.
    """
    ax = np.abs(x)
    # Nose: a ridge from the nasion (y = 32 mm) to the tip (y = -24 mm), proud 5 → 25 mm, its
    # cross-section narrow at the bridge and round at the tip; it ends in a steep underside so a
    # light from above casts the butterfly shadow below it.
    t = np.clip((0.032 - y) / 0.056, 0.0, 1.0)
    height = 0.005 + 0.019 * t**1.4
    width = 0.0052 + 0.0036 * t**2
    below_tip = np.clip((-0.024 - y) / 0.010, 0.0, 1.0)
    height = height * (1.0 - below_tip * below_tip * (3 - 2 * below_tip))
    above = np.clip((y - 0.032) / 0.012, 0.0, 1.0)
    height = height * (1.0 - above)
    nose = height * np.exp(-0.5 * (x / width) ** 2)
    alae = 0.006 * _gauss(ax, y, 0.013, -0.025, 0.005, 0.005)
    d = nose + alae
    # Eye sockets under a brow ridge, with the eyeballs inside them.
    d -= 0.013 * _gauss(ax, y, 0.032, 0.019, 0.015, 0.011)
    d += 0.007 * _gauss(ax, y, 0.032, 0.017, 0.0085, 0.0065)
    d += 0.006 * _gauss(ax, y, 0.030, 0.040, 0.020, 0.0065)
    # Cheekbones and the hollow below them; temples.
    d += 0.0055 * _gauss(ax, y, 0.046, -0.003, 0.014, 0.012)
    d -= 0.003 * _gauss(ax, y, 0.048, -0.045, 0.012, 0.012)
    d -= 0.004 * _gauss(ax, y, 0.062, 0.035, 0.010, 0.014)
    # Mouth: upper lip, lower lip, the line between them, the groove below; then the chin.
    d += 0.008 * _gauss(x, y, 0.0, -0.049, 0.017, 0.006)
    d += 0.0065 * _gauss(x, y, 0.0, -0.063, 0.015, 0.005)
    d -= 0.003 * _gauss(x, y, 0.0, -0.0565, 0.019, 0.0015)
    d -= 0.003 * _gauss(x, y, 0.0, -0.074, 0.014, 0.004)
    d += 0.009 * _gauss(x, y, 0.0, -0.091, 0.016, 0.010)
    out: F32 = d.astype(np.float32)
    return out


@cache
def portrait_relief() -> Relief:
    """Head (face, hair), neck and shoulders facing +z, origin at the face (see module doc)."""
    step = PORTRAIT_STEP_M
    x, y = _grid(-0.27, 0.27, -0.56, 0.16, step)
    skin = np.full(x.shape, Material.SKIN, np.uint8)

    # Head: an ellipsoid whose half-width narrows from the cheekbones to the jaw.
    jaw = _smoothstep(0.0, -0.10, y)
    half_width = (0.074 - 0.020 * jaw).astype(np.float32)
    head_f, head_b = _ellipsoid_layers(
        x, y, (0.0, 0.006, -0.079), (half_width, 0.113, 0.098), x_power=2.7
    )
    head_inside = head_f > -EMPTY
    # Face features sit on the front and fade out towards the sides of the head.
    frontal = _smoothstep(0.045, 0.075, head_f + 0.079)
    head_f = np.where(head_inside, head_f + _face_relief(x, y) * frontal, head_f).astype(np.float32)

    face_mat = skin.copy()
    for ex in (-0.032, 0.032):
        eye = ((x - ex) / 0.0125) ** 2 + ((y - 0.0175) / 0.0052) ** 2 < 1.0
        face_mat[eye] = Material.EYE
    lips = (x / 0.021) ** 2 + ((y + 0.0565) / 0.0105) ** 2 < 1.0
    face_mat[lips] = Material.LIPS

    # Hair: a cap over the top and back of the skull, pulled back from the face.
    hair_f, hair_b = _ellipsoid_layers(x, y, (0.0, 0.022, -0.090), (0.080, 0.120, 0.106))
    hairline = 0.066 - 8.0 * x * x
    hair_f = np.where(y > hairline, hair_f, -EMPTY).astype(np.float32)
    hair_b = np.where(y > -0.02, hair_b, EMPTY).astype(np.float32)
    hair = np.full(x.shape, Material.HAIR, np.uint8)

    # Neck: an elliptic cylinder from under the jaw into the chest.
    neck_x = 0.046
    q = 1.0 - (x / neck_x) ** 2
    neck_in = (q > 0) & (y < -0.03) & (y > -0.26)
    h = 0.046 * np.sqrt(np.clip(q, 0.0, None))
    neck_f = np.where(neck_in, -0.088 + h, -EMPTY).astype(np.float32)
    neck_b = np.where(neck_in, -0.088 - h, EMPTY).astype(np.float32)

    # Shoulders and chest: a superellipsoid with square-ish shoulders; below its middle row the
    # cross-section stays the same (a torso column down to the floor).
    # The chest rises towards the collarbones, so the neck meets it high, as it does.
    yy = np.maximum(y, -0.36)
    q = 1.0 - (np.abs(x) / 0.21) ** 3.2 - (np.abs(yy + 0.36) / 0.215) ** 2.2
    torso_in = q > 0
    h = 0.11 * np.clip(q, 0.0, None) ** 0.35
    torso_f = np.where(torso_in, -0.105 + h, -EMPTY).astype(np.float32)
    torso_b = np.where(torso_in, -0.105 - h, EMPTY).astype(np.float32)
    cloth = np.full(x.shape, Material.CLOTH, np.uint8)

    front, back, mf, mb = _union(
        [
            (torso_f, torso_b, cloth, cloth),
            (neck_f, neck_b, skin, skin),
            (head_f, head_b, face_mat, np.where(y > -0.02, hair, skin).astype(np.uint8)),
            (hair_f, hair_b, hair, hair),
        ]
    )
    return _finish(x, y, step, front, back, mf, mb, column_below=True)


def bottle_radius(y: F32) -> F32:
    """Radius (metres) of the bottle at height y: body, rounded shoulder, neck, lip, cap."""
    body = 0.044
    r = np.full(y.shape, body, np.float32)
    base = np.clip((y - PRODUCT_BASE_Y) / 0.006, 0.0, 1.0)
    r = r * (0.93 + 0.07 * np.sqrt(base))  # a slightly rounded foot
    shoulder = np.clip((y - 0.035) / 0.045, 0.0, 1.0)
    neck = 0.014
    r = np.where(
        y > 0.035, neck + (body - neck) * np.clip(np.cos(shoulder * np.pi / 2), 0.0, 1.0) ** 1.5, r
    )
    r = np.where(y > 0.080, neck, r)
    r = np.where((y > 0.118) & (y <= 0.150), 0.0165, r)  # the cap
    r = np.where((y < PRODUCT_BASE_Y) | (y > 0.150), 0.0, r)
    return r.astype(np.float32)


@cache
def product_relief() -> Relief:
    """A glossy glass bottle with a metal cap and a matte paper label round its body (from
    `LABEL_BOTTOM_Y` to `LABEL_TOP_Y`), standing on the tabletop at `PRODUCT_BASE_Y`."""
    step = PRODUCT_STEP_M
    x, y = _grid(-0.06, 0.06, PRODUCT_BASE_Y, 0.152, step)
    r = bottle_radius(y)
    q = r * r - x * x
    inside = q > 0
    h = np.sqrt(np.clip(q, 0.0, None))
    front = np.where(inside, h, -EMPTY).astype(np.float32)
    back = np.where(inside, -h, EMPTY).astype(np.float32)
    mat = np.where(y > 0.118, Material.CAP, Material.GLASS).astype(np.uint8)
    mat = np.where((y >= LABEL_BOTTOM_Y) & (y <= LABEL_TOP_Y), Material.LABEL, mat).astype(np.uint8)
    mat = np.where(inside, mat, Material.NONE).astype(np.uint8)
    # A surface of revolution has exact normals: use them rather than finite differences, which
    # are poor where the profile turns (the shoulder, the cap's top). Implicit surface
    # x² + z² − r(y)² = 0 has the gradient (x, −r·r'(y), z).
    drdy = np.gradient(r, step, axis=0)
    normals = []
    for z in (np.where(inside, h, 0.0), np.where(inside, -h, 0.0)):
        n = np.stack([x, -r * drdy, z], axis=-1)
        n /= np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-9)
        normals.append(n.astype(np.float32))
    relief = _finish(
        x, y, step, front, back, mat, mat, column_below=False, normals=(normals[0], normals[1])
    )
    return relief


def _finish(
    x: F32,
    y: F32,
    step: float,
    front: F32,
    back: F32,
    mf: NDArray[np.uint8],
    mb: NDArray[np.uint8],
    *,
    column_below: bool,
    normals: tuple[F32, F32] | None = None,
) -> Relief:
    """Pad with empty texels (left, right, top; bottom too unless a column), add normals."""
    bottom = 0 if column_below else 1
    pads = ((bottom, 1), (1, 1))
    front = np.pad(front, pads, constant_values=-EMPTY)
    back = np.pad(back, pads, constant_values=EMPTY)
    mf = np.pad(mf, pads, constant_values=Material.NONE)
    mb = np.pad(mb, pads, constant_values=Material.NONE)
    filled = front > -EMPTY
    # Normals from finite differences need a continuous field: fill empty texels with the
    # back depth's mirror so the silhouette reads as a vertical wall, not a cliff to -EMPTY.
    cont_f = np.where(filled, front, np.float32(0.0))
    cont_b = np.where(filled, back, np.float32(0.0))
    nf = _normals(_extend(cont_f, filled, -0.02), step, 1.0)
    nb = _normals(_extend(cont_b, filled, 0.02), step, -1.0)
    outward = _rim_directions(np.where(filled, front - back, 0.0).astype(np.float32))
    nf = _steer_rim(nf, outward)
    nb = _steer_rim(nb, outward)
    if normals is not None:
        given_f = np.pad(normals[0], (*pads, (0, 0)), mode="edge")
        given_b = np.pad(normals[1], (*pads, (0, 0)), mode="edge")
        nf = np.where(filled[..., None], given_f, nf).astype(np.float32)
        nb = np.where(filled[..., None], given_b, nb).astype(np.float32)
    lo = float(back[filled].min())
    hi = float(front[filled].max())
    return Relief(
        x0=float(x[0, 0]) - step,
        y0=float(y[0, 0]) - step * bottom,
        step=step,
        front=front.astype(np.float32),
        back=back.astype(np.float32),
        front_normal=np.ascontiguousarray(nf.reshape(-1, 3).T),
        back_normal=np.ascontiguousarray(nb.reshape(-1, 3).T),
        front_material=mf,
        back_material=mb,
        z_min=lo,
        z_max=hi,
        column_below=column_below,
        layers=(front.ravel() + 1j * back.ravel()).astype(np.complex64),
        both_normals=np.ascontiguousarray(
            np.concatenate([nf.reshape(-1, 3).T, nb.reshape(-1, 3).T], axis=1)
        ),
    )


RIM_BLUR_TEXELS = 2.5
"""Gaussian radius (texels) of the thickness map whose gradient gives the rim's direction."""


def _rim_directions(thickness: F32) -> F32:
    """Unit (x, y) directions (ny, nx, 2) in which the slab thins, from a smoothed thickness.

    Where a slab's surface turns steeply away from z (its outline), the finite-difference
    normal's x/y direction comes from one step of the grid between a filled texel and an empty
    one and jumps from row to row; a turned head shows that wall to the camera as streaks. The
    outline's outward direction is better read off the thickness map smoothed over a few
    texels (the direction in which the slab gets thinner).
    """
    blurred = gaussian_filter(thickness, RIM_BLUR_TEXELS, mode="nearest")
    gy, gx = np.gradient(blurred)
    norm = np.maximum(np.hypot(gx, gy), 1e-12)
    out: F32 = np.stack([-gx / norm, -gy / norm], axis=-1).astype(np.float32)
    return out


def _steer_rim(normals: F32, outward: F32) -> F32:
    """Normals (ny, nx, 3) whose x/y direction is turned to `outward` where they are steep
    (|n_z| under 0.5, fully under 0.25), keeping their tilt from z."""
    nz = normals[..., 2]
    w = np.clip((0.5 - np.abs(nz)) / 0.25, 0.0, 1.0)[..., None]
    lateral = np.sqrt(np.maximum(1.0 - nz * nz, 0.0))[..., None]
    steered = np.concatenate([outward * lateral, nz[..., None]], axis=-1)
    out = normals * (1 - w) + steered * w
    out /= np.maximum(np.linalg.norm(out, axis=-1, keepdims=True), 1e-9)
    return out.astype(np.float32)


def _extend(depth: F32, filled: NDArray[np.bool_], offset: float) -> F32:
    """Depth with each empty texel next to the subject given the mid-depth of its neighbours.

    At a silhouette the front and back layers meet; giving the empty neighbour that meeting
    depth makes the finite-difference normal there point sideways (a wall), which is what a
    rim light must catch.
    """
    out = depth.copy()
    acc = np.zeros_like(depth)
    cnt = np.zeros_like(depth)
    for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        shifted = np.roll(np.roll(depth, dy, axis=0), dx, axis=1)
        ok = np.roll(np.roll(filled, dy, axis=0), dx, axis=1)
        acc += np.where(ok, shifted, 0.0)
        cnt += ok
    edge = ~filled & (cnt > 0)
    # The neighbours' depth moved towards the middle of the slab: a steep but finite wall.
    out[edge] = acc[edge] / cnt[edge] + offset
    return out
