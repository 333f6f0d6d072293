"""Our SSIM against scikit-image's `structural_similarity`, the reference implementation.

The reference is called with the parameters `prolight_evaluator.ssim` documents (`REFERENCE`):

- Gaussian window, σ = 1.5 px, 11 taps (scikit-image derives the size from σ and `truncate`:
  2·int(3.5·1.5 + 0.5) + 1 = 11, so `win_size=11` only restates it);
- population covariance (`use_sample_covariance=False`, Wang et al. 2004), not scikit-image's
  default sample covariance;
- K1 = 0.01, K2 = 0.03 on `data_range=1.0` (images in [0, 1]);
- colour: SSIM of each channel, averaged (`channel_axis=-1`); grey: one channel;
- scikit-image filters the whole image and crops the 5 px border, which leaves exactly the
  windows our unpadded convolution computes.

Our averaging-down of large images (ssim.m's step, not part of scikit-image's function) is
applied to the reference's input by a numpy block mean. Images smaller than the window are
not compared: with Gaussian weights scikit-image refuses any side under 11 px.

Tolerance, `TOLERANCE = 5e-5` absolute: the reference runs in float64, ours in float32 (on
purpose, see ssim.py). The float32 rounding that matters is in σ² = E[x²] − μ², a
difference of numbers ≤ 1 that carries an error of a few 1e-8 and is then divided by
C2 = 9e-4; measured on the pairs below it moves the mean index by at most 1.8e-5 (flat
fields and a darkened grey image), 0 for identical images. 5e-5 leaves ~3× room for other
CPUs' rounding and is still at least ten times smaller than the change any neighbouring
parameter choice makes (`test_the_tolerance_tells_the_parameters_apart`): a wrong σ,
constant, window, data range or covariance cannot pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from numpy.typing import NDArray
from scipy.ndimage import gaussian_filter
from skimage.metrics import structural_similarity

from prolight_evaluator.ssim import DOWNSAMPLE_SIDE, SIGMA, WINDOW, ssim

TOLERANCE = 5e-5

REFERENCE: dict[str, Any] = {
    "gaussian_weights": True,
    "sigma": SIGMA,
    "win_size": WINDOW,
    "use_sample_covariance": False,
    "data_range": 1.0,
    "K1": 0.01,
    "K2": 0.03,
}

Image = NDArray[np.float64]
"""(H, W, C) colour or (H, W) grey, values in [0, 1]."""


def scene(h: int, w: int, channels: int | None, seed: int) -> Image:
    """A photo-like test image: smooth blobs of texture over a left-to-right gradient."""
    rng = np.random.default_rng(seed)
    texture = gaussian_filter(rng.random((h, w, channels or 1)), (3.0, 3.0, 0.0)) * 3 - 1.0
    image = np.clip(texture + np.linspace(0.0, 0.6, w)[None, :, None], 0.0, 1.0)
    return image if channels else image[:, :, 0]


def noisy(x: Image, amount: float, seed: int) -> Image:
    return np.clip(x + amount * np.random.default_rng(seed).standard_normal(x.shape), 0.0, 1.0)


def blurred(x: Image, sigma: float) -> Image:
    return gaussian_filter(x, (sigma, sigma) if x.ndim == 2 else (sigma, sigma, 0.0))


def as_tensor(x: Image) -> torch.Tensor:
    """(H, W[, C]) numpy → (1, C, H, W) torch, as scoring.py hands images to `ssim`."""
    t = torch.from_numpy(x)
    return (t[None, None] if x.ndim == 2 else t.permute(2, 0, 1)[None]).float()


def reference(x: Image, y: Image, **overrides: Any) -> float:
    """scikit-image's SSIM of what ours sees: the same float32 pixels, averaged down alike."""
    x32, y32 = (as_tensor(i)[0].permute(1, 2, 0).double().numpy() for i in (x, y))
    f = max(1, round(min(x.shape[:2]) / DOWNSAMPLE_SIDE))
    x32, y32 = block_mean(x32, f), block_mean(y32, f)
    return float(structural_similarity(x32, y32, channel_axis=-1, **{**REFERENCE, **overrides}))


def block_mean(x: Image, f: int) -> Image:
    """Mean of each f×f block (the trailing partial blocks dropped), per channel."""
    h, w, c = x.shape[0] // f, x.shape[1] // f, x.shape[2]
    return x[: h * f, : w * f].reshape(h, f, w, f, c).mean(axis=(1, 3))


COLOUR = scene(96, 80, 3, seed=1)
GREY = scene(96, 80, None, seed=2)

PAIRS = [
    pytest.param(COLOUR, noisy(COLOUR, 0.05, 3), id="colour-light-noise"),
    pytest.param(COLOUR, noisy(COLOUR, 0.3, 4), id="colour-heavy-noise"),
    pytest.param(COLOUR, blurred(COLOUR, 2.0), id="colour-blur"),
    pytest.param(COLOUR, np.clip(COLOUR + 0.1, 0, 1), id="colour-brighter"),
    pytest.param(COLOUR, np.clip(COLOUR * 0.6, 0, 1), id="colour-darker-less-contrast"),
    pytest.param(COLOUR, COLOUR.copy(), id="colour-identical"),
    pytest.param(GREY, noisy(GREY, 0.05, 5), id="grey-noise"),
    pytest.param(GREY, blurred(GREY, 1.0), id="grey-blur"),
    pytest.param(GREY, np.clip(GREY - 0.1, 0, 1), id="grey-darker"),
    pytest.param(GREY, GREY.copy(), id="grey-identical"),
    pytest.param(
        np.full((32, 32, 3), 0.2), np.full((32, 32, 3), 0.7), id="flat-fields-of-two-levels"
    ),
    pytest.param(scene(11, 15, 3, seed=6), scene(11, 15, 3, seed=7), id="one-window-high"),
    pytest.param(
        scene(640, 512, 3, seed=8),
        noisy(scene(640, 512, 3, seed=8), 0.1, 9),
        id="640x512-averaged-down-by-2",
    ),
]


@pytest.mark.parametrize(("x", "y"), PAIRS)
def test_it_agrees_with_scikit_image(x: Image, y: Image) -> None:
    assert ssim(as_tensor(x), as_tensor(y)).item() == pytest.approx(reference(x, y), abs=TOLERANCE)


def test_a_batch_agrees_pair_by_pair() -> None:
    ys = [noisy(COLOUR, 0.1, 10), blurred(COLOUR, 1.5), np.clip(COLOUR + 0.2, 0, 1)]
    batch = ssim(torch.cat([as_tensor(COLOUR)] * 3), torch.cat([as_tensor(y) for y in ys]))
    expected = [reference(COLOUR, y) for y in ys]
    assert batch.tolist() == pytest.approx(expected, abs=TOLERANCE)


@pytest.mark.parametrize(
    "other",
    [
        pytest.param({"sigma": 1.0}, id="sigma-1.0"),
        pytest.param({"use_sample_covariance": True}, id="sample-covariance"),
        pytest.param({"gaussian_weights": False, "win_size": 7}, id="uniform-7x7"),
        pytest.param({"K2": 0.05}, id="K2-0.05"),
        pytest.param({"data_range": 2.0}, id="data-range-2"),
    ],
)
def test_the_tolerance_tells_the_parameters_apart(other: dict[str, Any]) -> None:
    x, y = COLOUR, noisy(COLOUR, 0.05, 3)
    ours = ssim(as_tensor(x), as_tensor(y)).item()
    assert abs(ours - reference(x, y, **other)) > 10 * TOLERANCE
