"""The lighting checks measured on the image, and the score they combine into.

Four components, each in [0, 1] (1 = as asked), from the image itself and, where given, the
prompt or a reference image; each also carries `pass` (score ≥ `PASS_SCORE`, the check's
threshold: half its budget used):

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
  real cast tints.) Without a setup but with a reference image, the drift is measured against
  the reference's brightest 30 % instead, the same way (`against`: "prompt" or "reference");
  with neither it is omitted.
- **saturation** — over-saturation: `saturated_pct`, the percent of pixels whose HSV saturation
  `(max − min) / max` of the 8-bit channels is ≥ `SATURATED_LEVEL`, counting only pixels whose
  brightest channel is ≥ `SATURATION_MIN_LEVEL` (in the shadows the ratio is noise), and
  `mean_saturation` over those pixels. Score `max(0, 1 − saturated_pct / SATURATION_BUDGET_PCT)`:
  a grey or naturally coloured picture scores 1 (the local renderer's presets have no pixel at
  0.8), a frame of pure primaries scores 0. Needs nothing but the pixels.

Without a setup (an /eval request with words or only a reference image) the ratio is omitted:
exposure and saturation need only the pixels.

`final` is the weighted mean (`WEIGHTS`) of the components present, rounded to 4 decimals.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from prolight.domain.physics.face import face_light, key_light
from prolight.domain.physics.kelvin import kelvin_to_linear_rgb
from prolight.domain.schema import LightingSetup

__all__ = [
    "CAST_TOLERANCE",
    "CLIP_BUDGET_PCT",
    "CLIP_LEVEL",
    "CRUSH_BUDGET_PCT",
    "CRUSH_LEVEL",
    "PASS_SCORE",
    "RATIO_HALF_STOPS",
    "SATURATED_LEVEL",
    "SATURATION_BUDGET_PCT",
    "SATURATION_MIN_LEVEL",
    "UNBOUNDED_STOPS",
    "WEIGHTS",
    "colour_cast",
    "colour_drift",
    "combine",
    "exposure",
    "lighting_from_pixels",
    "lighting_metrics",
    "ratio",
    "saturation",
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
SATURATED_LEVEL = 0.9
"""HSV saturation (0–1) at or above which a pixel counts as over-saturated."""
SATURATION_MIN_LEVEL = 32
"""8-bit brightest channel below which a pixel's saturation is not judged."""
SATURATION_BUDGET_PCT = 20.0
"""Percent of over-saturated pixels that brings the saturation score to 0."""
PASS_SCORE = 0.5
"""A component passes its check at or above this score (half its budget used)."""
WEIGHTS = {"exposure": 0.25, "ratio": 0.45, "colour": 0.2, "saturation": 0.1}
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


def saturation(pixels: U8) -> dict[str, Any]:
    """Over-saturation of (n, 3) 8-bit pixels (module doc): percent, mean, and the score."""
    high = np.maximum(np.maximum(pixels[:, 0], pixels[:, 1]), pixels[:, 2])
    low = np.minimum(np.minimum(pixels[:, 0], pixels[:, 1]), pixels[:, 2])
    lit = high >= SATURATION_MIN_LEVEL
    sat = (high[lit] - low[lit]).astype(np.float32) / high[lit]
    saturated = float((sat >= SATURATED_LEVEL).sum() / max(len(pixels), 1) * 100)
    return {
        "saturated_pct": saturated,
        "mean_saturation": float(sat.mean()) if sat.size else 0.0,
        "score": max(0.0, 1.0 - saturated / SATURATION_BUDGET_PCT),
    }


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


def _bright_mean(pixels: U8) -> NDArray[np.float64] | None:
    """Mean linear RGB of the brightest 30 % of unclipped pixels; None when there are none."""
    luma = pixels @ _LUMA
    high = np.maximum(np.maximum(pixels[:, 0], pixels[:, 1]), pixels[:, 2])
    usable = (luma >= np.percentile(luma, _BRIGHT_QUANTILE)) & (high < CLIP_LEVEL)
    if not usable.any():
        return None
    mean: NDArray[np.float64] = _LINEAR_LUT[pixels[usable]].mean(axis=0)
    return mean


def _cast(mean: NDArray[np.float64], expected: NDArray[np.float64]) -> dict[str, Any] | None:
    if mean.min() <= 0 or expected.min() <= 0:
        return None
    d_red = math.log(mean[0] / mean[1]) - math.log(expected[0] / expected[1])
    d_blue = math.log(mean[2] / mean[1]) - math.log(expected[2] / expected[1])
    cast = math.hypot(d_red, d_blue)
    return {
        "measured_rgb": [float(c) for c in mean / (mean @ _LUMA)],
        "expected_rgb": [float(c) for c in expected],
        "cast": cast,
        "warm_shift": d_red - d_blue,
        "score": max(0.0, 1.0 - cast / CAST_TOLERANCE),
    }


def colour_cast(pixels: U8, setup: LightingSetup) -> dict[str, Any] | None:
    """The colour component against the setup (module doc); None when no light or no
    usable pixel."""
    key = key_light(setup)
    if key is None:
        return None
    requested_k = key[1].effective_kelvin
    expected = np.array(kelvin_to_linear_rgb(requested_k, setup.camera.white_balance_k))
    mean = _bright_mean(pixels)
    cast = None if mean is None else _cast(mean, expected)
    if cast is None:
        return None
    return {
        "against": "prompt",
        "requested_kelvin": requested_k,
        "white_balance_kelvin": setup.camera.white_balance_k,
        **cast,
    }


def colour_drift(pixels: U8, reference: U8) -> dict[str, Any] | None:
    """The colour component against a reference image's (n, 3) or (h, w, 3) pixels (module
    doc); None when either has no usable pixel. `warm_shift` > 0: warmer than the reference."""
    mean = _bright_mean(pixels)
    expected = _bright_mean(reference.reshape(-1, 3))
    if mean is None or expected is None:
        return None
    cast = _cast(mean, expected / (expected @ _LUMA))
    return None if cast is None else {"against": "reference", **cast}


def combine(components: dict[str, dict[str, Any] | None]) -> float:
    """The weighted mean (`WEIGHTS`) of the components' scores that are present, in [0, 1]."""
    present = {k: float(c["score"]) for k, c in components.items() if c is not None}
    total = sum(WEIGHTS[k] for k in present)
    if total == 0:
        return 0.0
    return round(sum(WEIGHTS[k] * s for k, s in present.items()) / total, 4)


def lighting_metrics(
    png: bytes,
    requested: LightingSetup | None,
    rendered: LightingSetup | None,
    measured_ratio_stops: float | None,
) -> dict[str, Any]:
    """Every component (None where it cannot be judged), the weights, and `final`.

    `requested` is the setup the user asked for (its predicted face contrast is the target);
    `rendered` the candidate's setup (its key and white balance set the expected colour).
    """
    return lighting_from_pixels(_pixels(png), requested, rendered, measured_ratio_stops)


def lighting_from_pixels(
    pixels: U8,
    requested: LightingSetup | None,
    rendered: LightingSetup | None,
    measured_ratio_stops: float | None,
    reference: U8 | None = None,
) -> dict[str, Any]:
    """`lighting_metrics` of decoded 8-bit RGB pixels, (height, width, 3) or (n, 3).

    Without `requested` the ratio is omitted; without `rendered` the colour is judged against
    `reference` (8-bit RGB pixels), or omitted when there is none (module doc).
    """
    pixels = pixels.reshape(-1, 3)
    measured_ratio = None
    if requested is not None:
        predicted = face_light(requested).face_contrast
        measured_ratio = ratio(measured_ratio_stops, predicted.stops if predicted else None)
    colour = None
    if rendered is not None:
        colour = colour_cast(pixels, rendered)
    elif reference is not None:
        colour = colour_drift(pixels, reference)
    found: dict[str, dict[str, Any] | None] = {
        "exposure": exposure(pixels),
        "ratio": measured_ratio,
        "colour": colour,
        "saturation": saturation(pixels),
    }
    components = {
        name: None if c is None else {**c, "pass": c["score"] >= PASS_SCORE}
        for name, c in found.items()
    }
    return {"components": components, "weights": WEIGHTS, "final": combine(components)}
