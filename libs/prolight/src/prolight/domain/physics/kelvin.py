"""Colour temperature: kelvin → CIE xy → linear sRGB, sRGB encoding, and mired arithmetic.

The chromaticity of a light at `kelvin`:

- below `DAYLIGHT_FROM_K` (4,000 K) it is on the Planckian (black-body) locus — tungsten, candles,
  warm LEDs — using Krystek's 1985 rational approximation in CIE 1960 (u, v), accurate to
  about 1e-4 in uv between 1,000 and 15,000 K;
- from 4,000 K it is on the CIE daylight (D-series) locus — flash, HMI, daylight LEDs — with the
  CIE 015 polynomials for x and y (valid 4,000–25,000 K), so 6,504 K is D65.

The two loci do not meet at 4,000 K (daylight sits slightly greener, Δuv ≈ 0.003); the step is
below what a viewer notices in a swatch, and it is what a photographer expects: a tungsten lamp
is a black body, a flash tube is "daylight".

Colour never changes brightness here: `kelvin_to_linear_rgb` is normalised to Rec.709
luminance 1, and photometry (lux) is computed separately. The library does not import
colour-science (it is slow to import); the tests check these curves against it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import overload

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DAYLIGHT_FROM_K",
    "KELVIN_MAX",
    "KELVIN_MIN",
    "XYZ_TO_LINEAR_SRGB",
    "kelvin_from_mired",
    "kelvin_to_linear_rgb",
    "kelvin_to_srgb_hex",
    "kelvin_to_xy",
    "linear_to_srgb",
    "mired",
    "mix_kelvin",
]

DAYLIGHT_FROM_K = 4000.0
"""At and above this colour temperature the CIE daylight locus is used, below it the Planckian."""

KELVIN_MIN = 1000.0
"""Lowest colour temperature modelled; lower values are clamped (Krystek's range starts here)."""

KELVIN_MAX = 25000.0
"""Highest colour temperature modelled; higher values (a heavy CTB) are clamped (CIE D range)."""

XYZ_TO_LINEAR_SRGB = (
    (3.2404542, -1.5371385, -0.4985314),
    (-0.9692660, 1.8760108, 0.0415560),
    (0.0556434, -0.2040259, 1.0572252),
)
"""CIE XYZ → linear sRGB (Rec.709 primaries, D65 white), IEC 61966-2-1 / Lindbloom."""

_LUMA = (0.2126, 0.7152, 0.0722)  # Rec.709 luminance weights of linear R, G, B
_MIN_WB_CHANNEL = 1e-4  # a white-balance illuminant with a zero channel would divide by zero


def _planckian_xy(kelvin: float) -> tuple[float, float]:
    # Krystek, "An algorithm to calculate correlated colour temperature",
    # Color Research & Application 10 (1985).
    t = kelvin
    u = (0.860117757 + 1.54118254e-4 * t + 1.28641212e-7 * t * t) / (
        1 + 8.42420235e-4 * t + 7.08145163e-7 * t * t
    )
    v = (0.317398726 + 4.22806245e-5 * t + 4.20481691e-8 * t * t) / (
        1 - 2.89741816e-5 * t + 1.61456053e-7 * t * t
    )
    d = 2 * u - 8 * v + 4  # CIE 1960 uv → xy
    return 3 * u / d, 2 * v / d


def _daylight_xy(kelvin: float) -> tuple[float, float]:
    # CIE 015:2018 equations for the D-series illuminants (x as a cubic in 1/T, y from x).
    t = kelvin
    if t <= 7000:
        x = -4.6070e9 / t**3 + 2.9678e6 / t**2 + 0.09911e3 / t + 0.244063
    else:
        x = -2.0064e9 / t**3 + 1.9018e6 / t**2 + 0.24748e3 / t + 0.237040
    return x, -3.0 * x * x + 2.870 * x - 0.275


def _check_kelvin(kelvin: float) -> float:
    k = float(kelvin)
    if not math.isfinite(k) or k <= 0:
        raise ValueError(f"a colour temperature is a positive number of kelvin; got {kelvin!r}")
    return k


@lru_cache(maxsize=4096)
def _xy(kelvin: float) -> tuple[float, float]:
    k = min(max(kelvin, KELVIN_MIN), KELVIN_MAX)
    return _planckian_xy(k) if k < DAYLIGHT_FROM_K else _daylight_xy(k)


def kelvin_to_xy(kelvin: float) -> tuple[float, float]:
    """CIE 1931 (x, y) chromaticity of a light at `kelvin` (see module doc for the loci).

    Values outside 1,000–25,000 K are clamped to that range; non-positive or non-finite
    values raise ValueError.
    """
    return _xy(_check_kelvin(kelvin))


def _xyz_to_linear(x: float, y: float) -> tuple[float, float, float]:
    # XYZ at luminance Y = 1 from the chromaticity, then the sRGB matrix.
    xyz = (x / y, 1.0, (1.0 - x - y) / y)
    r, g, b = (sum(m * c for m, c in zip(row, xyz, strict=True)) for row in XYZ_TO_LINEAR_SRGB)
    return r, g, b


@lru_cache(maxsize=4096)
def _linear_rgb(kelvin: float, white_balance_k: float) -> tuple[float, float, float]:
    light = _xyz_to_linear(*_xy(kelvin))
    white = _xyz_to_linear(*_xy(white_balance_k))
    # von Kries-style white balance in camera RGB: each channel divided by the white's.
    balanced = [max(c / max(w, _MIN_WB_CHANNEL), 0.0) for c, w in zip(light, white, strict=True)]
    luminance = sum(k * c for k, c in zip(_LUMA, balanced, strict=True))
    if luminance <= 0:  # cannot happen for a real light (G stays positive), kept for safety
        return 1.0, 1.0, 1.0
    r, g, b = (c / luminance for c in balanced)
    return r, g, b


def kelvin_to_linear_rgb(
    kelvin: float, white_balance_k: float = 6504.0
) -> tuple[float, float, float]:
    """Linear sRGB of a light at `kelvin` as a camera white-balanced to `white_balance_k` sees it.

    Each channel is divided by the white-balance illuminant's (so a light at the white balance
    is (1, 1, 1)), negative components are clipped to 0, and the result is scaled to Rec.709
    luminance 0.2126 R + 0.7152 G + 0.0722 B = 1: colour never changes brightness. Both
    arguments in kelvin.
    """
    return _linear_rgb(_check_kelvin(kelvin), _check_kelvin(white_balance_k))


@overload
def linear_to_srgb(values: float) -> float: ...
@overload
def linear_to_srgb(values: NDArray[np.floating] | Sequence[float]) -> NDArray[np.float64]: ...


def linear_to_srgb(
    values: float | NDArray[np.floating] | Sequence[float],
) -> float | NDArray[np.float64]:
    """Encode linear light (0–1, values outside are clipped) with the sRGB transfer curve.

    A float gives a float; an array or a sequence gives a float64 array of the same shape.
    """
    arr = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)
    out = np.where(arr <= 0.0031308, 12.92 * arr, 1.055 * np.power(arr, 1 / 2.4) - 0.055)
    if isinstance(values, (int, float)):
        return float(out)
    return out


def kelvin_to_srgb_hex(kelvin: float, white_balance_k: float = 6504.0) -> str:
    """'#rrggbb' swatch of a light at `kelvin` under `white_balance_k` (both kelvin).

    The brightest channel is scaled to 1 before encoding, so the swatch shows the hue at full
    brightness (a diagram or UI colour, not an exposure).
    """
    rgb = kelvin_to_linear_rgb(kelvin, white_balance_k)
    peak = max(rgb)
    encoded = linear_to_srgb([c / peak for c in rgb])
    return "#" + "".join(f"{round(float(c) * 255):02x}" for c in encoded)


def mired(kelvin: float) -> float:
    """Micro reciprocal degrees: 1e6 / kelvin. Gels and mixing add linearly in mireds."""
    return 1e6 / _check_kelvin(kelvin)


def kelvin_from_mired(m: float) -> float:
    """Kelvin from mireds (1e6 / m); `m` must be positive."""
    if not math.isfinite(m) or m <= 0:
        raise ValueError(f"a mired value is a positive number; got {m!r}")
    return 1e6 / m


def mix_kelvin(kelvins: Sequence[float], weights: Sequence[float]) -> float:
    """The colour temperature (kelvin) of several lights mixed: the weighted mean in mireds.

    `weights` are the lights' shares (e.g. lux on the subject); they need not sum to 1 but must
    be non-negative with a positive sum, one per kelvin.
    """
    if len(kelvins) != len(weights) or not kelvins:
        raise ValueError(
            "mix_kelvin needs one weight per colour temperature; "
            f"got {len(kelvins)} and {len(weights)}"
        )
    if any(not math.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError(f"weights are non-negative with a positive sum; got {list(weights)!r}")
    total = sum(weights)
    m = sum(mired(k) * w for k, w in zip(kelvins, weights, strict=True)) / total
    return kelvin_from_mired(m)
