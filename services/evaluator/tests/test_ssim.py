"""SSIM on known inputs."""

from __future__ import annotations

import pytest
import torch

from prolight_evaluator.ssim import ssim


def test_identical_images_score_exactly_one() -> None:
    x = torch.rand(3, 3, 40, 32, generator=torch.Generator().manual_seed(1))
    assert ssim(x, x.clone()).tolist() == [1.0, 1.0, 1.0]


def test_noise_lowers_it_and_more_noise_lowers_it_more() -> None:
    g = torch.Generator().manual_seed(2)
    x = torch.rand(1, 3, 48, 48, generator=g)
    noise = torch.randn(1, 3, 48, 48, generator=g)
    little = ssim(x, (x + 0.02 * noise).clamp(0, 1)).item()
    lots = ssim(x, (x + 0.2 * noise).clamp(0, 1)).item()
    assert 1.0 > little > lots > 0.0


def test_it_is_symmetric_and_each_pair_is_scored_on_its_own() -> None:
    g = torch.Generator().manual_seed(3)
    x, y = torch.rand(2, 3, 24, 24, generator=g), torch.rand(2, 3, 24, 24, generator=g)
    both = ssim(x, y)
    assert both.tolist() == pytest.approx(ssim(y, x).tolist(), abs=1e-6)
    assert both[1].item() == pytest.approx(ssim(x[1:], y[1:]).item(), abs=1e-6)


def test_images_smaller_than_the_window_still_score() -> None:
    x = torch.rand(1, 3, 6, 9, generator=torch.Generator().manual_seed(4))
    assert ssim(x, x).item() == 1.0


def test_shapes_must_match() -> None:
    with pytest.raises(ValueError, match="equal shapes"):
        ssim(torch.zeros(1, 3, 8, 8), torch.zeros(1, 3, 8, 9))


def test_large_images_are_averaged_down_first_as_in_the_reference_implementation() -> None:
    g = torch.Generator().manual_seed(5)
    x, y = torch.rand(1, 3, 640, 512, generator=g), torch.rand(1, 3, 640, 512, generator=g)
    pooled = ssim(torch.nn.functional.avg_pool2d(x, 2), torch.nn.functional.avg_pool2d(y, 2))
    assert ssim(x, y).item() == pytest.approx(pooled.item(), abs=1e-6)
    assert ssim(x, x).item() == 1.0
