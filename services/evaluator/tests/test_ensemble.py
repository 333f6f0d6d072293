"""The ensemble: per-metric scores, renormalised weights, ranking."""

from __future__ import annotations

import pytest

from prolight_evaluator.ensemble import DEFAULT_WEIGHTS, combine_scores, metric_score, rank


@pytest.mark.parametrize(
    ("metric", "value", "score"),
    [
        pytest.param("clip", 0.2, 0.5, id="clip-cosine-x2.5"),
        pytest.param("clip", 0.6, 1.0, id="clip-capped"),
        pytest.param("clip", -0.1, 0.0, id="clip-negative"),
        pytest.param("lpips", 0.0, 1.0, id="lpips-identical"),
        pytest.param("lpips", 0.25, 0.75, id="lpips"),
        pytest.param("lpips", 3.0, 0.0, id="lpips-capped"),
        pytest.param("ssim", 0.9, 0.9, id="ssim"),
        pytest.param("ssim", -0.2, 0.0, id="ssim-negative"),
    ],
)
def test_metric_scores(metric: str, value: float, score: float) -> None:
    assert metric_score(metric, value) == pytest.approx(score)


def test_default_weights_keep_the_original_clip_to_lpips_proportion() -> None:
    assert sum(DEFAULT_WEIGHTS.values()) == pytest.approx(1.0)
    assert DEFAULT_WEIGHTS["clip"] / DEFAULT_WEIGHTS["lpips"] == pytest.approx(0.6 / 0.4)


def test_unavailable_metrics_are_left_out_and_the_weights_renormalised() -> None:
    final, weights = combine_scores({"lighting": 0.5, "clip": 1.0}, DEFAULT_WEIGHTS)
    assert weights == pytest.approx({"lighting": 0.4 / 0.7, "clip": 0.3 / 0.7})
    assert final == pytest.approx(round((0.4 * 0.5 + 0.3 * 1.0) / 0.7, 4))


def test_with_lighting_alone_final_is_the_lighting_score() -> None:
    assert combine_scores({"lighting": 0.8123}, DEFAULT_WEIGHTS) == (0.8123, {"lighting": 1.0})


def test_nothing_weighted_scores_zero() -> None:
    assert combine_scores({"clip": 1.0}, {"lighting": 1.0}) == (0.0, {})


def test_rank_orders_best_first_and_keeps_ties_in_order() -> None:
    results = [
        {"artifact_id": "a", "final": 0.5},
        {"artifact_id": "b", "final": 0.9},
        {"artifact_id": "c", "final": 0.5},
    ]
    assert rank(results) == [
        {"rank": 1, "artifact_id": "b", "final": 0.9},
        {"rank": 2, "artifact_id": "a", "final": 0.5},
        {"rank": 3, "artifact_id": "c", "final": 0.5},
    ]
