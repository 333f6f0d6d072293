"""The ensemble: each metric as a score in [0, 1], their weighted mean, and the ranking.

    final = Σ wᵢ·scoreᵢ / Σ wᵢ    over the metrics *available* for the image

Default weights (`DEFAULT_WEIGHTS`): lighting 0.4, clip 0.3, lpips 0.2, ssim 0.1 — the original
README's 0.6·clip + 0.4·(1 − lpips_norm) keeps its 3:2 proportion, and the lighting fidelity,
what ProLight is for, weighs most. A metric that cannot be computed (no weights configured, no
reference image) is *unavailable*: it is listed with its reason and left out, the remaining
weights renormalised — never replaced by a made-up number. With CLIP and LPIPS unconfigured and
no reference, `final` is exactly the lighting score.

What the renormalisation gives with the default weights, by what is available:

    clip + lpips                  0.6·clip + 0.4·lpips          (the original README's formula)
    lighting + clip               (4·lighting + 3·clip) / 7     (a prompt, no reference image)
    lighting + lpips              (2·lighting + 1·lpips) / 3    (a reference image, no prompt)
    lighting + clip + lpips       (4·lighting + 3·clip + 2·lpips) / 9
    lighting + clip + lpips + ssim  0.4·lighting + 0.3·clip + 0.2·lpips + 0.1·ssim

where each name is the metric's score below (`lpips` = 1 − lpips_norm).

Scores:
- lighting: `metrics.combine` of the lighting components, already in [0, 1].
- clip: CLIPScore's rescaling of the cosine similarity (Hessel et al. 2021, w = 2.5):
  `clamp(2.5·cos, 0, 1)`; a cosine of 0.4 or more scores 1.
- lpips: `1 − lpips_norm`, `lpips_norm = min(distance / LPIPS_SCALE, 1)`.
- ssim: `clamp(ssim, 0, 1)`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "CLIP_SCALE",
    "DEFAULT_WEIGHTS",
    "LPIPS_SCALE",
    "METRICS",
    "combine_scores",
    "metric_score",
    "rank",
]

METRICS = ("lighting", "clip", "lpips", "ssim")
"""Every metric the evaluator knows, in report order."""

DEFAULT_WEIGHTS: Mapping[str, float] = {"lighting": 0.4, "clip": 0.3, "lpips": 0.2, "ssim": 0.1}
"""Weight of each metric in `final` before renormalisation (module doc)."""

CLIP_SCALE = 2.5
"""CLIPScore's w: cosine similarity × this, clamped to [0, 1]."""

LPIPS_SCALE = 1.0
"""LPIPS distance that normalises to 1 (scores 0); AlexNet-LPIPS rarely exceeds it."""


def _clamp(x: float) -> float:
    return min(1.0, max(0.0, x))


def metric_score(metric: str, value: float) -> float:
    """The [0, 1] score (1 = best) of a metric's raw value (module doc)."""
    if metric == "clip":
        return _clamp(CLIP_SCALE * value)
    if metric == "lpips":
        return 1.0 - _clamp(value / LPIPS_SCALE)
    if metric in ("ssim", "lighting"):
        return _clamp(value)
    raise ValueError(f"unknown metric {metric!r}")


def combine_scores(
    scores: Mapping[str, float], weights: Mapping[str, float]
) -> tuple[float, dict[str, float]]:
    """`(final, renormalised weights)` over the metrics present in `scores` (module doc).

    `final` is rounded to 4 decimals; 0.0 when no weighted metric is present.
    """
    used = {m: weights.get(m, 0.0) for m in METRICS if m in scores and weights.get(m, 0.0) > 0}
    total = sum(used.values())
    if total <= 0:
        return 0.0, {}
    norm = {m: w / total for m, w in used.items()}
    return round(sum(norm[m] * scores[m] for m in norm), 4), norm


def rank(results: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The results ordered best first by `final` (ties keep input order), with `rank` from 1.

    Each entry keeps the image's identity keys (`url`, `artifact_id`, `filename`, `sha256`,
    `index` where present) and `final`.
    """
    order = sorted(range(len(results)), key=lambda i: -float(results[i]["final"]))
    keys = ("url", "artifact_id", "filename", "sha256", "index")
    return [
        {
            "rank": n + 1,
            **{k: results[i][k] for k in keys if k in results[i]},
            "final": results[i]["final"],
        }
        for n, i in enumerate(order)
    ]
