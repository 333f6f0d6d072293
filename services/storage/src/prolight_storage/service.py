"""The storage service as a running service: bus, stores, health, two durable consumers.

- `prolight-storage` on the events stream, filtered on `prolight.task.completed.*` (every run's
  task completions; only generate ones matter);
- `prolight-export` on the task queue, filtered on `prolight.task.requested.export.*`.

`serve(settings, stop)` runs until `stop` is set, then gives in-flight work `drain_timeout_s`
and naks the rest.
"""

from __future__ import annotations

import asyncio
import contextlib

from prolight.blobs import open_blobs
from prolight.bus import Bus, ConsumerSettings
from prolight.health import HealthServer
from prolight.store import open_store
from prolight.subjects import (
    EVENTS_STREAM,
    TASKS_STREAM,
    EventType,
    Tool,
    event_kind_filter,
    tool_durable,
    tool_filter,
)
from prolight_storage.settings import StorageSettings
from prolight_storage.worker import StorageWorker

__all__ = ["COMPLETIONS_DURABLE", "serve"]

COMPLETIONS_DURABLE = "prolight-storage"
"""The durable every storage instance shares on the events stream."""


async def serve(settings: StorageSettings, stop: asyncio.Event) -> None:
    """Run the storage service until `stop` is set (module doc)."""
    async with contextlib.AsyncExitStack() as stack:
        bus = await stack.enter_async_context(
            await Bus.connect(settings.nats_url, name=f"storage {settings.instance_id}")
        )
        store = await stack.enter_async_context(await open_store(settings.store_url))
        blobs = await stack.enter_async_context(await open_blobs(settings.blob_url))
        await bus.ensure_streams()
        handler = StorageWorker(bus, store, blobs, settings)
        consumer = ConsumerSettings(ack_wait=settings.ack_wait_s, max_deliver=settings.max_deliver)
        workers = [
            bus.worker(
                EVENTS_STREAM,
                COMPLETIONS_DURABLE,
                handler.on_generated,
                filter_subject=event_kind_filter(EventType.TASK_COMPLETED),
                settings=consumer,
            ),
            bus.worker(
                TASKS_STREAM,
                tool_durable(Tool.EXPORT),
                handler.on_export,
                filter_subject=tool_filter(Tool.EXPORT),
                settings=consumer,
            ),
        ]
        await stack.enter_async_context(
            HealthServer(settings.storage_health_port, {"nats": bus.ping, "store": store.ping})
        )
        running = [
            asyncio.create_task(w.run(drain_timeout=settings.drain_timeout_s)) for w in workers
        ]
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({*running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for w in workers:
            w.stop()
        stopping.cancel()
        for result in await asyncio.gather(*running, return_exceptions=True):
            if isinstance(result, BaseException):
                raise result  # a worker's error is why we stopped
