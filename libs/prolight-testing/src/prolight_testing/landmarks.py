"""Reading a lighting pattern off a render of the key light alone (the renderers' tests)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["cheek_profile"]


def cheek_profile(
    x: NDArray[np.floating],
    y: NDArray[np.floating],
    key: NDArray[np.floating],
    lit: float,
    y_lo: float,
    y_hi: float,
) -> list[float]:
    """Median key light (as a share of `lit`, the lit cheek's) of the skin samples at `x`, `y`
    (subject frame, metres) in the band `y_lo`–`y_hi`, in 10 mm columns from x = -65 to
    +65 mm; NaN where a column has none."""
    band = (y > y_lo) & (y < y_hi)
    out = []
    for x0 in np.arange(-0.065, 0.066, 0.01):
        m = band & (x >= x0) & (x < x0 + 0.01)
        out.append(float(np.median(key[m]) / lit) if m.any() else float("nan"))
    return out
