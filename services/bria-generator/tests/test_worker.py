"""GenerateWorker on a real SQLite store and blob directory, with a bus that records publishes:
identical generate tasks in flight at once render once, the others report `cached`."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from prolight.contracts.events import Event, TaskCompleted, TaskFailed, TaskRequested
from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import GenerateParams, GenerateResult
from prolight.domain.errors import RenderError
from prolight.domain.hashing import prompt_hash
from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.render import RenderResult
from prolight.domain.schema import FiboPrompt
from prolight.platform.blobs import LocalArtifactStore
from prolight.platform.bus import Delivery
from prolight.platform.store import RunRecord, RunStatus, SqliteRunStore, TaskStatus
from prolight_bria_generator.generate import model_id
from prolight_bria_generator.settings import GeneratorSettings
from prolight_bria_generator.worker import GenerateWorker

PROMPT = FiboPrompt(scene=get_preset("loop").setup)
KEY = (prompt_hash(PROMPT), 5, model_id("draft", 96, 120))


class RecordingBus:
    def __init__(self) -> None:
        self.published: list[Event] = []

    async def publish(self, event: Event) -> None:
        self.published.append(event)


class Holding:
    """The real renderer, counting calls and blocking (in its thread) until `release`."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[int] = []
        self.error = error
        self.entered, self.release = threading.Event(), threading.Event()

    def __call__(self, p: FiboPrompt, seed: int, w: int, h: int) -> RenderResult:
        self.calls.append(seed)
        self.entered.set()
        if not self.release.wait(timeout=10):
            raise TimeoutError("the test never released the renderer")
        if self.error is not None:
            raise self.error
        return render(p, seed, w, h)


def delivery(run_id: str) -> Delivery:
    params = GenerateParams(prompt=PROMPT, seed=5, index=0)
    request = TaskRequested(tool=Tool.GENERATE, task_id=f"{run_id}-g0", params=params)
    return Delivery(
        event=Event.build(run_id, request),
        subject=f"prolight.task.requested.generate.{run_id}",
        stream="PROLIGHT_TASKS",
        consumer="prolight-generate",
        stream_sequence=1,
        delivery_count=1,
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteRunStore]:
    async with await SqliteRunStore.open(tmp_path / "s.db") as s:
        for run_id in ("r1", "r2"):
            await s.create_run(RunRecord(run_id=run_id, status=RunStatus.RUNNING))
        yield s


async def _two_at_once(
    store: SqliteRunStore, tmp_path: Path, renderer: Holding
) -> tuple[RecordingBus, GenerateWorker]:
    """Task r1-g0 rendering, r2-g0 (the same prompt, seed and model) waiting for it."""
    bus = RecordingBus()
    settings = GeneratorSettings(generator_max_width=96, generator_max_height=120)
    worker = GenerateWorker(
        bus,  # type: ignore[arg-type]
        store,
        LocalArtifactStore(tmp_path / "blobs"),
        settings,
        renderer,
    )
    first = asyncio.create_task(worker.on_task(delivery("r1")))
    await asyncio.wait_for(asyncio.to_thread(renderer.entered.wait, 5), 10)
    second = asyncio.create_task(worker.on_task(delivery("r2")))
    async with asyncio.timeout(5):
        while worker.flights.followers(KEY) < 1:
            await asyncio.sleep(0)  # a bare yield to the loop, not a wait on time
    renderer.release.set()
    await asyncio.wait_for(asyncio.gather(first, second), 10)
    return bus, worker


def _outcomes(bus: RecordingBus) -> dict[str, TaskCompleted | TaskFailed]:
    return {
        e.run_id: e.payload
        for e in bus.published
        if isinstance(e.payload, TaskCompleted | TaskFailed)
    }


async def test_identical_tasks_in_flight_render_once_and_the_follower_is_cached(
    store: SqliteRunStore, tmp_path: Path
) -> None:
    renderer = Holding()
    bus, _ = await _two_at_once(store, tmp_path, renderer)

    assert renderer.calls == [5]
    done = _outcomes(bus)
    first, second = done["r1"], done["r2"]
    assert isinstance(first, TaskCompleted)
    assert isinstance(second, TaskCompleted)
    assert (first.status, second.status) == ("completed", "cached")
    assert isinstance(first.result, GenerateResult)
    assert isinstance(second.result, GenerateResult)
    assert second.result.cached_artifact_id == "r1-g0-image"
    assert second.result.sha256 == first.result.sha256
    task = await store.get_task("r2-g0")
    assert task is not None
    assert task.status == TaskStatus.CACHED
    entry = await store.cached_artifact(*KEY)
    assert entry is not None
    assert entry.artifact_id == "r1-g0-image"


async def test_the_leaders_failure_fails_the_follower(
    store: SqliteRunStore, tmp_path: Path
) -> None:
    renderer = Holding(error=RenderError("no light reaches the sitter"))
    bus, _ = await _two_at_once(store, tmp_path, renderer)

    assert renderer.calls == [5]
    done = _outcomes(bus)
    assert {type(p) for p in done.values()} == {TaskFailed}
    assert {p.reason for p in done.values() if isinstance(p, TaskFailed)} == {
        "no light reaches the sitter"
    }
    assert await store.cached_artifact(*KEY) is None
