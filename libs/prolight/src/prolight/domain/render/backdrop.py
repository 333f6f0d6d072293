"""The seamless backdrop: a wall behind the subject, a floor, and the curved cove between.

World frame (see `scene.py`), metres. The wall is the plane z = -distance, the floor the plane
y = floor_y, and the cove a quarter cylinder of radius R along x joining them, as a paper
sweep hangs. Rays that meet none of them (looking up and away) see an unlit studio.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["intersect_backdrop"]

F32 = NDArray[np.float32]


def intersect_backdrop(
    origin: NDArray[np.float64], dirs: F32, distance: float, floor_y: float, radius: float
) -> tuple[F32, F32, NDArray[np.bool_]]:
    """Hit points (n, 3), normals (n, 3) and a hit mask for rays from `origin` (metres)."""
    o = origin.astype(np.float32)
    dy = dirs[:, 1]
    dz = dirs[:, 2]
    yc = np.float32(floor_y + radius)
    zc = np.float32(-distance + radius)
    big = np.float32(1e6)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_wall = np.where(dz < -1e-6, (np.float32(-distance) - o[2]) / dz, big)
        t_floor = np.where(dy < -1e-6, (np.float32(floor_y) - o[1]) / dy, big)
    y_wall = o[1] + dy * t_wall
    z_floor = o[2] + dz * t_floor
    on_wall = (t_wall < big) & (y_wall >= yc)
    on_floor = ~on_wall & (t_floor < big) & (z_floor >= zc)
    # Cove: the far root of |(y, z) − (yc, zc)| = R (the sweep is concave towards the room).
    oy = o[1] - yc
    oz = o[2] - zc
    a = dy * dy + dz * dz
    b = 2 * (oy * dy + oz * dz)
    c = np.float32(oy * oy + oz * oz - radius * radius)
    disc = b * b - 4 * a * c
    with np.errstate(divide="ignore", invalid="ignore"):
        t_cove = (-b + np.sqrt(np.maximum(disc, 0.0))) / (2 * np.maximum(a, np.float32(1e-9)))
    on_cove = ~on_wall & ~on_floor & (disc > 0) & (a > 1e-9)
    t = np.where(on_wall, t_wall, np.where(on_floor, t_floor, t_cove))
    hit = on_wall | on_floor | on_cove
    t = np.where(hit, t, np.float32(0.0))
    p = (o + dirs * t[:, None]).astype(np.float32)
    n = np.zeros_like(p)
    n[:, 2] = np.where(on_wall, 1.0, 0.0)
    n[:, 1] = np.where(on_floor, 1.0, 0.0)
    cove_n_y = (yc - p[:, 1]) / np.float32(radius)
    cove_n_z = (zc - p[:, 2]) / np.float32(radius)
    n[:, 1] = np.where(on_cove, cove_n_y, n[:, 1])
    n[:, 2] = np.where(on_cove, cove_n_z, n[:, 2])
    return p, n, hit
