"""Half-resolution lighting for the subject, brought back to full resolution with edge awareness.

Light on a face changes slowly from pixel to pixel (soft sources, soft shadows), while its
albedo, its outline and its material boundaries are sharp. So the renderer finds the subject
at full resolution but computes its *lighting* — diffuse irradiance and the broad specular
sheen — on a grid half as fine on each axis, and interpolates it back:

1. `raycast.cast` a quarter grid, and `refine` it to the half grid the same way as step 2;
2. `refine`: each full-resolution ray whose four nearest half samples all hit the subject at
   nearly the same depth takes their interpolated depth (no march); the others — the outline,
   a depth step such as the chin over the neck — are traced (`raycast.trace`);
3. `Links`: each full hit's four nearest half samples with bilinear weights; a sample counts
   only if it has the full hit's material and layer (lighting is smooth across a material
   boundary, but the sheen is not), so nothing bleeds across an outline or the hairline. A hit
   with no such sample, and every hit of a sharp-lobed material (eyes, glass, metal), is shaded
   at full resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from prolight.domain.render.raycast import Hits, lookup_index, min_filter, surface, trace
from prolight.domain.render.relief import EMPTY, Relief

__all__ = ["DEPTH_TOLERANCE_M", "ON_SURFACE_M", "Links", "refine"]

F32 = NDArray[np.float32]

DEPTH_TOLERANCE_M = 0.010
"""Four half samples whose depths span less than this are one surface: interpolate between them."""

ON_SURFACE_M = np.float32(0.003)
"""How far (metres) an interpolated point may lie outside the relief's layers and still count."""

_LIMIT_MARGIN_M = np.float32(0.03)


@dataclass(frozen=True)
class Links:
    """For each full-resolution hit (n), its four nearest half-resolution hits."""

    corner: NDArray[np.intp]  # (4, n) index into the half hits; -1 where that sample missed
    weight: F32  # (4, n) bilinear weights (sum 1 over the four)

    def weights(
        self, material: NDArray[np.uint8], back: NDArray[np.bool_], half: Hits
    ) -> tuple[F32, NDArray[np.intp]]:
        """Normalised weights (4, n) of the samples on the same material and layer as each
        full hit, and the sample indices made safe to gather (0 where missing). Rows whose
        weights sum to 0 have no usable sample."""
        safe = np.maximum(self.corner, 0)
        ok = (
            (self.corner >= 0)
            & (np.take(half.material, safe) == material)
            & (np.take(half.back, safe) == back)
        )
        w = np.where(ok, self.weight, np.float32(0.0)).astype(np.float32)
        total = w.sum(axis=0)
        w /= np.maximum(total, np.float32(1e-12))
        return w, safe


def _axis(n_full: int, n_half: int) -> tuple[NDArray[np.intp], NDArray[np.intp], F32]:
    """Half-grid neighbours and weight of the second one for full-grid positions 0..n_full-1.

    Full sample k's centre lies at k/2 − 1/4 in half-sample units."""
    f = np.arange(n_full, dtype=np.float32) * np.float32(0.5) - np.float32(0.25)
    lo = np.floor(f)
    w = (f - lo).astype(np.float32)
    i0 = np.clip(lo.astype(np.intp), 0, n_half - 1)
    i1 = np.minimum(i0 + 1, n_half - 1)
    return i0, i1, w


def refine(
    relief: Relief,
    origin: NDArray[np.float64],
    dirs: F32,
    half: Hits,
    half_shape: tuple[int, int],
    floor_y: float,
) -> tuple[Hits, Links]:
    """Full-resolution hits of rays `dirs` (h, w, 3) from the half-resolution ones (module doc)."""
    h, w = dirs.shape[:2]
    hh, hw = half_shape
    o = origin.astype(np.float32)
    flat = dirs.reshape(-1, 3)
    depth = np.full(hh * hw, np.inf, np.float32)
    depth[half.index] = half.depth
    where = np.full(hh * hw, -1, np.intp)
    where[half.index] = np.arange(len(half.index))
    # Candidates: full samples with a hit among the 3×3 half samples around them (so a thin
    # edge the half grid just missed is still found). `near`/`far`: their nearest and farthest.
    depth2 = depth.reshape(hh, hw)
    near = min_filter(depth2)
    far = -min_filter(-np.where(np.isfinite(depth2), depth2, -np.inf).astype(np.float32))
    r0, r1, wy = _axis(h, hh)
    c0, c1, wx = _axis(w, hw)
    around = np.isfinite(near)
    up = around[r0] | around[r1]
    cand = np.flatnonzero((up[:, c0] | up[:, c1]).ravel())
    row = cand // w
    col = cand - row * w
    rows0 = r0[row] * hw
    rows1 = r1[row] * hw
    grid = (rows0 + c0[col], rows0 + c1[col], rows1 + c0[col], rows1 + c1[col])
    wyc = wy[row]
    wxc = wx[col]
    weights = ((1 - wyc) * (1 - wxc), (1 - wyc) * wxc, wyc * (1 - wxc), wyc * wxc)
    t = [np.take(depth, g) for g in grid]
    t_lo = np.minimum(np.minimum(t[0], t[1]), np.minimum(t[2], t[3]))
    t_hi = np.maximum(np.maximum(t[0], t[1]), np.maximum(t[2], t[3]))
    d = flat[cand]
    with np.errstate(invalid="ignore"):
        smooth = (t_hi - t_lo < np.float32(DEPTH_TOLERANCE_M)) & np.isfinite(t_hi)
        cand_t = np.where(
            smooth,
            t[0] * weights[0] + t[1] * weights[1] + t[2] * weights[2] + t[3] * weights[3],
            np.float32(np.inf),
        )
        # An interpolated point must lie on the relief (within `ON_SURFACE_M` of a layer, in
        # a filled texel): at the side of a turned head the surface curves away within one
        # half sample, and the interpolated depth can land just outside it.
        q = o + d * cand_t[:, None]
        fb = np.take(relief.layers, lookup_index(relief, q[:, 0], q[:, 1]))
        on = (
            (q[:, 2] <= fb.real + ON_SURFACE_M)
            & (q[:, 2] >= fb.imag - ON_SURFACE_M)
            & (fb.real > np.float32(-EMPTY))
        )
    smooth &= on
    # The rest (the outline, depth steps) are traced between the nearest and the farthest hit
    # among the half samples around them.
    rest = np.flatnonzero(~smooth)
    cand_t[rest] = np.inf
    g_rest = [g[rest] for g in grid]
    guess = np.minimum(
        np.minimum(np.take(near, g_rest[0]), np.take(near, g_rest[1])),
        np.minimum(np.take(near, g_rest[2]), np.take(near, g_rest[3])),
    )
    limit = np.maximum(
        np.maximum(np.take(far, g_rest[0]), np.take(far, g_rest[1])),
        np.maximum(np.take(far, g_rest[2]), np.take(far, g_rest[3])),
    )
    keep = np.isfinite(guess)
    traced = rest[keep]
    found, t_found = trace(
        relief, o, d[traced], guess[keep], floor_y, limit[keep] + _LIMIT_MARGIN_M
    )
    cand_t[traced[found]] = t_found[found]
    hit = np.flatnonzero(np.isfinite(cand_t))
    idx = cand[hit]
    t_hit = cand_t[hit]
    p = (o + d[hit] * t_hit[:, None]).astype(np.float32)
    n, material, back = surface(relief, p)
    hits = Hits(index=idx, point=p, normal=n, material=material, back=back, depth=t_hit)
    links = Links(
        corner=np.stack([np.take(where, g[hit]) for g in grid]),
        weight=np.stack([wk[hit] for wk in weights]).astype(np.float32),
    )
    return hits, links
