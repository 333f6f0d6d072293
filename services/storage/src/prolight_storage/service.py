"""The storage service as a running service: bus, stores, health, two durable consumers.

- `prolight-storage` on the events stream, filtered on `prolight.task.completed.*` (every run's
  task completions; only generate ones matter);
- `prolight-export` on the task queue, filtered on `prolight.task.requested.export.*`;
- with `PROLIGHT_ARTIFACT_RETENTION_DAYS` above 0, the artifact retention sweeper (sweeper.py).

`serve(settings, stop)` runs until `stop` is set, then gives in-flight work `drain_timeout_s`
and naks the rest.
"""

from __future__ import annotations

import asyncio

from prolight.contracts.subjects import EVENTS_STREAM, EventType, Tool, event_kind_filter
from prolight.platform.blobs import open_blobs
from prolight.platform.health import HealthServer
from prolight.platform.serving import (
    Runnable,
    connect,
    consumer_settings,
    run_workers,
    tool_worker,
)
from prolight_storage.settings import StorageSettings
from prolight_storage.sweeper import Sweeper
from prolight_storage.worker import StorageWorker

__all__ = ["COMPLETIONS_DURABLE", "serve"]

COMPLETIONS_DURABLE = "prolight-storage"
"""The durable every storage instance shares on the events stream."""


async def serve(settings: StorageSettings, stop: asyncio.Event) -> None:
    """Run the storage service until `stop` is set (module doc)."""
    async with (
        connect(settings, "storage") as (bus, store),
        await open_blobs(settings.blob_url) as blobs,
    ):
        handler = StorageWorker(bus, store, blobs, settings)
        completions = bus.worker(
            EVENTS_STREAM,
            COMPLETIONS_DURABLE,
            handler.on_generated,
            filter_subject=event_kind_filter(EventType.TASK_COMPLETED),
            settings=consumer_settings(settings),
        )
        workers: list[Runnable] = [
            completions,
            tool_worker(bus, Tool.EXPORT, handler.on_task, settings),
        ]
        if settings.artifact_retention_days > 0:
            workers.append(
                Sweeper(
                    store,
                    blobs,
                    retention_days=settings.artifact_retention_days,
                    interval_s=settings.artifact_sweep_interval_s,
                )
            )
        await run_workers(
            workers,
            stop,
            health=HealthServer(
                settings.storage_health_port,
                {"nats": bus.ping, "store": store.ping},
                host=settings.health_host,
            ),
            drain_timeout=settings.drain_timeout_s,
        )
