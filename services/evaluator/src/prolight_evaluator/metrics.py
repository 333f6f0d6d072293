"""Lighting metrics measured on the image, and the score they combine into.

Three components, each in [0, 1] (1 = as asked), from the PNG itself and the prompt:

- **exposure** — clipping: `clipped_pct`, the percent of pixels with any channel ≥ 250, and
  `crushed_pct`, the percent whose luma (Rec.709 weights on the 8-bit values) is ≤ 5.
  Per-channel and luma figures are reported too. Score
  `max(0, 1 − clipped_pct / CLIP_BUDGET_PCT − crushed_pct / CRUSH_BUDGET_PCT)`: crushed pixels
  cost less because a low-key backdrop is meant to go black.
- **ratio** — the key:fill contrast on the face: measured (the local renderer's face meter, in
  stops, carried in the task's params from the render report) against requested (the
  analysis' predicted face contrast, `physics.face.face_light(setup).face_contrast`, of the
  prompt the user asked for). Score `1 / (1 + (error_stops / RATIO_HALF_STOPS)²)`: half a stop
  off scores 0.5. Unknown (no measurement: an image not from the local renderer) → omitted.
- **colour** — cast against the requested colour temperature: the mean linear RGB of the
  brightest 30 % of unclipped pixels, against the key light's colour as the camera sees it
  (`kelvin_to_linear_rgb(key K after gels, white balance K)`), as the distance in log
  chromaticity `√(Δln(R/G)² + Δln(B/G)²)`. Score `max(0, 1 − cast / CAST_TOLERANCE)`.
  Known biases: skin is warm, so a portrait whose face fills the bright region reads a cast of
  about 0.1–0.25 under matched light; in a high-key set the brightest pixels are the backdrop,
  which the background light colours rather than the key. Every candidate of a run shares the
  bias, so the ranking stays fair. (No saturation filter: it would drop exactly the pixels a
  real cast tints.)

`final` is the weighted mean (`WEIGHTS`) of the components present, rounded to 4 decimals.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from prolight.physics.face import face_light, key_light
from prolight.physics.kelvin import kelvin_to_linear_rgb
from prolight.schema import LightingSetup

__all__ = [
    "CAST_TOLERANCE",
    "CLIP_BUDGET_PCT",
    "CLIP_LEVEL",
    "CRUSH_BUDGET_PCT",
    "CRUSH_LEVEL",
    "RATIO_HALF_STOPS",
    "UNBOUNDED_STOPS",
    "WEIGHTS",
    "colour_cast",
    "combine",
    "exposure",
    "lighting_from_pixels",
    "lighting_metrics",
    "ratio",
]

CLIP_LEVEL = 250
"""8-bit value at or above which a channel counts as clipped."""
CRUSH_LEVEL = 5
"""8-bit luma at or below which a pixel counts as crushed."""
CLIP_BUDGET_PCT = 10.0
"""Percent of clipped pixels that alone brings the exposure score to 0."""
CRUSH_BUDGET_PCT = 40.0
"""Percent of crushed pixels that alone brings the exposure score to 0."""
RATIO_HALF_STOPS = 0.5
"""Ratio error (stops) that halves the ratio score."""
UNBOUNDED_STOPS = 6.0
"""A ratio with no light at all on the shadow side counts as this many stops."""
CAST_TOLERANCE = 1.0
"""Colour cast (log-chromaticity distance) that brings the colour score to 0."""
WEIGHTS = {"exposure": 0.3, "ratio": 0.5, "colour": 0.2}
"""Weight of each component in `final`."""

_LUMA = np.array([0.2126, 0.7152, 0.0722])
_BRIGHT_QUANTILE = 70.0

U8 = NDArray[np.uint8]


def _pixels(png: bytes) -> U8:
    with Image.open(io.BytesIO(png)) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8).reshape(-1, 3)


def exposure(pixels: U8) -> dict[str, Any]:
    """Clipping and crushing of (n, 3) 8-bit pixels, in percent, and the exposure score."""
    luma = pixels @ _LUMA
    hot = pixels >= CLIP_LEVEL
    # Column by column: numpy's any(axis=1) over 3-wide rows is several times slower.
    clipped = float((hot[:, 0] | hot[:, 1] | hot[:, 2]).mean() * 100)
    crushed = float((luma <= CRUSH_LEVEL).mean() * 100)
    per_channel = {
        name: {
            "clipped_pct": float(hot[:, k].mean() * 100),
            "crushed_pct": float((pixels[:, k] <= CRUSH_LEVEL).mean() * 100),
        }
        for k, name in enumerate("rgb")
    }
    per_channel["luma"] = {
        "clipped_pct": float((luma >= CLIP_LEVEL).mean() * 100),
        "crushed_pct": crushed,
    }
    score = max(0.0, 1.0 - clipped / CLIP_BUDGET_PCT - crushed / CRUSH_BUDGET_PCT)
    return {"clipped_pct": clipped, "crushed_pct": crushed, "channels": per_channel, "score": score}


def ratio(measured_stops: float | None, requested_stops: float | None) -> dict[str, Any] | None:
    """The ratio component (module doc); None when there is no measurement to judge."""
    if measured_stops is None and requested_stops is not None:
        return None
    m = UNBOUNDED_STOPS if measured_stops is None else measured_stops
    r = UNBOUNDED_STOPS if requested_stops is None else requested_stops
    error = abs(m - r)
    return {
        "measured_stops": measured_stops,
        "requested_stops": requested_stops,
        "error_stops": error,
        "score": 1.0 / (1.0 + (error / RATIO_HALF_STOPS) ** 2),
    }


def _linear(srgb8: NDArray[np.float64]) -> NDArray[np.float64]:
    v = srgb8 / 255.0
    out: NDArray[np.float64] = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    return out


_LINEAR_LUT = _linear(np.arange(256, dtype=np.float64))
"""`_linear` of every 8-bit value: indexing it gives the same numbers, far faster."""


def colour_cast(pixels: U8, setup: LightingSetup) -> dict[str, Any] | None:
    """The colour component (module doc); None when no light or no usable pixel."""
    key = key_light(setup)
    if key is None:
        return None
    requested_k = key[1].effective_kelvin
    expected = np.array(kelvin_to_linear_rgb(requested_k, setup.camera.white_balance_k))
    luma = pixels @ _LUMA
    high = np.maximum(np.maximum(pixels[:, 0], pixels[:, 1]), pixels[:, 2])
    usable = (luma >= np.percentile(luma, _BRIGHT_QUANTILE)) & (high < CLIP_LEVEL)
    if not usable.any():
        return None
    mean = _LINEAR_LUT[pixels[usable]].mean(axis=0)
    if mean.min() <= 0 or expected.min() <= 0:
        return None
    d_red = math.log(mean[0] / mean[1]) - math.log(expected[0] / expected[1])
    d_blue = math.log(mean[2] / mean[1]) - math.log(expected[2] / expected[1])
    cast = math.hypot(d_red, d_blue)
    return {
        "requested_kelvin": requested_k,
        "white_balance_kelvin": setup.camera.white_balance_k,
        "measured_rgb": [float(c) for c in mean / (mean @ _LUMA)],
        "expected_rgb": [float(c) for c in expected],
        "cast": cast,
        "warm_shift": d_red - d_blue,
        "score": max(0.0, 1.0 - cast / CAST_TOLERANCE),
    }


def combine(components: dict[str, dict[str, Any] | None]) -> float:
    """The weighted mean (`WEIGHTS`) of the components' scores that are present, in [0, 1]."""
    present = {k: float(c["score"]) for k, c in components.items() if c is not None}
    total = sum(WEIGHTS[k] for k in present)
    if total == 0:
        return 0.0
    return round(sum(WEIGHTS[k] * s for k, s in present.items()) / total, 4)


def lighting_metrics(
    png: bytes,
    requested: LightingSetup,
    rendered: LightingSetup,
    measured_ratio_stops: float | None,
) -> dict[str, Any]:
    """Every component (None where it cannot be judged), the weights, and `final`.

    `requested` is the setup the user asked for (its predicted face contrast is the target);
    `rendered` the candidate's setup (its key and white balance set the expected colour).
    """
    return lighting_from_pixels(_pixels(png), requested, rendered, measured_ratio_stops)


def lighting_from_pixels(
    pixels: U8,
    requested: LightingSetup,
    rendered: LightingSetup,
    measured_ratio_stops: float | None,
) -> dict[str, Any]:
    """`lighting_metrics` of decoded 8-bit RGB pixels, (height, width, 3) or (n, 3)."""
    pixels = pixels.reshape(-1, 3)
    predicted = face_light(requested).face_contrast
    components: dict[str, dict[str, Any] | None] = {
        "exposure": exposure(pixels),
        "ratio": ratio(measured_ratio_stops, predicted.stops if predicted else None),
        "colour": colour_cast(pixels, rendered),
    }
    return {"components": components, "weights": WEIGHTS, "final": combine(components)}
