"""StorageWorker.on_generated on a real SQLite store and blob directory, with a bus that records
publishes: it registers the image and announces it, and leaves the prompt cache alone (the
bria-generator owns it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

import pytest

from prolight.contracts.events import ArtifactReady, Event, TaskCompleted
from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import GenerateResult
from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.blobs import LocalArtifactStore
from prolight.platform.bus import Delivery
from prolight.platform.store import RunRecord, RunStatus, SqliteRunStore
from prolight_storage.settings import StorageSettings
from prolight_storage.worker import StorageWorker


class RecordingBus:
    def __init__(self) -> None:
        self.published: list[Event] = []

    async def publish(self, event: Event) -> None:
        self.published.append(event)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteRunStore]:
    async with await SqliteRunStore.open(tmp_path / "s.db") as s:
        await s.create_run(RunRecord(run_id="r1", status=RunStatus.RUNNING))
        yield s


def completed(
    task_id: str, result: GenerateResult, status: Literal["completed", "cached"]
) -> Delivery:
    payload = TaskCompleted(tool=Tool.GENERATE, status=status, result=result)
    return Delivery(
        event=Event.build("r1", payload, task_id=task_id),
        subject="prolight.task.completed.r1",
        stream="PROLIGHT_EVENTS",
        consumer="prolight-storage",
        stream_sequence=1,
        delivery_count=1,
    )


async def test_a_generated_image_is_registered_and_the_cache_is_left_alone(
    store: SqliteRunStore, tmp_path: Path
) -> None:
    blobs = LocalArtifactStore(tmp_path / "blobs")
    info = await blobs.put(render(FiboPrompt(scene=get_preset("loop").setup), 2, 64, 80).png)
    result = GenerateResult(
        artifact_key=info.key,
        sha256=info.key,
        url=info.url,
        width=64,
        height=80,
        seed=2,
        prompt_hash="h",
        model="prolight-local-v1@64x80",
    )
    bus = RecordingBus()
    worker = StorageWorker(bus, store, blobs, StorageSettings())  # type: ignore[arg-type]

    await worker.on_generated(completed("t1", result, "completed"))
    hit = result.model_copy(update={"cached_artifact_id": "t1-image"})
    await worker.on_generated(completed("t2", hit, "cached"))

    assert await store.cached_artifact("h", 2, "prolight-local-v1@64x80") is None
    first, second = await store.get_artifact("t1-image"), await store.get_artifact("t2-image")
    assert first is not None
    assert second is not None
    assert (first.size_bytes, first.sha256) == (info.size, info.key)
    assert first.meta.cached_from is None
    assert second.meta.cached_from == "t1-image"
    ready = [e.payload for e in bus.published if isinstance(e.payload, ArtifactReady)]
    assert [r.artifact_id for r in ready] == ["t1-image", "t2-image"]
