"""From scene values to an 8-bit sRGB PNG: filmic curve, sRGB encoding, grain, encoding.

The filmic curve is Narkowicz's fit of the ACES reference rendering transform, pre-scaled so
that middle grey (0.18) stays 0.18: the exposure the camera settings give is kept for mid-tones,
highlights roll off gently up to about +3.5 stops, deep shadows lift a little. Film grain is
luminance noise drawn from the seed, strongest in the mid-tones, as film's is.

Determinism: everything is float32 elementwise arithmetic in a fixed order, the grain comes from
NumPy's PCG64 seeded with the render seed, and the PNG is written with a fixed filter and
compression level and no metadata chunks (no time stamp), so equal input gives equal bytes.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "GRAIN_SIGMA",
    "PNG_LEVEL",
    "encode_png",
    "filmic",
    "to_srgb8",
]

F32 = NDArray[np.float32]

GRAIN_SIGMA = 1.6
"""Standard deviation of the film grain in 8-bit code values at mid-grey."""


_A, _B, _C, _D, _E = 2.51, 0.03, 2.43, 0.59, 0.14


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
    # In place where possible: at 1024×1280 every temporary is 15 MiB of memory traffic.
    scaled = np.clip(value, np.float32(0.0), np.float32(_LUT_MAX))
    scaled *= np.float32(1.0 / _LUT_MAX)
    np.sqrt(scaled, out=scaled)
    scaled *= np.float32(_LUT_SIZE - 1)
    scaled += np.float32(0.5)
    code = np.take(_LUT, scaled.astype(np.int32))
    if grain:
        rng = np.random.default_rng([seed, 0x6A41])
        noise = rng.standard_normal(code.shape[:2], dtype=np.float32)
        # Grain is strongest in the mid-tones and fades towards black and white.
        y = code[:, :, 0] + code[:, :, 1]
        y += code[:, :, 2]
        y *= np.float32(1 / 765)
        amount = (1 - y) * y
        amount *= np.float32(GRAIN_SIGMA * 2.6)
        amount += np.float32(GRAIN_SIGMA * 0.35)
        noise *= amount
        code += noise[:, :, None]
    code += np.float32(0.5)
    np.clip(code, np.float32(0.0), np.float32(255.0), out=code)
    out: NDArray[np.uint8] = code.astype(np.uint8)
    return out


PNG_LEVEL = 1
"""zlib level of the PNG stream: the fastest; film grain leaves little for slower levels to find."""


def _chunk(tag: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))


def encode_png(pixels: NDArray[np.uint8]) -> bytes:
    """PNG bytes of an (h, w, 3) uint8 image: fixed settings, no metadata, no time stamp.

    Written here rather than by Pillow, whose adaptive per-row filter choice costs more than
    the compression itself: every row uses the *Sub* filter (each byte minus the same channel
    of the pixel to its left, computed with NumPy), then one zlib stream at `PNG_LEVEL`. The
    bytes depend only on the pixels and the zlib library.
    """
    h, w, _ = pixels.shape
    rows = np.ascontiguousarray(pixels).reshape(h, w * 3)
    data = np.empty((h, w * 3 + 1), np.uint8)
    data[:, 0] = 1  # filter type Sub
    data[:, 1:4] = rows[:, :3]
    np.subtract(rows[:, 3:], rows[:, :-3], out=data[:, 4:])
    packer = zlib.compressobj(PNG_LEVEL, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY)
    stream = packer.compress(data.tobytes()) + packer.flush()
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return _PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", stream) + _chunk(b"IEND", b"")


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
