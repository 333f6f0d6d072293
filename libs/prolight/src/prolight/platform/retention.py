"""Deleting runs and artifacts for good: what `DELETE /api/runs/{id}` (the gateway) and the
artifact retention sweeper (the storage service) share.

Blobs are content-addressed, so two artifact records can share one: a prompt-cache hit's image
is a record of its own (`meta.cached_from` names the original) with the original's `sha256`,
and identical bytes made twice are stored once. A blob is therefore deleted only when no
artifact record outside the ones being deleted points at it, and the prompt-cache entries that
point at a deleted artifact go too, so no later generation is answered with it.

The order makes every step safe to repeat, after a crash half-way or with two processes
deleting the same artifacts at once (each delete is idempotent):

1. the cache entries pointing at the artifacts (`RunStore.forget_cached`): no new hit on them;
2. each blob no other artifact record uses (`RunStore.blob_in_use`, `ArtifactStore.delete`);
3. the artifact records (`RunStore.delete_artifacts`);
4. for a run, its tasks and the run itself (`RunStore.delete_run`), last: until then a retry
   finds the run and does it all again.

Audit entries are never deleted; the gateway appends `run.deleted`.

One window is left open: a generation of the very same prompt, seed and model that finishes
while its bytes are being deleted (its image is registered after step 2 looked) is left
without bytes (a 404 on download). The next identical generation finds no bytes behind its cache
entry and renders again, which writes them back only where the bytes come out the same (the
local renderer on one machine, not BRIA): the key is the content.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import image_artifact_id
from prolight.platform.blobs import ArtifactStore
from prolight.platform.store import ArtifactRecord, RunStore

__all__ = ["SWEEP_BATCH", "Removed", "delete_run", "expire_artifacts", "remove_artifacts"]

SWEEP_BATCH = 100
"""Expired artifacts deleted per round of `expire_artifacts`."""


@dataclass(frozen=True)
class Removed:
    """What a deletion removed: artifact records, blobs and prompt-cache entries."""

    artifacts: int = 0
    blobs: int = 0
    cache_entries: int = 0

    def __add__(self, other: Removed) -> Removed:
        return Removed(
            self.artifacts + other.artifacts,
            self.blobs + other.blobs,
            self.cache_entries + other.cache_entries,
        )


async def remove_artifacts(
    store: RunStore,
    blobs: ArtifactStore,
    artifacts: Sequence[ArtifactRecord],
    *,
    also_cached: Collection[str] = (),
) -> Removed:
    """Delete `artifacts` (at most `MAX_IDS`, 500), their cache entries and the blobs no other
    record uses, in the order of the module doc. `also_cached`: ids of artifacts that may
    have cache entries but no record (a cancelled run's last images, never registered);
    their entries and unshared blobs go too."""
    ids = {a.artifact_id for a in artifacts} | set(also_cached)
    forgotten = await store.forget_cached(ids)
    keys = {a.sha256 for a in artifacts} | {e.result.sha256 for e in forgotten if e.result}
    deleted = 0
    for key in sorted(keys):
        if not await store.blob_in_use(key, excluding=ids):
            await blobs.delete(key)
            deleted += 1
    records = await store.delete_artifacts([a.artifact_id for a in artifacts])
    return Removed(artifacts=records, blobs=deleted, cache_entries=len(forgotten))


async def delete_run(store: RunStore, blobs: ArtifactStore, run_id: str) -> Removed:
    """Delete the run from the run store and the artifact store: its artifacts (module doc),
    the cache entries of its images, its tasks and the run record. Its events are the bus's
    (`Bus.purge_run`); whether it may be deleted (finished, the caller's) is the caller's."""
    tasks = await store.list_tasks(run_id)
    artifacts = await store.list_artifacts(run_id)
    images = {image_artifact_id(t.task_id) for t in tasks if t.tool == Tool.GENERATE}
    removed = await remove_artifacts(store, blobs, artifacts, also_cached=images)
    await store.delete_run(run_id)
    return removed


async def expire_artifacts(
    store: RunStore, blobs: ArtifactStore, before: datetime, *, batch: int = SWEEP_BATCH
) -> Removed:
    """Delete every artifact created before `before` (module doc), oldest first, `batch` at a
    time, until none is left. Several processes may run it at once."""
    total = Removed()
    while expired := await store.expired_artifacts(before, limit=batch):
        total += await remove_artifacts(store, blobs, expired)
    return total
