"""From scene values to an 8-bit sRGB PNG: filmic curve, sRGB encoding, grain, encoding.

The filmic curve is Narkowicz's fit of the ACES reference rendering transform, pre-scaled so
that middle grey (0.18) stays 0.18: the exposure the camera settings give is kept for mid-tones,
highlights roll off gently up to about +3.5 stops, deep shadows lift a little. Film grain is
luminance noise drawn from the seed, strongest in the mid-tones, as film's is.

Determinism: everything is float32 elementwise arithmetic in a fixed order, the grain comes from
NumPy's PCG64 seeded with the render seed, and the PNG is written by Pillow with a fixed
compression level and no metadata chunks (no time stamp), so equal input gives equal bytes.
"""

from __future__ import annotations

import io

import numpy as np
from numpy.typing import NDArray
from PIL import Image

__all__ = [
    "CLIP_LEVEL",
    "CRUSH_LEVEL",
    "GRAIN_SIGMA",
    "encode_png",
    "filmic",
    "to_srgb8",
]

F32 = NDArray[np.float32]

GRAIN_SIGMA = 1.6
"""Standard deviation of the film grain in 8-bit code values at mid-grey."""

CLIP_LEVEL = 254
"""An 8-bit channel at or above this is a clipped highlight."""

CRUSH_LEVEL = 3
"""A pixel whose every 8-bit channel is at or below this is a crushed shadow."""

_A, _B, _C, _D, _E = 2.51, 0.03, 2.43, 0.59, 0.14
_Z_HUFFMAN_ONLY = 2  # zlib's strategy constant


def _aces(x: F32) -> F32:
    out: F32 = np.asarray((x * (_A * x + _B)) / (x * (_C * x + _D) + _E), dtype=np.float32)
    return out


def _mid_grey_scale() -> float:
    # Solve aces(k·0.18) = 0.18 by bisection once: keeps the camera's exposure for mid-tones.
    lo, hi = 0.1, 2.0
    for _ in range(60):
        mid = (lo + hi) / 2
        v = float(_aces(np.array([mid * 0.18], np.float32))[0])
        lo, hi = (mid, hi) if v < 0.18 else (lo, mid)
    return (lo + hi) / 2


_SCALE = np.float32(_mid_grey_scale())


def filmic(value: F32) -> F32:
    """Scene value (linear, 0.18 = middle grey) → display linear 0–1 through the filmic curve."""
    x = np.maximum(value, 0.0) * _SCALE
    out: F32 = np.clip(_aces(x), 0.0, 1.0)
    return out


_LUT_SIZE = 8192
_LUT_MAX = 24.0  # scene value mapped to the last entry; the filmic curve is at 1.0 long before


def _build_lut() -> F32:
    # Indexed by sqrt(value / _LUT_MAX): fine steps near black, where the eye needs them.
    v = (np.linspace(0.0, 1.0, _LUT_SIZE, dtype=np.float64) ** 2 * _LUT_MAX).astype(np.float32)
    lin = filmic(v).astype(np.float64)
    srgb = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * np.power(lin, 1 / 2.4) - 0.055)
    out: F32 = (srgb * 255.0).astype(np.float32)
    return out


_LUT = _build_lut()


def to_srgb8(value: F32, seed: int, grain: bool = True) -> NDArray[np.uint8]:
    """Tone-map (h, w, 3) scene values to 8-bit sRGB, adding the seed's film grain.

    The curve and the sRGB encoding are one table (`_LUT_SIZE` entries, nearest entry), which
    is several times faster than evaluating them per pixel.
    """
    scaled = np.sqrt(np.clip(value, 0.0, _LUT_MAX) * np.float32(1.0 / _LUT_MAX))
    index = (scaled * np.float32(_LUT_SIZE - 1) + np.float32(0.5)).astype(np.int32)
    code = np.take(_LUT, index)
    if grain:
        rng = np.random.default_rng([seed, 0x6A41])
        noise = rng.standard_normal(code.shape[:2], dtype=np.float32)
        # Grain is strongest in the mid-tones and fades towards black and white.
        y = (code[:, :, 0] + code[:, :, 1] + code[:, :, 2]) * np.float32(1 / 765)
        amount = np.float32(GRAIN_SIGMA) * (np.float32(0.35) + np.float32(2.6) * y * (1 - y))
        code += (noise * amount)[:, :, None]
    out: NDArray[np.uint8] = np.clip(code + np.float32(0.5), 0, 255).astype(np.uint8)
    return out


def encode_png(pixels: NDArray[np.uint8]) -> bytes:
    """PNG bytes of an (h, w, 3) uint8 image: fixed settings, no metadata, no time stamp."""
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", compress_level=1, optimize=False)
    return buf.getvalue()
