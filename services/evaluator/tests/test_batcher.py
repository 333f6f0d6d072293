"""Micro-batching: concurrent calls share a batch; failures reach the right callers."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from evaluator_testkit import noise, png

from prolight_evaluator.batcher import MicroBatcher
from prolight_evaluator.errors import UnsupportedImage
from prolight_evaluator.models import Models
from prolight_evaluator.scoring import Prepared, ScoreInput, Scorer


class CountingScorer(Scorer):
    """Records the size of every batch; fails a batch when told to."""

    def __init__(self, models: Models) -> None:
        super().__init__(models)
        self.sizes: list[int] = []
        self.fail = False

    def score(self, batch: Sequence[Prepared]) -> list[dict[str, Any]]:
        self.sizes.append(len(batch))
        if self.fail:
            raise RuntimeError("CUDA error: device-side assert")
        return super().score(batch)


def item(seed: int) -> ScoreInput:
    image = png(noise(32, 32, seed))
    return ScoreInput(image=image, reference=image, identity={"artifact_id": f"a{seed}"})


async def test_concurrent_calls_within_the_window_share_one_batch(tiny_models: Models) -> None:
    scorer = CountingScorer(tiny_models)
    async with MicroBatcher(scorer, max_items=8, window_s=5.0) as batcher:
        results = await asyncio.wait_for(
            asyncio.gather(*(batcher.score(item(s)) for s in range(8))), 30
        )
    assert scorer.sizes == [8]  # full before the (long) window ran out
    assert [r["artifact_id"] for r in results] == [f"a{s}" for s in range(8)]
    assert batcher.batches == 1
    assert batcher.images == 8


async def test_batches_hold_at_most_max_items(tiny_models: Models) -> None:
    scorer = CountingScorer(tiny_models)
    async with MicroBatcher(scorer, max_items=3, window_s=5.0) as batcher:
        await asyncio.wait_for(asyncio.gather(*(batcher.score(item(s)) for s in range(7))), 30)
    assert sum(scorer.sizes) == 7
    assert max(scorer.sizes) == 3


async def test_a_lone_call_is_scored_when_the_window_ends(tiny_models: Models) -> None:
    scorer = CountingScorer(tiny_models)
    async with MicroBatcher(scorer, max_items=64, window_s=0.01) as batcher:
        result = await asyncio.wait_for(batcher.score(item(1)), 30)
    assert result["ssim"] == 1.0
    assert scorer.sizes == [1]


async def test_a_bad_image_fails_only_its_own_call(tiny_models: Models) -> None:
    scorer = CountingScorer(tiny_models)
    bad = ScoreInput(image=b"GIF89a not really")
    async with MicroBatcher(scorer, max_items=3, window_s=5.0) as batcher:
        outcomes = await asyncio.wait_for(
            asyncio.gather(
                batcher.score(item(1)),
                batcher.score(bad),
                batcher.score(item(2)),
                batcher.score(item(3)),
                return_exceptions=True,
            ),
            30,
        )
    assert isinstance(outcomes[1], UnsupportedImage)
    assert [o["artifact_id"] for o in outcomes if isinstance(o, dict)] == ["a1", "a2", "a3"]
    assert scorer.sizes == [3]


async def test_a_failed_batch_fails_every_call_in_it(tiny_models: Models) -> None:
    scorer = CountingScorer(tiny_models)
    scorer.fail = True
    async with MicroBatcher(scorer, max_items=2, window_s=5.0) as batcher:
        outcomes = await asyncio.wait_for(
            asyncio.gather(batcher.score(item(1)), batcher.score(item(2)), return_exceptions=True),
            30,
        )
        assert all(isinstance(o, RuntimeError) for o in outcomes)
        scorer.fail = False  # and the batcher goes on working
        assert (await asyncio.wait_for(batcher.score(item(3)), 30))["ssim"] == 1.0


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="max_items"):
        MicroBatcher(Scorer.__new__(Scorer), max_items=0, window_s=0.1)
