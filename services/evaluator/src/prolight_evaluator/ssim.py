"""SSIM (Wang et al. 2004) of image pairs, batched, in torch: needs no weights.

As in Wang's reference implementation (ssim.m), both images are first averaged down by
`f = max(1, round(min(H, W) / DOWNSAMPLE_SIDE))` (512×640 → 256×320: the scale at which the
index was calibrated against viewers, and a quarter of the work). Then a Gaussian window
11 px, σ = 1.5 (applied separably), constants K1 = 0.01, K2 = 0.03 on a data range of 1, no
padding (the map covers only full windows), per RGB channel, averaged over the map and the
channels. Always fp32 (cheap, and reduced precision would move the 4th decimal).
Identical images give exactly 1.0.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["DOWNSAMPLE_SIDE", "SIGMA", "WINDOW", "ssim"]

WINDOW = 11
"""Side of the Gaussian window in pixels (smaller images use their smaller odd side)."""
SIGMA = 1.5
"""Standard deviation of the window, pixels."""
DOWNSAMPLE_SIDE = 256
"""Shorter side (pixels) images are averaged down towards before the index is computed."""

_C1 = 0.01**2
_C2 = 0.03**2


def _kernel(size: int, device: torch.device) -> Tensor:
    coords = torch.arange(size, dtype=torch.float32, device=device) - (size - 1) / 2
    g = torch.exp(-(coords**2) / (2 * SIGMA**2))
    return g / g.sum()


def _blur(x: Tensor, size: int) -> Tensor:
    """The Gaussian-weighted local mean of every channel: separable, rows then columns."""
    c = x.shape[1]
    g = _kernel(size, x.device)
    x = torch.nn.functional.conv2d(x, g.view(1, 1, size, 1).expand(c, 1, size, 1), groups=c)
    out: Tensor = torch.nn.functional.conv2d(
        x, g.view(1, 1, 1, size).expand(c, 1, 1, size), groups=c
    )
    return out


def ssim(x: Tensor, y: Tensor) -> Tensor:
    """Mean SSIM of each pair: `x`, `y` are (N, C, H, W) in [0, 1]; returns (N,) fp32."""
    if x.shape != y.shape:
        raise ValueError(f"ssim needs equal shapes, got {tuple(x.shape)} and {tuple(y.shape)}")
    x, y = x.float(), y.float()
    f = max(1, round(min(x.shape[2:]) / DOWNSAMPLE_SIDE))
    if f > 1:
        x = torch.nn.functional.avg_pool2d(x, f)
        y = torch.nn.functional.avg_pool2d(y, f)
    n, _, h, w = x.shape
    size = min(WINDOW, h, w)
    size -= 1 - size % 2  # odd
    filtered = _blur(torch.cat([x, y, x * x, y * y, x * y], dim=0), size)
    mu_x, mu_y, xx, yy, xy = (filtered[k * n : (k + 1) * n] for k in range(5))
    var_x = xx - mu_x * mu_x
    var_y = yy - mu_y * mu_y
    cov = xy - mu_x * mu_y
    num = (2 * mu_x * mu_y + _C1) * (2 * cov + _C2)
    den = (mu_x * mu_x + mu_y * mu_y + _C1) * (var_x + var_y + _C2)
    out: Tensor = (num / den).mean(dim=(1, 2, 3))
    return out
