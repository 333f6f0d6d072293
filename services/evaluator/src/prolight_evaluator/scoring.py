"""Scoring a batch of images: the one code path behind the bus worker and the /eval endpoints.

Two stages, so that the expensive parts run where they belong:

1. `prepare(item, models)` — per image, in a decode thread: decode the bytes (and the
   reference's, resampled to the image's size when they differ), measure the lighting
   (`metrics.lighting_from_pixels`: against the setups when given, else the colour against
   the reference), and build CLIP's input tensor.
2. `Scorer.score(prepared)` — per batch, in the one inference thread: CLIP on every image
   at once, SSIM and LPIPS on the image/reference pairs (grouped by size), then each image's
   ensemble (`ensemble.combine_scores`).

An image's result: its identity keys (`url`, `artifact_id`, `index`, `seed`, `filename`,
`sha256`, as given), `clip` (cosine similarity to the caption), `lpips` (distance to the
reference), `ssim` (to the reference) — each None when unavailable — `lighting` (the
components, unchanged from `metrics.lighting_metrics`, plus their weights), `scores` (each
available metric in [0, 1]), `weights` (the renormalised weights used), `available`,
`unavailable` (metric → reason), `caption`, and `final`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch import Tensor

from prolight.domain.schema import LightingSetup
from prolight_evaluator.decode import decode_rgb, resize_rgb
from prolight_evaluator.ensemble import DEFAULT_WEIGHTS, METRICS, combine_scores, metric_score
from prolight_evaluator.metrics import combine, lighting_from_pixels
from prolight_evaluator.models import Models, Unavailable
from prolight_evaluator.ssim import ssim

__all__ = ["NO_REFERENCE", "Prepared", "ScoreInput", "Scorer", "prepare"]

NO_REFERENCE = "no reference image to compare with"
"""Why SSIM and LPIPS are unavailable for an image scored without a reference."""
_NO_CAPTION = "no prompt or text to compare with"

U8 = NDArray[np.uint8]


@dataclass(frozen=True)
class ScoreInput:
    """One image to score and what it is judged against.

    `requested` is the setup the user asked for (the ratio target), `rendered` the one the
    image was made from (its key sets the expected colour; default `requested`). `caption` is
    CLIP's text; `reference` the baseline or reference image for SSIM and LPIPS. `metrics`
    limits the work to a subset of `ensemble.METRICS`. `identity` is copied into the result.
    """

    image: bytes
    requested: LightingSetup | None = None
    rendered: LightingSetup | None = None
    measured_ratio_stops: float | None = None
    caption: str | None = None
    reference: bytes | None = None
    metrics: frozenset[str] = frozenset(METRICS)
    identity: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Prepared:
    """A `ScoreInput` after stage 1 (module doc)."""

    item: ScoreInput
    pixels: U8
    lighting: dict[str, Any] | None
    clip_input: Tensor | None
    reference: U8 | None


def prepare(item: ScoreInput, models: Models) -> Prepared:
    """Stage 1 (module doc). Raises `ImageRejected` for an image or reference that is unusable."""
    pixels = decode_rgb(item.image)
    rendered = item.rendered or item.requested
    lighting = "lighting" in item.metrics
    pairs = bool(item.metrics & {"lpips", "ssim"})
    reference = None
    if item.reference is not None and (pairs or (lighting and rendered is None)):
        height, width = pixels.shape[:2]
        reference = resize_rgb(decode_rgb(item.reference), width, height)
    measured = None
    if lighting:
        measured = lighting_from_pixels(
            pixels, item.requested, rendered, item.measured_ratio_stops, reference
        )
    clip_input = None
    if "clip" in item.metrics and item.caption and not isinstance(models.clip, Unavailable):
        clip_input = models.clip.prepare(pixels)
    return Prepared(item, pixels, measured, clip_input, reference if pairs else None)


def _to_unit(pixels: Sequence[U8], device: torch.device) -> Tensor:
    # Move the 8-bit pixels (a quarter of the bytes) and convert on the device.
    stacked = torch.from_numpy(np.stack(pixels)).to(device, non_blocking=True)
    return stacked.permute(0, 3, 1, 2).float().div_(255.0)


class Scorer:
    """Stage 2 (module doc) with the process' models and ensemble weights."""

    def __init__(self, models: Models, weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> None:
        self.models = models
        self.weights = dict(weights)

    def score(self, batch: Sequence[Prepared]) -> list[dict[str, Any]]:
        """The result of every prepared image, in order (module doc)."""
        clip = self._clip(batch)
        pairs = self._pairs(batch)
        return [
            self._result(p, clip.get(i), *pairs.get(i, (None, None))) for i, p in enumerate(batch)
        ]

    def _clip(self, batch: Sequence[Prepared]) -> dict[int, float]:
        model = self.models.clip
        todo = [i for i, p in enumerate(batch) if p.clip_input is not None]
        if isinstance(model, Unavailable) or not todo:
            return {}
        images = torch.stack([batch[i].clip_input for i in todo])  # type: ignore[misc]
        captions = [batch[i].item.caption or "" for i in todo]
        return dict(zip(todo, model.similarity(images, captions), strict=True))

    def _pairs(self, batch: Sequence[Prepared]) -> dict[int, tuple[float | None, float | None]]:
        """index → (ssim, lpips) of the images with a reference, batched by image size."""
        groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for i, p in enumerate(batch):
            if p.reference is not None:
                groups[p.pixels.shape].append(i)
        out: dict[int, tuple[float | None, float | None]] = {}
        device = self.models.placement.device
        lpips = self.models.lpips
        for members in groups.values():
            x = _to_unit([batch[i].pixels for i in members], device)
            y = _to_unit([batch[i].reference for i in members], device)  # type: ignore[misc]
            s: list[float] | None = None
            if any("ssim" in batch[i].item.metrics for i in members):
                with torch.inference_mode():
                    s = [float(v) for v in ssim(x, y).cpu()]
            want_lpips = [i for i in members if "lpips" in batch[i].item.metrics]
            d = lpips.distance(x, y) if want_lpips and not isinstance(lpips, Unavailable) else None
            for k, i in enumerate(members):
                wants = batch[i].item.metrics
                out[i] = (
                    s[k] if s is not None and "ssim" in wants else None,
                    d[k] if d is not None and "lpips" in wants else None,
                )
        return out

    def _reason(self, metric: str, p: Prepared) -> str:
        model = {"clip": self.models.clip, "lpips": self.models.lpips}.get(metric)
        if isinstance(model, Unavailable):
            return model.reason
        if metric == "clip":
            return _NO_CAPTION
        return NO_REFERENCE

    def _result(
        self, p: Prepared, clip: float | None, ssim_value: float | None, lpips_value: float | None
    ) -> dict[str, Any]:
        raw: dict[str, float | None] = {"clip": clip, "lpips": lpips_value, "ssim": ssim_value}
        scores = {m: metric_score(m, v) for m, v in raw.items() if v is not None}
        result: dict[str, Any] = {**p.item.identity, **raw}
        if p.lighting is not None:
            components = p.lighting["components"]
            result["lighting"] = {**components, "weights": p.lighting["weights"]}
            scores = {"lighting": combine(components), **scores}
        wanted = [m for m in METRICS if m in p.item.metrics]
        final, weights = combine_scores(scores, self.weights)
        result.update(
            {
                "scores": {m: round(scores[m], 6) for m in wanted if m in scores},
                "weights": weights,
                "available": [m for m in wanted if m in scores],
                "unavailable": {m: self._reason(m, p) for m in wanted if m not in scores},
                "caption": p.item.caption,
                "final": final,
            }
        )
        return result
