"""The face meter inside the render: lit-cheek and shadow-cheek luminance, and their ratio.

`physics/face.py` predicts the ratio from two cheek probes with fixed outward normals (camera
frame). Here the same probes are read off the rendered subject: the skin pixels on each cheek
whose surface normal lies within `PROBE_TOLERANCE_DEG` of the probe's normal; their diffuse
luminance (the specular sheen is left out, as an incident meter leaves it out), fitted against
the normal and read at the probe's own normal. Nose,
eyes, lips and hair are excluded by material and by position. For the product, the probes are
read on the bottle's paper label, where a photographer would meter a bottle: a matte band round
the body, a cylinder whose sides carry exactly those normals (the glass itself mostly mirrors
the set, which says little about the light falling on it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from prolight.domain.physics.face import cheek_normals, face_light
from prolight.domain.render.relief import LABEL_BOTTOM_Y, LABEL_TOP_Y, Material
from prolight.domain.render.scene import Scene, rotate_y
from prolight.domain.render_report import CLIP_LEVEL, CRUSH_LEVEL, RenderReport, RenderTimings
from prolight.domain.schema import LightingSetup, SubjectKind

__all__ = [
    "MIN_PROBE_PIXELS",
    "PROBE_TOLERANCE_DEG",
    "CheekReading",
    "measure_cheeks",
    "read_probes",
]

F32 = NDArray[np.float32]

PROBE_TOLERANCE_DEG = 12.0
"""Largest angle (degrees) between a pixel's normal and a probe's for the pixel to count."""

MIN_PROBE_PIXELS = 4
"""Fewer pixels than this at the tolerance (small images) widen it to twice the angle."""

LABEL_MARGIN_M = 0.01
"""Metres kept clear of the label's upper and lower edges, where a pixel may mix in glass."""


@dataclass(frozen=True)
class CheekReading:
    """Median diffuse luminance (scene value) on each cheek, the pixel counts, the ratio."""

    lit: float | None
    shadow: float | None
    lit_pixels: int
    shadow_pixels: int
    stops: float | None


def _zone(
    scene: Scene, points: F32, material: NDArray[np.uint8], back: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    x = np.abs(points[:, 0])
    y = points[:, 1]
    zone: NDArray[np.bool_]
    if scene.kind == SubjectKind.PRODUCT:
        zone = (
            (material == Material.LABEL)
            & ~back
            & (y > LABEL_BOTTOM_Y + LABEL_MARGIN_M)
            & (y < LABEL_TOP_Y - LABEL_MARGIN_M)
        )
    else:
        # Below the eyes, above the mouth's corners, clear of the nose and of the ears.
        zone = (material == Material.SKIN) & ~back & (y > -0.058) & (y < 0.008) & (x > 0.021)
    return zone


def _probe_value(
    normals: F32, values: F32, zone: NDArray[np.bool_], probe: F32
) -> tuple[float | None, int]:
    """Luminance at exactly the probe's normal, from the pixels around it.

    Pixels within the tolerance are rarely spread evenly around the probe's normal (a cheek is
    cut off by the nose or the jaw), and luminance changes fast with the normal where a light
    grazes the cheek; a plain median would be biased. So fit luminance as a linear function of
    the normal's two tangent components (weighted towards the probe) and take its value at the
    probe; fall back to the median when the fit is ill-posed.
    """
    cos = normals[:, 0] * probe[0] + normals[:, 1] * probe[1] + normals[:, 2] * probe[2]
    side = np.sign(probe[0])
    helper = np.array([0.0, 1.0, 0.0], np.float32)
    u = np.cross(probe, helper)
    u /= np.linalg.norm(u)
    v = np.cross(probe, u)
    for tol in (PROBE_TOLERANCE_DEG, 2 * PROBE_TOLERANCE_DEG):
        pick = zone & (cos >= math.cos(math.radians(tol)))
        # Keep to the probe's own cheek: a normal can point its way from the far side too.
        pick &= np.sign(normals[:, 0]) == side
        count = int(pick.sum())
        if count < MIN_PROBE_PIXELS:
            continue
        vals = values[pick].astype(np.float64)
        n = normals[pick].astype(np.float64)
        t1 = n[:, 0] * u[0] + n[:, 1] * u[1] + n[:, 2] * u[2]
        t2 = n[:, 0] * v[0] + n[:, 1] * v[1] + n[:, 2] * v[2]
        angle2 = t1 * t1 + t2 * t2
        w = np.clip(1.0 - angle2 / math.radians(tol) ** 2, 0.05, 1.0)
        x = np.stack([np.ones_like(t1), t1, t2], axis=1)
        if count >= 3 * MIN_PROBE_PIXELS:
            # Least squares with a rank cut-off: on a cylinder (the bottle) every normal is
            # horizontal, so one tangent direction carries no information.
            sw = np.sqrt(w)
            coef = np.linalg.lstsq(x * sw[:, None], vals * sw, rcond=1e-6)[0]
            estimate = float(np.clip(coef[0], vals.min(), vals.max()))
        else:
            estimate = float(np.median(vals))
        return estimate, count
    return None, 0


def measure_cheeks(
    setup: LightingSetup,
    scene: Scene,
    points: F32,
    normals: F32,
    material: NDArray[np.uint8],
    back: NDArray[np.bool_],
    diffuse_luminance: F32,
) -> CheekReading:
    """Read the two probes on the rendered subject (inputs per hit, subject frame)."""
    zone = _zone(scene, points, material, back)
    return read_probes(setup, scene, normals, zone, diffuse_luminance)


def read_probes(
    setup: LightingSetup,
    scene: Scene,
    normals: F32,
    zone: NDArray[np.bool_],
    values: F32,
) -> CheekReading:
    """Read the two cheek probes from `values` (luminance per sample) of the samples in
    `zone`; `normals` per sample, subject frame."""
    lit_side = face_light(setup).lit_side
    lit_n, shadow_n = cheek_normals(lit_side, setup.subject.head_turn_deg)
    lit_s = rotate_y(np.asarray(lit_n, np.float64), -scene.subject_yaw_deg).astype(np.float32)
    shadow_s = rotate_y(np.asarray(shadow_n, np.float64), -scene.subject_yaw_deg).astype(np.float32)
    lit, n_lit = _probe_value(normals, values, zone, lit_s)
    shadow, n_shadow = _probe_value(normals, values, zone, shadow_s)
    stops = None
    if lit is not None and shadow is not None and lit > 0 and shadow > 1e-6 * max(lit, 1e-12):
        stops = math.log2(lit / shadow)
    return CheekReading(lit, shadow, n_lit, n_shadow, stops)


def report(
    setup: LightingSetup,
    scene: Scene,
    pixels: NDArray[np.uint8],
    reading: CheekReading,
    *,
    seed: int,
    subject_share: float,
    timings: RenderTimings,
) -> RenderReport:
    """A render's report: the cheek reading against the analysis's prediction, clipping and
    crushing on the 8-bit `pixels`, the share of the frame the subject fills (0–1)."""
    # Per channel rather than .any(axis=2)/.all(axis=2): NumPy reduces a length-3 axis slowly.
    r, g, b = pixels[:, :, 0], pixels[:, :, 1], pixels[:, :, 2]
    clipped = 100.0 * np.count_nonzero(np.maximum(np.maximum(r, g), b) >= CLIP_LEVEL) / r.size
    crushed = 100.0 * np.count_nonzero(np.minimum(np.minimum(r, g), b) <= CRUSH_LEVEL) / r.size
    predicted = face_light(setup).face_contrast
    return RenderReport(
        width=pixels.shape[1],
        height=pixels.shape[0],
        seed=seed,
        subject=scene.kind,
        measured_ratio_stops=reading.stops,
        predicted_ratio_stops=predicted.stops if predicted is not None else None,
        lit_cheek_value=reading.lit,
        shadow_cheek_value=reading.shadow,
        lit_probe_pixels=reading.lit_pixels,
        shadow_probe_pixels=reading.shadow_pixels,
        clipped_highlights_pct=clipped,
        crushed_shadows_pct=crushed,
        subject_pixels_pct=100.0 * subject_share,
        exposure_lux=scene.meter_lux,
        timings=timings,
    )
