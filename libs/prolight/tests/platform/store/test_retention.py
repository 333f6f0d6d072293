"""`prolight.platform.retention`: deleting a run or expired artifacts leaves no orphan blob and
no blob another run still needs, on every run-store backend (see conftest.py) and a real
artifact directory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import GenerateParams, GenerateResult, image_artifact_id
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.blobs import ArtifactStore, LocalArtifactStore
from prolight.platform.retention import Removed, delete_run, expire_artifacts
from prolight.platform.store import ArtifactMeta, ArtifactRecord, RunRecord, RunStore, TaskRecord

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def blobs(tmp_path: Path) -> AsyncIterator[ArtifactStore]:
    async with LocalArtifactStore(tmp_path / "blobs") as b:
        await b.ensure()
        yield b


def generate_task(task_id: str, run_id: str) -> TaskRecord:
    params = GenerateParams(prompt=FiboPrompt(scene=get_preset("loop").setup), seed=1, index=0)
    return TaskRecord(task_id=task_id, run_id=run_id, tool=Tool.GENERATE, params=params)


def result(sha256: str) -> GenerateResult:
    return GenerateResult(
        artifact_key=sha256,
        sha256=sha256,
        url="file://x",
        width=8,
        height=8,
        seed=1,
        prompt_hash="h",
        model="m",
    )


async def image(
    store: RunStore,
    blobs: ArtifactStore,
    run_id: str,
    task_id: str,
    data: bytes,
    *,
    cached_from: str | None = None,
    days_old: int = 0,
) -> ArtifactRecord:
    """A generated image as the pipeline leaves it: task, bytes, artifact record, and (for a
    fresh one) the prompt-cache entry the generator writes."""
    await store.put_task(generate_task(task_id, run_id))
    info = await blobs.put(data, "image/png")
    record = ArtifactRecord(
        artifact_id=image_artifact_id(task_id),
        run_id=run_id,
        task_id=task_id,
        sha256=info.key,
        url=info.url,
        size_bytes=info.size,
        meta=ArtifactMeta(cached_from=cached_from),
        created_at=T0 - timedelta(days=days_old),
    )
    if cached_from is None:
        seed = len(data)  # one cache key per distinct image
        await store.cache_artifact("h", seed, "m", record.artifact_id, result=result(info.key))
    return await store.put_artifact(record)


async def test_deleting_a_run_keeps_the_bytes_a_later_cache_hit_shares(
    store: RunStore, blobs: ArtifactStore
) -> None:
    for run_id in ("first", "later"):
        await store.create_run(RunRecord(run_id=run_id, status="completed"))
    original = await image(store, blobs, "first", "t1", b"shared image")
    only_first = await image(store, blobs, "first", "t2", b"first's own image")
    hit = await image(
        store, blobs, "later", "t3", b"shared image", cached_from=original.artifact_id
    )
    assert hit.sha256 == original.sha256

    removed = await delete_run(store, blobs, "first")

    assert removed == Removed(artifacts=2, blobs=1, cache_entries=2)
    assert await store.get_run("first") is None
    assert await store.list_tasks("first") == []
    assert await store.list_artifacts("first") == []
    assert not await blobs.exists(only_first.sha256)  # nobody else had it
    assert await blobs.get(hit.sha256) == b"shared image"  # the later run still shows it
    # No generation is answered with the deleted artifact any more.
    assert await store.cached_artifact("h", len(b"shared image"), "m") is None

    removed = await delete_run(store, blobs, "later")
    assert removed == Removed(artifacts=1, blobs=1, cache_entries=0)
    assert not await blobs.exists(hit.sha256)  # the last user is gone: no orphan


async def test_deleting_a_cancelled_run_forgets_its_unregistered_images(
    store: RunStore, blobs: ArtifactStore
) -> None:
    """The generator stored the bytes and the cache entry; storage never registered the image
    because the run was cancelled first."""
    await store.create_run(RunRecord(run_id="r1", status="cancelled"))
    await store.put_task(generate_task("t1", "r1"))
    info = await blobs.put(b"never registered", "image/png")
    await store.cache_artifact("h", 1, "m", image_artifact_id("t1"), result=result(info.key))

    assert await delete_run(store, blobs, "r1") == Removed(artifacts=0, blobs=1, cache_entries=1)
    assert not await blobs.exists(info.key)
    assert await store.cached_artifact("h", 1, "m") is None


async def test_a_delete_interrupted_half_way_finishes_when_repeated(
    store: RunStore, blobs: ArtifactStore
) -> None:
    await store.create_run(RunRecord(run_id="r1", status="completed"))
    made = await image(store, blobs, "r1", "t1", b"an image")
    await blobs.delete(made.sha256)  # a first attempt died after deleting the bytes
    await delete_run(store, blobs, "r1")
    assert await store.get_run("r1") is None
    assert await store.list_artifacts("r1") == []


async def test_expiry_deletes_old_artifacts_and_keeps_shared_bytes(
    store: RunStore, blobs: ArtifactStore
) -> None:
    old = await image(store, blobs, "r1", "t1", b"old and shared", days_old=40)
    gone = await image(store, blobs, "r1", "t2", b"old and alone", days_old=40)
    recent = await image(
        store, blobs, "r2", "t3", b"old and shared", cached_from=old.artifact_id, days_old=1
    )
    fresh = await image(store, blobs, "r2", "t4", b"fresh", days_old=0)

    removed = await expire_artifacts(store, blobs, T0 - timedelta(days=30), batch=1)

    assert removed == Removed(artifacts=2, blobs=1, cache_entries=2)
    assert [a.artifact_id for a in await store.list_artifacts("r1")] == []
    assert [a.artifact_id for a in await store.list_artifacts("r2")] == [
        recent.artifact_id,
        fresh.artifact_id,
    ]
    assert not await blobs.exists(gone.sha256)
    assert await blobs.exists(recent.sha256)
    assert await blobs.exists(fresh.sha256)
    assert await store.cached_artifact("h", len(b"fresh"), "m") is not None


async def test_sweepers_racing_on_the_same_artifacts_all_succeed(
    store: RunStore, blobs: ArtifactStore
) -> None:
    made = [await image(store, blobs, "r1", f"t{i}", b"x" * (i + 1), days_old=9) for i in range(6)]
    results = await asyncio.gather(*(expire_artifacts(store, blobs, T0, batch=2) for _ in range(3)))
    assert sum(r.artifacts for r in results) == 6
    assert await store.list_artifacts("r1") == []
    assert not any([await blobs.exists(a.sha256) for a in made])
