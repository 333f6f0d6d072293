"""The evaluator as a running service: bus, stores, health endpoints, one pull worker.

Every instance binds the same durable consumer (`prolight-evaluate`), so instances scale
horizontally. `serve(settings, stop)` runs until `stop` is set, then gives an in-flight
evaluation `drain_timeout_s` to finish and naks it otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib

from prolight.blobs import open_blobs
from prolight.bus import Bus, ConsumerSettings
from prolight.health import HealthServer
from prolight.store import open_store
from prolight.subjects import TASKS_STREAM, Tool, tool_durable, tool_filter
from prolight_evaluator.settings import EvaluatorSettings
from prolight_evaluator.worker import EvaluateWorker

__all__ = ["serve"]


async def serve(settings: EvaluatorSettings, stop: asyncio.Event) -> None:
    """Run the evaluator until `stop` is set (module doc)."""
    async with contextlib.AsyncExitStack() as stack:
        bus = await stack.enter_async_context(
            await Bus.connect(settings.nats_url, name=f"evaluator {settings.instance_id}")
        )
        store = await stack.enter_async_context(await open_store(settings.store_url))
        blobs = await stack.enter_async_context(await open_blobs(settings.blob_url))
        await bus.ensure_streams()
        handler = EvaluateWorker(bus, store, blobs, settings)
        worker = bus.worker(
            TASKS_STREAM,
            tool_durable(Tool.EVALUATE),
            handler.on_task,
            filter_subject=tool_filter(Tool.EVALUATE),
            settings=ConsumerSettings(
                ack_wait=settings.ack_wait_s, max_deliver=settings.max_deliver
            ),
        )
        await stack.enter_async_context(
            HealthServer(settings.evaluator_health_port, {"nats": bus.ping, "store": store.ping})
        )
        running = asyncio.create_task(worker.run(drain_timeout=settings.drain_timeout_s))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        worker.stop()
        stopping.cancel()
        await running  # raises the worker's error, if that is why we stopped
