"""The lighting metrics and the score, on synthetic pixels and on real renders."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt, LightingSetup, Role
from prolight_evaluator.metrics import (
    PASS_SCORE,
    WEIGHTS,
    colour_cast,
    colour_drift,
    combine,
    exposure,
    lighting_from_pixels,
    lighting_metrics,
    ratio,
    saturation,
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
    ("rows", "saturated_pct", "score"),
    [
        pytest.param(
            [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)], 100.0, 0.0, id="vivid"
        ),
        pytest.param([(128, 128, 128), (30, 30, 30), (240, 240, 240)], 0.0, 1.0, id="grey"),
        pytest.param([(224, 172, 140), (120, 90, 70), (90, 110, 140)], 0.0, 1.0, id="natural"),
        pytest.param([(20, 0, 0), (10, 0, 20), (128, 128, 128)], 0.0, 1.0, id="dark-is-not-judged"),
        pytest.param([(250, 10, 10)] + [(128, 128, 128)] * 9, 10.0, 0.5, id="tenth-vivid"),
    ],
)
def test_saturation_counts_over_saturated_pixels_in_percent(
    rows: list[tuple[int, int, int]], saturated_pct: float, score: float
) -> None:
    result = saturation(pixels(*rows))
    assert result["saturated_pct"] == pytest.approx(saturated_pct)
    assert result["score"] == pytest.approx(score)


def test_the_checks_pass_or_fail_at_half_their_budget() -> None:
    vivid = np.tile(pixels((255, 0, 0), (0, 0, 255)), (50, 1))
    grey = np.full((100, 3), 128, dtype=np.uint8)
    for image, passes in ((vivid, False), (grey, True)):
        checks = lighting_from_pixels(image, None, None, None)["components"]
        assert checks["saturation"]["pass"] is passes
        assert checks["saturation"]["pass"] is (checks["saturation"]["score"] >= PASS_SCORE)
        assert checks["ratio"] is None
        assert checks["colour"] is None


def test_colour_drift_against_a_reference_reads_a_warmer_image_as_warm() -> None:
    neutral = np.tile(pixels((200, 200, 200), (100, 100, 100), (150, 150, 150)), (20, 1))
    warm = np.tile(pixels((220, 190, 150), (110, 95, 75), (165, 142, 112)), (20, 1))
    same = colour_drift(neutral, neutral)
    drift = colour_drift(warm, neutral)
    assert same is not None
    assert drift is not None
    assert same["cast"] == pytest.approx(0.0, abs=1e-9)
    assert same["score"] == pytest.approx(1.0)
    assert drift["against"] == "reference"
    assert drift["warm_shift"] > 0.2
    assert drift["score"] < same["score"]
    # Without a setup the lighting checks take the reference for the colour.
    checks = lighting_from_pixels(warm, None, None, None, neutral)["components"]
    assert checks["colour"] == {**drift, "pass": drift["score"] >= PASS_SCORE}


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
        pytest.approx(round((0.25 * 0.5 + 0.2) / 0.45, 4))
    )
    assert combine(
        {"exposure": {"score": 1.0}, "ratio": None, "colour": None, "saturation": {"score": 0.0}}
    ) == pytest.approx(round(0.25 / 0.35, 4))
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
