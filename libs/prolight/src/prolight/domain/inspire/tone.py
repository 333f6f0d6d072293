"""Scene light from 8-bit sRGB: the inverse of the renderer's tone curve, and the colour
temperature of an image's neutral areas."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from prolight.domain.physics.kelvin import kelvin_to_linear_rgb
from prolight.domain.render.tonemap import filmic

__all__ = ["LUMA", "neutral_kelvin", "scene_values"]


@lru_cache(maxsize=1)
def _inverse_tone() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """8-bit sRGB code → scene value through the renderer's filmic curve, as a table."""
    value = np.linspace(0.0, 1.0, 8192) ** 2 * 24.0
    lin = filmic(value.astype(np.float32)).astype(np.float64)
    code = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * np.power(lin, 1 / 2.4) - 0.055) * 255
    codes, first = np.unique(code, return_index=True)
    return codes, value[first]


def scene_values(pixels: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Scene values of 8-bit sRGB codes (any shape), by the table of `_inverse_tone`."""
    codes, values = _inverse_tone()
    out: NDArray[np.float64] = np.interp(pixels.astype(np.float64), codes, values)
    return out


LUMA = np.array([0.2126, 0.7152, 0.0722])
"""Rec. 709 luminance weights of linear RGB."""


def neutral_kelvin(
    pixels: NDArray[np.uint8], subject: NDArray[np.bool_]
) -> tuple[float, float, int]:
    """Kelvin of the neutral areas (module doc), its confidence and the pixels it used."""
    rgb = scene_values(pixels).reshape(-1, 3)
    luma = rgb @ LUMA
    peak = rgb.max(axis=1)
    sat = (peak - rgb.min(axis=1)) / np.maximum(peak, 1e-9)
    code = pixels.reshape(-1, 3).max(axis=1)
    usable = ~subject & (sat < 0.35) & (code < 250) & (code > 20)
    if usable.sum() < 50:
        return 5600.0, 0.1, int(usable.sum())
    bright = usable & (luma >= np.percentile(luma[usable], 75))
    mean = rgb[bright].mean(axis=0)
    measured = math.log(mean[0] / mean[2])
    lo, hi = 2000.0, 12000.0
    for _ in range(40):  # red/blue falls as kelvin rises
        mid = math.sqrt(lo * hi)
        r, _, b = kelvin_to_linear_rgb(mid, 5600.0)
        lo, hi = (mid, hi) if math.log(r / b) > measured else (lo, mid)
    kelvin = round(math.sqrt(lo * hi) / 50.0) * 50.0
    confidence = 0.5 if float(sat[bright].mean()) < 0.15 else 0.3
    return kelvin, confidence, int(bright.sum())
