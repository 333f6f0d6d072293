"""The lighting metrics and the score, on synthetic pixels and on real renders."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from prolight.presets import get_preset
from prolight.render import render
from prolight.schema import FiboPrompt, LightingSetup, Role
from prolight_evaluator.metrics import (
    WEIGHTS,
    colour_cast,
    combine,
    exposure,
    lighting_metrics,
    ratio,
)


def pixels(*rows: tuple[int, int, int]) -> np.ndarray:
    return np.array(rows, dtype=np.uint8)


def test_exposure_counts_clipped_and_crushed_pixels_in_percent() -> None:
    p = pixels((255, 100, 100), (0, 0, 0), (128, 128, 128), (128, 128, 128))
    e = exposure(p)
    assert e["clipped_pct"] == 25.0
    assert e["crushed_pct"] == 25.0
    assert e["channels"]["r"]["clipped_pct"] == 25.0
    assert e["channels"]["g"]["clipped_pct"] == 0.0
    assert e["score"] == 0.0  # 25 % clipped alone is past the 10 % budget
    assert exposure(pixels((128, 128, 128)))["score"] == 1.0


@pytest.mark.parametrize(
    ("measured", "requested", "score"),
    [
        pytest.param(2.0, 2.0, 1.0, id="exact"),
        pytest.param(2.5, 2.0, 0.5, id="half-a-stop"),
        pytest.param(1.0, 2.0, 0.2, id="one-stop"),
        pytest.param(None, None, 1.0, id="both-unbounded"),
    ],
)
def test_ratio_score(measured: float | None, requested: float | None, score: float) -> None:
    result = ratio(measured, requested)
    assert result is not None
    assert result["score"] == pytest.approx(score)


def test_ratio_without_a_measurement_is_left_out() -> None:
    assert ratio(None, 2.0) is None


def test_combine_is_the_weighted_mean_of_what_is_present() -> None:
    assert combine(
        {"exposure": {"score": 1.0}, "ratio": {"score": 0.0}, "colour": {"score": 1.0}}
    ) == (pytest.approx(0.5))
    assert combine({"exposure": {"score": 0.5}, "ratio": None, "colour": {"score": 1.0}}) == (
        pytest.approx((0.3 * 0.5 + 0.2) / 0.5)
    )
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)


def with_key_kelvin(setup: LightingSetup, kelvin: float) -> LightingSetup:
    lights = dict(setup.lighting)
    lights[Role.KEY] = lights[Role.KEY].model_copy(update={"kelvin": kelvin})
    return setup.model_copy(update={"lighting": lights})


def test_a_render_scores_high_against_its_own_request() -> None:
    prompt = FiboPrompt(scene=get_preset("high_key").setup)
    result = render(prompt, 1, 96, 120)
    metrics = lighting_metrics(
        result.png, prompt.scene, prompt.scene, result.report.measured_ratio_stops
    )
    assert metrics["components"]["ratio"]["error_stops"] < 0.3
    assert metrics["final"] > 0.8


def test_a_key_rendered_far_warmer_than_asked_reads_as_a_cast() -> None:
    asked = get_preset("loop").setup  # the key dominates the bright pixels here
    warm = with_key_kelvin(asked, 2800)
    rendered = render(FiboPrompt(scene=warm), 1, 96, 120).png
    with Image.open(io.BytesIO(rendered)) as im:
        px = np.asarray(im.convert("RGB")).reshape(-1, 3)
    matched = colour_cast(px, warm)
    mismatched = colour_cast(px, asked)
    assert matched is not None
    assert mismatched is not None
    assert mismatched["cast"] > matched["cast"] + 0.2
    assert mismatched["warm_shift"] > 0
    assert mismatched["score"] < matched["score"]


def with_fill_intensity(setup: LightingSetup, factor: float) -> LightingSetup:
    lights = dict(setup.lighting)
    fill = lights[Role.FILL]
    lights[Role.FILL] = fill.model_copy(update={"intensity": fill.intensity * factor})
    return setup.model_copy(update={"lighting": lights})


def test_a_darker_fill_raises_the_measured_ratio() -> None:
    asked = get_preset("loop").setup
    measured = []
    for factor in (1.0, 0.5, 0.25):
        setup = with_fill_intensity(asked, factor)
        result = render(FiboPrompt(scene=setup), 1, 96, 120)
        metrics = lighting_metrics(result.png, asked, setup, result.report.measured_ratio_stops)
        measured.append(metrics["components"]["ratio"]["measured_stops"])
    assert measured[0] + 0.2 < measured[1] < measured[2] - 0.2
