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

from prolight.domain.render.relief import EMPTY, Relief

__all__ = [
    "CAMERA_STEPS",
    "COARSE",
    "REST_STEPS",
    "SHADOW_STEPS",
    "Hits",
    "bilinear",
    "cast",
    "lookup_index",
    "min_filter",
    "needed_texels",
    "shadow_map",
    "surface",
    "trace",
]

F32 = NDArray[np.float32]

CAMERA_STEPS = 32
"""March steps across the relief's bounding box for a camera ray (then 5 bisections)."""

REST_STEPS = 12
"""March steps for a ray traced between known near and far depths (`trace` with a limit)."""

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
    depth: F32  # (n,) distance along the ray, metres


def lookup_index(relief: Relief, x: F32, y: F32) -> NDArray[np.int32]:
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
        inside = _inside(relief.layers, lookup_index(relief, ox + dx * t, oy + dy * t), oz + dz * t)
        first = inside & (hit_hi == np.inf)
        hit_hi[first] = t[first]
        hit_lo[first] = prev_t[first]
        prev_t = t
    return hit_hi != np.inf, hit_lo, hit_hi


def min_filter(a: F32) -> F32:
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
    near = min_filter(c_t)
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
    found, t = trace(relief, o, flat[candidates], guess[candidates], floor_y)
    idx = candidates[found]
    t = t[found]
    p = (o + flat[idx] * t[:, None]).astype(np.float32)
    n, material, back = surface(relief, p)
    return Hits(index=idx, point=p, normal=n, material=material, back=back, depth=t)


def trace(
    relief: Relief, o: F32, d: F32, guess: F32, floor_y: float, limit: F32 | None = None
) -> tuple[NDArray[np.bool_], F32]:
    """First hit along rays `d` (n, 3) from `o` near a guessed distance `guess` (n,) (metres).

    Searches a few centimetres around the guess; rays that find nothing there march the rest
    of the bounding box, or up to `limit` (n,) metres when given (`REST_STEPS` steps then).
    Returns (found, distance) — the distance is refined by bisection.
    """
    t_in, t_out = _box(relief, o, d, floor_y)
    steps = CAMERA_STEPS
    if limit is not None:
        t_out = np.minimum(t_out, limit)
        steps = REST_STEPS
    t_a = np.maximum(guess - _FINE_MARGIN_M, t_in)
    step = np.full(len(d), _FINE_STEP_M, np.float32)
    found, lo_t, hi_t = _march(relief, o, d, t_a, step, _FINE_STEPS)
    rest = np.nonzero(~found)[0]
    if len(rest):
        r_a = t_a[rest] + step[rest] * np.float32(_FINE_STEPS)
        r_span = np.maximum(t_out[rest] - r_a, np.float32(0.0)) / np.float32(steps)
        r_found, r_lo, r_hi = _march(relief, o, d[rest], r_a, r_span, steps)
        found[rest] = r_found
        lo_t[rest] = r_lo
        hi_t[rest] = r_hi
    lo_t = np.where(found, lo_t, np.float32(0.0))
    hi_t = np.where(found, hi_t, np.float32(0.0))
    layers = relief.layers
    dx, dy, dz = (np.ascontiguousarray(d[:, k]) for k in range(3))
    for _ in range(4):
        mid = (lo_t + hi_t) * np.float32(0.5)
        inside = _inside(
            layers, lookup_index(relief, o[0] + dx * mid, o[1] + dy * mid), o[2] + dz * mid
        )
        hi_t = np.where(inside, mid, hi_t)
        lo_t = np.where(inside, lo_t, mid)
    return found, hi_t


def _bilinear_normals(relief: Relief, table: F32, x: F32, y: F32, back: NDArray[np.bool_]) -> F32:
    """Bilinear normals (n, 3) at (x, y) from the front or (where `back`) the back layer;
    `table` is `Relief.both_normals`."""
    ny, nx = relief.shape
    inv = np.float32(1.0 / relief.step)
    fx = np.clip((x - np.float32(relief.x0)) * inv, 0.0, nx - 1.001)
    fy = np.clip((y - np.float32(relief.y0)) * inv, 0.0, ny - 1.001)
    ix = fx.astype(np.int32)
    iy = fy.astype(np.int32)
    wx = fx - ix
    wy = fy - iy
    i00 = iy * np.int32(nx) + ix + back.astype(np.int32) * np.int32(ny * nx)
    n = np.empty((len(x), 3), np.float32)
    for k in range(3):
        plane = table[k]
        a = np.take(plane, i00)
        b = np.take(plane, i00 + 1)
        c = np.take(plane, i00 + nx)
        d = np.take(plane, i00 + nx + 1)
        top = a + (b - a) * wx
        n[:, k] = top + (c + (d - c) * wx - top) * wy
    return n


def surface(relief: Relief, p: F32) -> tuple[F32, NDArray[np.uint8], NDArray[np.bool_]]:
    """Unit normal (n, 3), material and layer (True: back) of the relief at points `p` (n, 3)
    that lie on it (subject frame, metres).

    The layer is the one whose depth is nearer the point. The normal blends the two layers'
    bilinear normals by where the point lies between them: a point on a layer gets that
    layer's normal, but one on the steep wall where a slab's front and back meet (the side of
    a turned head or of the shoulders, which the camera sees between two columns of the
    height field) gets a normal that turns smoothly from one to the other instead of flipping
    between them from pixel to pixel, which drew jagged dark streaks.
    """
    flat_idx = lookup_index(relief, p[:, 0], p[:, 1])
    fb = np.take(relief.layers, flat_idx)
    z = p[:, 2]
    back = np.abs(z - fb.imag) < np.abs(z - fb.real)
    # Where the point sits between the layers: 1 on the front, 0 on the back. A hit on a
    # height field lies on one of them unless it is on a wall between two texels.
    s = np.clip((z - fb.imag) / np.maximum(fb.real - fb.imag, np.float32(1e-4)), 0.0, 1.0)
    table = relief.both_normals
    own = _bilinear_normals(relief, table, p[:, 0], p[:, 1], back)
    wall = np.nonzero((s > 0.02) & (s < 0.98))[0]
    if len(wall):
        other = _bilinear_normals(relief, table, p[wall, 0], p[wall, 1], ~back[wall])
        sw = np.where(back[wall], s[wall], 1 - s[wall])[:, None]  # share of the other layer
        own[wall] += (other - own[wall]) * sw
        # On a wall the layer (its material, its shadow map) follows the blended normal, which
        # turns smoothly, rather than the nearer depth, which jumps with the steps: otherwise
        # the hair of the back layer and the skin of the front alternate along the wall.
        back[wall] = own[wall, 2] < 0
    n = own
    material = np.where(
        back,
        np.take(relief.back_material.ravel(), flat_idx),
        np.take(relief.front_material.ravel(), flat_idx),
    ).astype(np.uint8)
    return n, material, back


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
            fb = np.take(layers, lookup_index(relief, q[:, 0], q[:, 1]))
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
