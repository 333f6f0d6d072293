"""Scoring: batched equals one at a time, unavailable metrics are reported, not invented."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from evaluator_testkit import TinyWeights, noise, png

from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight_evaluator.caption import caption
from prolight_evaluator.metrics import lighting_metrics
from prolight_evaluator.models import Models, load_models
from prolight_evaluator.scoring import NO_REFERENCE, ScoreInput, Scorer, prepare

BATCH_TOLERANCE = 1e-5
"""Batched and one-at-a-time raw scores agree to this (fp32 on the CPU: different kernels)."""


@cache
def candidates() -> tuple[ScoreInput, ...]:
    """Renders of three presets at two sizes, with and without a reference."""
    items = []
    for k, (preset, size) in enumerate(
        [("rembrandt", (96, 120)), ("loop", (96, 120)), ("high_key", (64, 80)), ("loop", (64, 80))]
    ):
        prompt = FiboPrompt(scene=get_preset(preset).setup)
        rendered = render(prompt, k, *size)
        reference = render(prompt, 99, *size).png if k != 3 else None
        items.append(
            ScoreInput(
                image=rendered.png,
                requested=prompt.scene,
                measured_ratio_stops=rendered.report.measured_ratio_stops,
                caption=caption(prompt.scene),
                reference=reference,
                identity={"artifact_id": f"a{k}"},
            )
        )
    return tuple(items)


def test_batched_scores_equal_one_at_a_time_scores(tiny_models: Models) -> None:
    scorer = Scorer(tiny_models)
    items = candidates()
    batched = scorer.score([prepare(i, tiny_models) for i in items])
    single = [scorer.score([prepare(i, tiny_models)])[0] for i in items]
    for b, s in zip(batched, single, strict=True):
        assert b["available"] == s["available"]
        for metric in ("clip", "lpips", "ssim"):
            if s[metric] is None:
                assert b[metric] is None
            else:
                assert b[metric] == pytest.approx(s[metric], abs=BATCH_TOLERANCE)
        assert b["final"] == pytest.approx(s["final"], abs=2e-4)  # final has 4 decimals
        assert b["lighting"] == s["lighting"]
    assert batched[0]["available"] == ["lighting", "clip", "lpips", "ssim"]
    assert batched[3]["unavailable"] == {"lpips": NO_REFERENCE, "ssim": NO_REFERENCE}


def test_the_lighting_result_keeps_its_shape_and_meaning(tiny_models: Models) -> None:
    item = candidates()[0]
    result = Scorer(tiny_models).score([prepare(item, tiny_models)])[0]
    assert item.requested is not None
    own = lighting_metrics(item.image, item.requested, item.requested, item.measured_ratio_stops)
    assert result["lighting"] == {**own["components"], "weights": own["weights"]}
    assert result["scores"]["lighting"] == own["final"]
    assert result["artifact_id"] == "a0"
    assert set(result) >= {"clip", "lpips", "ssim", "lighting", "final", "weights", "available"}


def test_an_image_against_itself_has_ssim_one_and_lpips_zero(tiny_models: Models) -> None:
    image = png(noise(48, 40, seed=7))
    item = ScoreInput(image=image, reference=image, metrics=frozenset({"ssim", "lpips"}))
    result = Scorer(tiny_models).score([prepare(item, tiny_models)])[0]
    assert result["ssim"] == 1.0
    assert result["lpips"] == 0.0
    assert result["final"] == 1.0


def test_a_reference_of_another_size_is_resampled_to_the_image(tiny_models: Models) -> None:
    pixels = noise(48, 40, seed=7)
    twice = pixels.repeat(2, axis=0).repeat(2, axis=1)  # the same picture at 80×96
    item = ScoreInput(image=png(pixels), reference=png(twice), metrics=frozenset({"ssim"}))
    result = Scorer(tiny_models).score([prepare(item, tiny_models)])[0]
    assert 0.5 < result["ssim"] < 1.0


def test_missing_weights_are_reported_unavailable_and_left_out() -> None:
    bare = load_models(
        TinyWeights(Path(), Path(), Path()).settings(
            evaluator_clip_checkpoint=None,
            evaluator_clip_config=None,
            evaluator_lpips_backbone=None,
        )
    )
    item = candidates()[0]
    result = Scorer(bare).score([prepare(item, bare)])[0]
    assert result["clip"] is None
    assert result["lpips"] is None
    assert "PROLIGHT_EVALUATOR_CLIP_CHECKPOINT" in result["unavailable"]["clip"]
    assert "PROLIGHT_EVALUATOR_LPIPS_BACKBONE" in result["unavailable"]["lpips"]
    assert result["available"] == ["lighting", "ssim"]
    assert result["weights"] == pytest.approx({"lighting": 0.8, "ssim": 0.2})
    expected = round(0.8 * result["scores"]["lighting"] + 0.2 * result["scores"]["ssim"], 4)
    assert result["final"] == pytest.approx(expected, abs=1e-4)


def test_without_models_or_reference_final_is_the_old_lighting_final() -> None:
    bare = load_models(
        TinyWeights(Path(), Path(), Path()).settings(
            evaluator_clip_checkpoint=None,
            evaluator_clip_config=None,
            evaluator_lpips_backbone=None,
        )
    )
    item = candidates()[3]
    result = Scorer(bare).score([prepare(item, bare)])[0]
    assert item.requested is not None
    own = lighting_metrics(item.image, item.requested, item.requested, item.measured_ratio_stops)
    assert result["final"] == own["final"]
    assert result["available"] == ["lighting"]
