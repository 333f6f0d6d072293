"""The artifact retention sweeper: every `PROLIGHT_ARTIFACT_SWEEP_INTERVAL_S` seconds, delete
the artifacts older than `PROLIGHT_ARTIFACT_RETENTION_DAYS` days (0: none, and no sweeper runs).

An expired artifact goes the way `DELETE /api/runs/{id}` removes a run's
(`prolight.platform.retention`): the prompt-cache entries pointing at it, its bytes unless
another artifact record shares them (a later cache hit of the same image keeps them alive until
it expires too), then its record. The run's status then no longer lists it and a download of
its id is a 404; the run itself, its steps and its other artifacts stay.

Every storage instance sweeps on its own clock, with no lock: every delete is idempotent, so
two instances sweeping the same artifacts both finish and nothing is deleted twice over. A
sweep that fails (store or artifact store down) is logged and tried again at the next interval;
what it left half-done is finished then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from prolight.platform.blobs import ArtifactStore, BlobError
from prolight.platform.retention import Removed, expire_artifacts
from prolight.platform.store import RunStore, StoreError
from prolight.platform.store.records import utc_now

__all__ = ["Sweeper"]

log = logging.getLogger("prolight.storage.sweeper")


class Sweeper:
    """Deletes expired artifacts now (`sweep`) or every `interval_s` seconds (`run`, a
    `prolight.platform.serving.Runnable`). `clock` is the current UTC time (tests pass one)."""

    def __init__(
        self,
        store: RunStore,
        blobs: ArtifactStore,
        *,
        retention_days: float,
        interval_s: float,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if retention_days <= 0 or interval_s <= 0:
            raise ValueError("retention_days and interval_s are positive")
        self.store = store
        self.blobs = blobs
        self.retention = timedelta(days=retention_days)
        self.interval_s = interval_s
        self._clock = clock
        self._stop = asyncio.Event()

    async def sweep(self) -> Removed:
        """Delete every artifact created more than `retention_days` ago; what went."""
        before = self._clock() - self.retention
        removed = await expire_artifacts(self.store, self.blobs, before)
        if removed.artifacts:
            log.info(
                "expired %d artifacts created before %s: %d blobs, %d cache entries deleted",
                removed.artifacts,
                before.isoformat(),
                removed.blobs,
                removed.cache_entries,
            )
        return removed

    async def _sweep_logged(self) -> None:
        try:
            await self.sweep()
        except (StoreError, BlobError) as exc:
            log.warning("artifact sweep failed; next try in %.0f s: %s", self.interval_s, exc)

    async def run(self, *, drain_timeout: float = 5.0) -> None:
        """Sweep now and then every `interval_s` seconds until `stop()`; a sweep in progress
        then gets `drain_timeout` seconds before it is cancelled (the next one, here or on
        another instance, finishes what it left)."""
        while not self._stop.is_set():
            sweep = asyncio.create_task(self._sweep_logged(), name="artifact-sweep")
            stopping = asyncio.create_task(self._stop.wait())
            try:
                await asyncio.wait({sweep, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not sweep.done():
                    await asyncio.wait({sweep}, timeout=drain_timeout)
                    sweep.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await sweep
                    return
            finally:
                stopping.cancel()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.interval_s)

    def stop(self) -> None:
        """End `run` (see there)."""
        self._stop.set()
