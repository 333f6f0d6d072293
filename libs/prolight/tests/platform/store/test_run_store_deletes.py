"""The RunStore's deletes, on every available backend (see conftest.py): runs with their tasks,
artifact records, the cache entries pointing at artifacts, and the queries retention needs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import ExportParams, GenerateResult
from prolight.platform.store import ArtifactRecord, RunRecord, RunStore, TaskRecord

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SHA_A, SHA_B = "aa" * 32, "bb" * 32


def artifact(artifact_id: str, run_id: str, sha256: str, minutes: int = 0) -> ArtifactRecord:
    return ArtifactRecord(
        artifact_id=artifact_id,
        run_id=run_id,
        sha256=sha256,
        url="file://x",
        size_bytes=10,
        created_at=T0 + timedelta(minutes=minutes),
    )


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


def export_task(task_id: str, run_id: str) -> TaskRecord:
    params = ExportParams(
        iteration=1, best_artifact_id="a", ranking=[], candidates=[], stop_reason="threshold"
    )
    return TaskRecord(task_id=task_id, run_id=run_id, tool=Tool.EXPORT, params=params)


async def test_delete_run_removes_the_run_and_its_tasks_only(store: RunStore) -> None:
    for run_id in ("r1", "r2"):
        await store.create_run(RunRecord(run_id=run_id))
        await store.put_task(export_task(f"{run_id}-x", run_id))
    await store.append_audit("run.created", run_id="r1")
    assert await store.delete_run("r1")
    assert await store.get_run("r1") is None
    assert await store.list_tasks("r1") == []
    assert await store.get_task("r1-x") is None
    assert await store.get_run("r2") is not None
    assert [t.task_id for t in await store.list_tasks("r2")] == ["r2-x"]
    assert [e.action for e in await store.list_audit(run_id="r1")] == ["run.created"]
    assert not await store.delete_run("r1")  # idempotent: nothing left to delete


async def test_delete_artifacts_skips_unknown_ids_and_counts(store: RunStore) -> None:
    await store.put_artifact(artifact("a1", "r1", SHA_A))
    await store.put_artifact(artifact("a2", "r1", SHA_B))
    assert await store.delete_artifacts([]) == 0
    assert await store.delete_artifacts(["a1", "nope"]) == 1
    assert await store.get_artifact("a1") is None
    assert [a.artifact_id for a in await store.list_artifacts("r1")] == ["a2"]
    assert await store.delete_artifacts(["a1"]) == 0


async def test_forget_cached_deletes_the_entries_of_those_artifacts(store: RunStore) -> None:
    await store.cache_artifact("h", 1, "m", "a1", result=result(SHA_A))
    await store.cache_artifact("h", 2, "m", "a1")
    await store.cache_artifact("h", 3, "m", "a2")
    assert await store.forget_cached([]) == []
    forgotten = await store.forget_cached(["a1", "nope"])
    assert sorted(e.seed for e in forgotten) == [1, 2]
    assert {e.result.sha256 for e in forgotten if e.result} == {SHA_A}
    assert await store.cached_artifact("h", 1, "m") is None
    assert await store.cached_artifact("h", 2, "m") is None
    assert (await store.cached_artifact("h", 3, "m")) is not None
    assert await store.forget_cached(["a1"]) == []
    # The key can be cached again, by another artifact.
    assert (await store.cache_artifact("h", 1, "m", "a9")).artifact_id == "a9"


async def test_blob_in_use_looks_past_the_excluded_records(store: RunStore) -> None:
    assert not await store.blob_in_use(SHA_A)
    await store.put_artifact(artifact("a1", "r1", SHA_A))
    await store.put_artifact(artifact("b1", "r2", SHA_A))  # a cache hit: the same bytes
    assert await store.blob_in_use(SHA_A)
    assert await store.blob_in_use(SHA_A, excluding=["a1"])
    assert not await store.blob_in_use(SHA_A, excluding=["a1", "b1"])
    assert not await store.blob_in_use(SHA_B)


async def test_expired_artifacts_are_the_oldest_first(store: RunStore) -> None:
    for i in range(5):
        await store.put_artifact(artifact(f"a{i}", "r1", SHA_A, minutes=10 - i))
    before = T0 + timedelta(minutes=8, seconds=30)  # a2 (8 min) and older, not a1 (9 min)
    page = await store.expired_artifacts(before, limit=2)
    assert [a.artifact_id for a in page] == ["a4", "a3"]
    assert [a.artifact_id for a in await store.expired_artifacts(before)] == ["a4", "a3", "a2"]
    assert await store.expired_artifacts(T0) == []


async def test_too_many_ids_at_once_are_refused(store: RunStore) -> None:
    with pytest.raises(ValueError, match="at most 500"):
        await store.delete_artifacts([f"a{i}" for i in range(501)])


async def test_racing_deletes_all_succeed(store: RunStore) -> None:
    await store.create_run(RunRecord(run_id="r1"))
    await store.put_artifact(artifact("a1", "r1", SHA_A))
    await store.cache_artifact("h", 1, "m", "a1")
    forgotten = await asyncio.gather(*(store.forget_cached(["a1"]) for _ in range(3)))
    assert sum(len(f) for f in forgotten) >= 1  # a store may hand the entry to several
    deleted = await asyncio.gather(*(store.delete_artifacts(["a1"]) for _ in range(3)))
    assert sum(deleted) == 1
    runs = await asyncio.gather(*(store.delete_run("r1") for _ in range(3)))
    assert runs.count(True) == 1
