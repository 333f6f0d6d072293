"""The shading fit: y ≈ a·max(0, n·l₁) + b·max(0, n·l₂) + c over surface normals n, by
exhaustive search over light directions with a linear least-squares fit per direction."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "COARSE_STEP_DEG",
    "FINE_STEP_DEG",
    "FIT_PIXELS",
    "Fit",
    "direction_confidence",
    "direction_grid",
    "fit_directions",
    "unit_vectors",
]

COARSE_STEP_DEG = 6.0
FINE_STEP_DEG = 2.0
FIT_PIXELS = 1500
"""Skin pixels the direction fit uses (a fixed, seeded sample of them)."""


def direction_grid(
    step: float,
    centre: tuple[float, float] | None = None,
    span: float = 0.0,
    *,
    level: bool = False,
) -> NDArray[np.float64]:
    """Directions (azimuth, elevation) every `step` degrees: all of them, or within `span` of
    `centre`; only at elevation 0 when `level`."""
    if centre is None:
        az = np.arange(-180.0, 180.0, step)
        el = np.arange(-60.0, 90.0, step)
    else:
        az = centre[0] + np.arange(-span, span + step / 2, step)
        el = np.clip(centre[1] + np.arange(-span, span + step / 2, step), -89.0, 89.0)
    if level:
        el = np.zeros(1)
    a, e = np.meshgrid(az, el, indexing="ij")
    dirs = np.stack([a.ravel(), e.ravel()], axis=1)
    dirs[:, 0] = (dirs[:, 0] + 180.0) % 360.0 - 180.0
    return np.unique(dirs, axis=0)


def unit_vectors(dirs: NDArray[np.float64]) -> NDArray[np.float64]:
    a, e = np.radians(dirs[:, 0]), np.radians(dirs[:, 1])
    return np.stack([np.cos(e) * np.sin(a), np.sin(e), np.cos(e) * np.cos(a)], axis=1)


@dataclass(frozen=True)
class Fit:
    key: tuple[float, float]
    other: tuple[float, float]
    key_share: float  # the key's share of the light the two lights put on the skin
    r2: float
    sharpness: float  # how much worse the fit is 20° away from the key: 0 (flat) … 1


def _solve(
    shade: NDArray[np.float64], y: NDArray[np.float64], extra: NDArray[np.float64] | None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per column d of `shade`: least squares y ≈ β₀·shade_d + β₁ (+ β₂·extra); β and the
    residual sum of squares, from the normal equations (sums as matrix products)."""
    n = float(len(y))
    s1 = shade.sum(axis=0)
    ss = np.einsum("nd,nd->d", shade, shade)
    sy = y @ shade
    cols = [[ss, s1], [s1, np.full_like(s1, n)]]
    rhs = [sy, np.full_like(s1, y.sum())]
    if extra is not None:
        se = extra @ shade
        cols[0].append(se)
        cols[1].append(np.full_like(s1, extra.sum()))
        cols.append([se, np.full_like(s1, extra.sum()), np.full_like(s1, extra @ extra)])
        rhs.append(np.full_like(s1, extra @ y))
    k = len(rhs)
    g = np.stack([np.stack(row, axis=-1) for row in cols], axis=-2)  # (D, k, k)
    g += np.eye(k) * 1e-9
    b = np.stack(rhs, axis=-1)
    beta = np.linalg.solve(g, b[..., None])[..., 0]
    rss = float(y @ y) - np.einsum("dk,dk->d", beta, b)
    return beta, rss


def _best(
    normals: NDArray[np.float64],
    y: NDArray[np.float64],
    dirs: NDArray[np.float64],
    extra: NDArray[np.float64] | None,
    front: bool,
) -> tuple[int, NDArray[np.float64], float, NDArray[np.float64]]:
    shade = np.maximum(0.0, normals @ unit_vectors(dirs).T)
    beta, rss = _solve(shade, y, extra)
    bad = beta[:, 0] <= 0
    if extra is not None:
        bad |= beta[:, 2] < 0
    if front:
        bad |= np.abs(dirs[:, 0]) > 110
    rss = np.where(bad, np.inf, rss)
    k = int(np.argmin(rss))
    return k, beta[k], float(rss[k]), rss


def fit_directions(
    normals: NDArray[np.float64], y: NDArray[np.float64], *, level: bool = False
) -> Fit:
    """Fit y ≈ a·max(0, n·l₁) + b·max(0, n·l₂) + c over unit normals (module doc, step 2).

    `level`: the normals are all horizontal (a vertical cylinder), so a light's elevation only
    scales its cosine and cannot be told from its strength; the lights are searched at
    elevation 0 and only their azimuths mean anything.
    """
    coarse = direction_grid(COARSE_STEP_DEG, level=level)
    keep = np.ones(len(y), dtype=bool)
    key = other = (0.0, 0.0)
    beta = np.zeros(3)
    rss = 0.0
    for _ in range(3):
        n, v = normals[keep], y[keep]
        k1, _, _, _ = _best(n, v, coarse, None, front=True)
        key = (float(coarse[k1, 0]), float(coarse[k1, 1]))
        s_key = np.maximum(0.0, n @ unit_vectors(np.array([key]))[0])
        k2, _, _, _ = _best(n, v, coarse, s_key, front=False)
        other = (float(coarse[k2, 0]), float(coarse[k2, 1]))
        s_other = np.maximum(0.0, n @ unit_vectors(np.array([other]))[0])
        fine = direction_grid(FINE_STEP_DEG, key, COARSE_STEP_DEG, level=level)
        k1, beta, rss, _ = _best(n, v, fine, s_other, front=True)
        key = (float(fine[k1, 0]), float(fine[k1, 1]))
        pred = (
            beta[0] * np.maximum(0.0, normals @ unit_vectors(np.array([key]))[0])
            + beta[1]
            + beta[2] * np.maximum(0.0, normals @ unit_vectors(np.array([other]))[0])
        )
        res = y - pred
        mad = float(np.median(np.abs(res[keep]))) * 1.4826 + 1e-9
        keep = np.abs(res) < 2.5 * mad
        if keep.sum() < 50:
            keep = np.ones(len(y), dtype=bool)
    n, v = normals[keep], y[keep]
    var = float(len(v) * v.var()) + 1e-12
    s_other = np.maximum(0.0, n @ unit_vectors(np.array([other]))[0])
    ring = _ring(key, 20.0, level=level)
    _, _, _, rss_ring = _best(n, v, ring, s_other, front=False)
    finite = rss_ring[np.isfinite(rss_ring)]
    worse = float(finite.min()) if len(finite) else var
    sharpness = max(0.0, min(1.0, (worse - rss) / (0.05 * var)))
    key_light = beta[0] * np.maximum(0.0, n @ unit_vectors(np.array([key]))[0]).mean()
    other_light = beta[2] * s_other.mean()
    share = float(key_light / max(key_light + other_light, 1e-12))
    return Fit(key, other, share, max(0.0, 1.0 - rss / var), sharpness)


def _ring(
    centre: tuple[float, float], radius: float, *, level: bool = False
) -> NDArray[np.float64]:
    """Directions `radius` degrees away from `centre`, every 30° around it (only to either side
    in azimuth when `level`)."""
    if level:
        return np.array([[centre[0] - radius, centre[1]], [centre[0] + radius, centre[1]]])
    c = unit_vectors(np.array([centre]))[0]
    helper = np.array([0.0, 1.0, 0.0]) if abs(c[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = np.cross(c, helper)
    u /= np.linalg.norm(u)
    w = np.cross(c, u)
    r = math.radians(radius)
    out = []
    for t in np.radians(np.arange(0.0, 360.0, 30.0)):
        d = math.cos(r) * c + math.sin(r) * (math.cos(t) * u + math.sin(t) * w)
        out.append(
            (math.degrees(math.atan2(d[0], d[2])), math.degrees(math.asin(max(-1, min(1, d[1])))))
        )
    return np.array(out)


def direction_confidence(fit: Fit) -> float:
    """Confidence 0–1 in a fitted key direction: the fit's R², discounted when flat."""
    return max(0.0, min(1.0, fit.r2 * (0.4 + 0.6 * fit.sharpness)))
