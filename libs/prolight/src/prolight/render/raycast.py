"""Rays against a relief: camera hits, and soft shadow maps for each light.

Both march through the two-layer height field of `relief.py` with a fixed number of steps
(no data-dependent loop counts, so the work and the result are the same in every process) and
refine with bisection. Lookups during the march are nearest-texel; the final normal is
interpolated bilinearly. All lengths in metres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from prolight.render.relief import EMPTY, Relief

__all__ = [
    "CAMERA_STEPS",
    "COARSE",
    "SHADOW_STEPS",
    "Hits",
    "bilinear",
    "cast",
    "needed_texels",
    "shadow_map",
]

F32 = NDArray[np.float32]

CAMERA_STEPS = 32
"""March steps across the relief's bounding box for a camera ray (then 5 bisections)."""

SHADOW_STEPS = 22
"""March steps from a surface point towards a light (geometric spacing, 1 cm to 45 cm)."""


@dataclass(frozen=True)
class Hits:
    """Where camera rays meet the subject: `index` into the rays, and per hit its data."""

    index: NDArray[np.intp]  # which rays hit (flat pixel indices)
    point: F32  # (n, 3) subject frame, metres
    normal: F32  # (n, 3) unit, subject frame
    material: NDArray[np.uint8]
    back: NDArray[np.bool_]  # True where the hit is on the back layer


def _lookup_index(relief: Relief, x: F32, y: F32) -> NDArray[np.int32]:
    ny, nx = relief.shape
    inv = np.float32(1.0 / relief.step)
    fx = np.clip((x - np.float32(relief.x0)) * inv + np.float32(0.5), 0.0, nx - 1)
    fy = np.clip((y - np.float32(relief.y0)) * inv + np.float32(0.5), 0.0, ny - 1)
    idx: NDArray[np.int32] = fy.astype(np.int32) * np.int32(nx) + fx.astype(np.int32)
    return idx


def _inside(layers: NDArray[np.complex64], idx: NDArray[np.int32], z: F32) -> NDArray[np.bool_]:
    # One 1-D gather of complex64 (front + 1j·back) is ~10× faster than indexing an (n, 2) array.
    fb = np.take(layers, idx)
    inside: NDArray[np.bool_] = (z <= fb.real) & (z >= fb.imag)
    return inside


def bilinear(
    table: F32, shape: tuple[int, int], step: float, x0: float, y0: float, x: F32, y: F32
) -> F32:
    """Bilinear samples at (x, y) metres of `table`: (ny·nx,) or (c, ny·nx) planes on a grid
    of `shape` (ny, nx) with spacing `step` and origin (x0, y0). Returns (n,) or (c, n)."""
    ny, nx = shape
    fx = np.clip((x - np.float32(x0)) * np.float32(1.0 / step), 0.0, nx - 1.001)
    fy = np.clip((y - np.float32(y0)) * np.float32(1.0 / step), 0.0, ny - 1.001)
    ix = fx.astype(np.int32)
    iy = fy.astype(np.int32)
    wx = fx - ix
    wy = fy - iy
    i00 = iy * np.int32(nx) + ix
    planes = table.reshape(-1, ny * nx)
    out = np.empty((planes.shape[0], len(x)), np.float32)
    for k, plane in enumerate(planes):
        a = np.take(plane, i00)
        b = np.take(plane, i00 + 1)
        c = np.take(plane, i00 + nx)
        d = np.take(plane, i00 + nx + 1)
        top = a + (b - a) * wx
        out[k] = top + (c + (d - c) * wx - top) * wy
    result: F32 = out[0] if table.ndim == 1 else out
    return result


def _box(relief: Relief, o: F32, dirs: F32, floor_y: float) -> tuple[F32, F32]:
    """Entry and exit distances of rays through the relief's bounding box (metres)."""
    lo = np.array(
        [relief.x0, floor_y if relief.column_below else relief.y0, relief.z_min], np.float32
    )
    hi = np.array([relief.x1, relief.y1, relief.z_max], np.float32)
    safe = np.where(np.abs(dirs) < 1e-9, np.float32(1e-9), dirs)
    inv = np.float32(1.0) / safe
    t0 = (lo - o) * inv
    t1 = (hi - o) * inv
    near = np.minimum(t0, t1)
    far = np.maximum(t0, t1)
    # Column-wise rather than .max(axis=1): reductions over 3 elements are slow in NumPy.
    t_in = np.maximum(np.maximum(np.maximum(near[:, 0], near[:, 1]), near[:, 2]), np.float32(0))
    t_out = np.minimum(np.minimum(far[:, 0], far[:, 1]), far[:, 2])
    return t_in, t_out


def _march(
    relief: Relief, o: F32, d: F32, t_a: F32, step: F32, steps: int
) -> tuple[NDArray[np.bool_], F32, F32]:
    """First step inside the relief along each ray: (found, t before it, t at it)."""
    hit_hi = np.full(len(d), np.inf, np.float32)
    hit_lo = np.zeros(len(d), np.float32)
    dx, dy, dz = (np.ascontiguousarray(d[:, k]) for k in range(3))
    ox, oy, oz = (np.float32(v) for v in o)
    prev_t = t_a - step
    for k in range(steps + 1):
        t = t_a + step * np.float32(k)
        inside = _inside(
            relief.layers, _lookup_index(relief, ox + dx * t, oy + dy * t), oz + dz * t
        )
        first = inside & (hit_hi == np.inf)
        hit_hi[first] = t[first]
        hit_lo[first] = prev_t[first]
        prev_t = t
    return hit_hi != np.inf, hit_lo, hit_hi


def _min_filter(a: F32) -> F32:
    """3×3 minimum of a 2-D array (edges repeat)."""
    p = np.pad(a, 1, mode="edge")
    rows = np.minimum(np.minimum(p[:-2], p[1:-1]), p[2:])
    out: F32 = np.minimum(np.minimum(rows[:, :-2], rows[:, 1:-1]), rows[:, 2:])
    return out


COARSE = 4
"""The full march runs on every COARSE-th pixel; the others search near their neighbours' hits."""

_FINE_STEPS = 6
_FINE_STEP_M = np.float32(0.005)
_FINE_MARGIN_M = np.float32(0.012)


def cast(relief: Relief, origin: NDArray[np.float64], dirs: F32, floor_y: float) -> Hits:
    """Intersect a grid of rays (origin (3,), dirs (h, w, 3) unit; subject frame) with the relief.

    Coarse to fine: every `COARSE`-th ray marches the whole bounding box; every ray then
    searches a few centimetres around the nearest hit among its coarse neighbours, and the few
    that find nothing there (a silhouette with something behind it) march the whole box.
    """
    h, w = dirs.shape[:2]
    o = origin.astype(np.float32)
    flat = dirs.reshape(-1, 3)
    # 1. Coarse pass.
    cd = np.ascontiguousarray(dirs[::COARSE, ::COARSE]).reshape(-1, 3)
    ch, cw = dirs[::COARSE, ::COARSE].shape[:2]
    c_in, c_out = _box(relief, o, cd, floor_y)
    c_span = np.maximum(c_out - c_in, np.float32(0.0)) / np.float32(CAMERA_STEPS)
    c_found, _, c_hit = _march(relief, o, cd, c_in, c_span, CAMERA_STEPS)
    c_t = np.where(c_found & (c_in < c_out), c_hit, np.float32(np.inf)).reshape(ch, cw)
    near = _min_filter(c_t)
    # Each pixel takes the nearest hit among the two coarse samples bracketing it on each axis.
    ri = np.minimum(np.arange(h) // COARSE, ch - 1)
    rj = np.minimum(np.arange(w) // COARSE, cw - 1)
    ri2 = np.minimum(ri + 1, ch - 1)
    rj2 = np.minimum(rj + 1, cw - 1)
    guess = np.minimum(
        np.minimum(near[ri][:, rj], near[ri2][:, rj]),
        np.minimum(near[ri][:, rj2], near[ri2][:, rj2]),
    ).ravel()
    candidates = np.nonzero(np.isfinite(guess))[0]
    d = flat[candidates]
    t_in, t_out = _box(relief, o, d, floor_y)
    # 2. Fine search near the neighbours' depth.
    t_a = np.maximum(guess[candidates] - _FINE_MARGIN_M, t_in)
    step = np.full(len(d), _FINE_STEP_M, np.float32)
    found, lo_t, hi_t = _march(relief, o, d, t_a, step, _FINE_STEPS)
    # 3. Whatever is not there may be further back: march the rest of the box.
    rest = np.nonzero(~found)[0]
    if len(rest):
        r_a = t_a[rest] + step[rest] * np.float32(_FINE_STEPS)
        r_span = np.maximum(t_out[rest] - r_a, np.float32(0.0)) / np.float32(CAMERA_STEPS)
        r_found, r_lo, r_hi = _march(relief, o, d[rest], r_a, r_span, CAMERA_STEPS)
        found[rest] = r_found
        lo_t[rest] = r_lo
        hi_t[rest] = r_hi
    idx = candidates[found]
    d = d[found]
    lo_t = lo_t[found]
    hi_t = hi_t[found]
    layers = relief.layers
    dx, dy, dz = (np.ascontiguousarray(d[:, k]) for k in range(3))
    for _ in range(4):
        mid = (lo_t + hi_t) * np.float32(0.5)
        inside = _inside(
            layers, _lookup_index(relief, o[0] + dx * mid, o[1] + dy * mid), o[2] + dz * mid
        )
        hi_t = np.where(inside, mid, hi_t)
        lo_t = np.where(inside, lo_t, mid)
    p = (o + d * hi_t[:, None]).astype(np.float32)
    flat_idx = _lookup_index(relief, p[:, 0], p[:, 1])
    fb = np.take(layers, flat_idx)
    back = np.abs(p[:, 2] - fb.imag) < np.abs(p[:, 2] - fb.real)
    grid = (relief.shape, relief.step, relief.x0, relief.y0)
    n = np.empty((len(p), 3), np.float32)
    # Each hit reads only its own layer's normals (back hits are few: a silhouette, a turn).
    for layer, normals in ((~back, relief.front_normal), (back, relief.back_normal)):
        if layer.any():
            n[layer] = bilinear(normals, *grid, p[layer, 0], p[layer, 1]).T
    n /= np.maximum(np.sqrt(n[:, 0] ** 2 + n[:, 1] ** 2 + n[:, 2] ** 2), np.float32(1e-6))[:, None]
    material = np.where(
        back, relief.back_material.ravel()[flat_idx], relief.front_material.ravel()[flat_idx]
    ).astype(np.uint8)
    return Hits(index=idx, point=p, normal=n.astype(np.float32), material=material, back=back)


def shadow_map(
    relief: Relief,
    light_position: NDArray[np.float64],
    light_size: float,
    stride: int,
    needed: tuple[NDArray[np.bool_], NDArray[np.bool_]] | None = None,
) -> tuple[F32, F32]:
    """Visibility (0–1) of a disc light from every `stride`-th texel, front and back layers.

    Soft shadows by the penumbra estimate of sphere tracing: along the march, the clearance
    between the ray and the relief relative to the light's cone radius at that distance; the
    smallest ratio over the march, mapped through a smoothstep, is the visible share of the disc
    (½ when the ray grazes an edge). Light position in the subject frame (metres). `needed`
    (front, back) masks on the shadow grid limit the work to texels the camera sees.
    """
    ny, nx = relief.shape
    ys = np.arange(0, ny, stride)
    xs = np.arange(0, nx, stride)
    layers = relief.layers
    light = light_position.astype(np.float32)
    out = []
    # The march starts 1 cm out: closer than that only the surface's own curvature can block
    # the light, and the disc table (`scene._disc_lut`) already accounts for the horizon of a
    # surface turning away; counting it twice would darken every grazing-lit cheek.
    t_steps = (0.010 * (0.45 / 0.010) ** (np.arange(SHADOW_STEPS) / (SHADOW_STEPS - 1))).astype(
        np.float32
    )
    layer_data = ((relief.front, relief.front_normal), (relief.back, relief.back_normal))
    for layer, (depth, normal) in enumerate(layer_data):
        sub = depth[np.ix_(ys, xs)]
        valid = np.abs(sub) < EMPTY
        if needed is not None:
            valid &= needed[layer]
        vis = np.ones(sub.shape, np.float32)
        iy, ix = np.nonzero(valid)
        if len(iy) == 0:
            out.append(vis)
            continue
        px = (relief.x0 + xs[ix] * relief.step).astype(np.float32)
        py = (relief.y0 + ys[iy] * relief.step).astype(np.float32)
        n = normal[:, ys[iy] * nx + xs[ix]].T
        p = np.stack([px, py, sub[iy, ix]], axis=1) + n * np.float32(0.0025)
        to_l = light - p
        dist = np.sqrt(to_l[:, 0] ** 2 + to_l[:, 1] ** 2 + to_l[:, 2] ** 2)
        l_dir = to_l / dist[:, None]
        # Clearance is measured along z; scale it towards a perpendicular distance (see doc).
        perp = np.maximum(np.sqrt(l_dir[:, 0] ** 2 + l_dir[:, 1] ** 2), np.float32(0.35))
        tan_a = np.float32(light_size / 2) / dist
        worst = np.full(len(p), np.float32(4.0))
        for t in t_steps:
            q = p + l_dir * t
            fb = np.take(layers, _lookup_index(relief, q[:, 0], q[:, 1]))
            clear = np.maximum(q[:, 2] - fb.real, fb.imag - q[:, 2])
            ratio = clear * perp / (t * tan_a + np.float32(0.0005))
            # A step past the light itself cannot be blocked.
            ratio = np.where(t < dist, ratio, np.float32(4.0))
            worst = np.minimum(worst, ratio)
        v = np.clip(0.5 + 0.5 * worst, 0.0, 1.0)
        vis[iy, ix] = v * v * (3 - 2 * v)
        out.append(vis)
    return out[0], out[1]


def needed_texels(
    relief: Relief, stride: int, points: F32, back: NDArray[np.bool_]
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Shadow-grid texels (front, back) that bilinear lookups at `points` will read."""
    ny, nx = relief.shape
    sy, sx = -(-ny // stride), -(-nx // stride)
    step = relief.step * stride
    fx = np.clip((points[:, 0] - np.float32(relief.x0)) / np.float32(step), 0.0, sx - 1.001)
    fy = np.clip((points[:, 1] - np.float32(relief.y0)) / np.float32(step), 0.0, sy - 1.001)
    ix = fx.astype(np.int32)
    iy = fy.astype(np.int32)
    out = []
    for mask in (~back, back):
        grid = np.zeros((sy, sx), np.bool_)
        for dy in (0, 1):
            for dx in (0, 1):
                grid[iy[mask] + dy, ix[mask] + dx] = True
        out.append(grid)
    return out[0], out[1]
