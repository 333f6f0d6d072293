"""The artifact retention sweeper on a real SQLite store and blob directory, with an injected
clock: expired artifacts go with their unshared bytes and cache entries, the run stays, and
two sweepers at once are safe."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from prolight.contracts.tasks import GenerateResult
from prolight.platform.blobs import LocalArtifactStore
from prolight.platform.store import ArtifactMeta, ArtifactRecord, RunRecord, SqliteRunStore
from prolight_storage.settings import StorageSettings
from prolight_storage.sweeper import Sweeper

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteRunStore]:
    async with await SqliteRunStore.open(tmp_path / "s.db") as s:
        yield s


@pytest.fixture
async def blobs(tmp_path: Path) -> AsyncIterator[LocalArtifactStore]:
    async with LocalArtifactStore(tmp_path / "blobs") as b:
        await b.ensure()
        yield b


async def _artifact(
    store: SqliteRunStore,
    blobs: LocalArtifactStore,
    artifact_id: str,
    data: bytes,
    *,
    days_old: float,
    run_id: str = "r1",
    cached_from: str | None = None,
) -> ArtifactRecord:
    info = await blobs.put(data, "image/png")
    record = ArtifactRecord(
        artifact_id=artifact_id,
        run_id=run_id,
        sha256=info.key,
        url=info.url,
        size_bytes=info.size,
        meta=ArtifactMeta(cached_from=cached_from),
        created_at=NOW - timedelta(days=days_old),
    )
    if cached_from is None:
        result = GenerateResult(
            artifact_key=info.key,
            sha256=info.key,
            url=info.url,
            width=8,
            height=8,
            seed=1,
            prompt_hash=artifact_id,
            model="m",
        )
        await store.cache_artifact(artifact_id, 1, "m", artifact_id, result=result)
    return await store.put_artifact(record)


def _sweeper(store: SqliteRunStore, blobs: LocalArtifactStore, **kw: float) -> Sweeper:
    settings = {"retention_days": 30.0, "interval_s": 3600.0, **kw}
    return Sweeper(store, blobs, clock=lambda: NOW, **settings)


async def test_a_sweep_deletes_what_is_past_retention_and_nothing_else(
    store: SqliteRunStore, blobs: LocalArtifactStore
) -> None:
    await store.create_run(RunRecord(run_id="r1", status="completed"))
    old = await _artifact(store, blobs, "old", b"old image", days_old=31)
    shared = await _artifact(store, blobs, "shared", b"popular", days_old=45)
    hit = await _artifact(
        store, blobs, "hit", b"popular", days_old=2, run_id="r2", cached_from="shared"
    )
    young = await _artifact(store, blobs, "young", b"young image", days_old=29)

    removed = await _sweeper(store, blobs).sweep()

    assert (removed.artifacts, removed.blobs, removed.cache_entries) == (2, 1, 2)
    assert await store.get_artifact(old.artifact_id) is None
    assert await store.get_artifact(shared.artifact_id) is None
    assert not await blobs.exists(old.sha256)
    assert await blobs.exists(hit.sha256)  # a younger cache hit still shows these bytes
    assert await store.cached_artifact("shared", 1, "m") is None  # no hit on a gone artifact
    assert await store.cached_artifact("young", 1, "m") is not None
    assert [a.artifact_id for a in await store.list_artifacts("r1")] == [young.artifact_id]
    assert await store.get_run("r1") is not None  # the run and its status stay
    assert (await _sweeper(store, blobs).sweep()).artifacts == 0


async def test_two_sweepers_at_once_both_finish(
    store: SqliteRunStore, blobs: LocalArtifactStore
) -> None:
    made = [await _artifact(store, blobs, f"a{i}", bytes([i]) * 9, days_old=40) for i in range(7)]
    results = await asyncio.gather(_sweeper(store, blobs).sweep(), _sweeper(store, blobs).sweep())
    assert sum(r.artifacts for r in results) == 7
    assert await store.list_artifacts("r1") == []
    assert not any([await blobs.exists(a.sha256) for a in made])


async def test_run_sweeps_until_stopped(store: SqliteRunStore, blobs: LocalArtifactStore) -> None:
    old = await _artifact(store, blobs, "old", b"old image", days_old=31)
    sweeper = _sweeper(store, blobs, interval_s=0.05)
    running = asyncio.create_task(sweeper.run())
    async with asyncio.timeout(10):
        while await store.get_artifact(old.artifact_id) is not None:
            await asyncio.sleep(0.02)
    later = await _artifact(store, blobs, "later", b"later image", days_old=31)
    async with asyncio.timeout(10):  # the next round takes what expired since
        while await store.get_artifact(later.artifact_id) is not None:
            await asyncio.sleep(0.02)
    sweeper.stop()
    async with asyncio.timeout(10):
        await running


def test_retention_is_off_by_default_and_checked() -> None:
    settings = StorageSettings()
    assert settings.artifact_retention_days == 0
    assert settings.artifact_sweep_interval_s == 3600.0
    with pytest.raises(ValueError, match="positive"):
        Sweeper(None, None, retention_days=0, interval_s=1)  # type: ignore[arg-type]
