"""Evaluator instances on a real nats-server: two share one durable without scoring an image
twice, and a batch longer than the ack wait is not redelivered (in-progress acks)."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from prolight.contracts.events import Event, TaskRequested
from prolight.contracts.subjects import EventType, Tool
from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.bus import Bus
from prolight.platform.store import RunRecord, RunStatus
from prolight_evaluator.batcher import MicroBatcher
from prolight_evaluator.models import Models, load_models
from prolight_evaluator.scoring import Prepared, Scorer
from prolight_evaluator.service import evaluate_worker

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services" / "evaluator" / "tests"))
from evaluator_testkit import TinyWeights, build_tiny_weights

pytestmark = pytest.mark.integration

PROMPT = FiboPrompt(scene=get_preset("loop").setup)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[TinyWeights, Models]:
    weights = build_tiny_weights(tmp_path_factory.mktemp("tiny-models"))
    return weights, load_models(weights.settings())


class RecordingScorer(Scorer):
    """Records which artifact each instance scored; can wait for the other instance, or stall."""

    def __init__(
        self,
        models: Models,
        name: str,
        scored: list[tuple[str, str]],
        *,
        meet: threading.Barrier | None = None,
        stall_s: float = 0.0,
    ) -> None:
        super().__init__(models)
        self.name, self.scored, self.meet, self.stall_s = name, scored, meet, stall_s

    def score(self, batch: Sequence[Prepared]) -> list[dict[str, Any]]:
        self.scored.extend((self.name, p.item.identity["artifact_id"]) for p in batch)
        if self.meet is not None:
            self.meet.wait()  # both instances hold work at the same moment, or this times out
            self.meet = None
        if self.stall_s:
            threading.Event().wait(self.stall_s)  # a long batch, on the inference thread
        return super().score(batch)


async def queue_tasks(pipeline: Any, run_id: str, n: int) -> list[str]:
    """A running run with n evaluate tasks on the queue; their task ids."""
    await pipeline.store.create_run(
        RunRecord(run_id=run_id, status=RunStatus.RUNNING, prompt=PROMPT.model_dump(mode="json"))
    )
    task_ids = []
    for i in range(n):
        image = render(PROMPT, i, 64, 80)
        info = await pipeline.blobs.put(image.png, "image/png")
        task_id = f"{run_id}-i1-evaluate-{i}"
        params = {
            "artifact_id": f"{run_id}-art-{i}",
            "sha256": info.key,
            "prompt": PROMPT.model_dump(mode="json"),
            "index": i,
            "seed": i,
            "measured_ratio_stops": image.report.measured_ratio_stops,
        }
        request = TaskRequested(tool=Tool.EVALUATE, task_id=task_id, params=params)
        await pipeline.bus.publish(Event.build(run_id, request))
        task_ids.append(task_id)
    return task_ids


async def collect(bus: Bus, run_id: str, completed: int, timeout: float = 60) -> list[Event]:
    """Every event of the run until `completed` task.completed events arrived."""
    events: list[Event] = []
    async with await bus.feed(run_id, after_sequence=0) as feed:
        while sum(e.type == EventType.TASK_COMPLETED for e in events) < completed:
            events.append(await feed.next(timeout=timeout))
    return events


async def start(stack: AsyncExitStack, pipeline: Any, settings: Any, scorer: Scorer) -> None:
    batcher = await stack.enter_async_context(
        MicroBatcher(scorer, max_items=settings.evaluator_batch_size, window_s=0.05)
    )
    worker = evaluate_worker(pipeline.bus, pipeline.store, pipeline.blobs, settings, batcher)
    await stack.enter_async_context(worker)


@pytest.fixture
async def stack() -> AsyncIterator[AsyncExitStack]:
    async with AsyncExitStack() as s:
        yield s


async def test_two_instances_share_the_work_and_score_each_image_once(
    pipeline: Any, tiny: tuple[TinyWeights, Models], stack: AsyncExitStack
) -> None:
    weights, models = tiny
    scored: list[tuple[str, str]] = []
    meet = threading.Barrier(2, timeout=30)
    for name in ("eval-a", "eval-b"):
        settings = weights.settings(
            instance_id=name, evaluator_batch_size=4, nats_url=pipeline.env["PROLIGHT_NATS_URL"]
        )
        await start(stack, pipeline, settings, RecordingScorer(models, name, scored, meet=meet))
    task_ids = await queue_tasks(pipeline, "share", 12)

    events = await collect(pipeline.bus, "share", completed=12)

    completed = Counter(e.task_id for e in events if e.type == EventType.TASK_COMPLETED)
    assert completed == dict.fromkeys(task_ids, 1)
    assert Counter(artifact for _, artifact in scored) == {f"share-art-{i}": 1 for i in range(12)}
    workers = Counter(e.payload.worker for e in events if e.type == EventType.TASK_STARTED)
    assert set(workers) == {"eval-a", "eval-b"}
    assert sum(workers.values()) == 12  # no task started twice
    results = [
        e.payload.result.model_dump(mode="json")
        for e in events
        if e.type == EventType.TASK_COMPLETED
    ]
    assert all(r["available"] == ["lighting", "clip"] for r in results)
    assert all({"exposure", "ratio", "colour", "weights"} <= set(r["lighting"]) for r in results)


async def test_a_batch_longer_than_the_ack_wait_is_not_redelivered(
    pipeline: Any, tiny: tuple[TinyWeights, Models], stack: AsyncExitStack
) -> None:
    weights, models = tiny
    scored: list[tuple[str, str]] = []
    settings = weights.settings(
        instance_id="eval-slow",
        evaluator_batch_size=4,  # room to fetch a redelivery, were there one
        ack_wait_s=1.0,
        nats_url=pipeline.env["PROLIGHT_NATS_URL"],
    )
    await start(stack, pipeline, settings, RecordingScorer(models, "slow", scored, stall_s=3.5))
    await queue_tasks(pipeline, "slow", 2)

    events = await collect(pipeline.bus, "slow", completed=2)

    started = [e for e in events if e.type == EventType.TASK_STARTED]
    assert [e.payload.attempt for e in started] == [1, 1]
    assert len(scored) == 2
    durations = [e.payload.duration_ms for e in events if e.type == EventType.TASK_COMPLETED]
    assert all(d is not None and d > 3000 for d in durations)  # it did outlast the ack wait
