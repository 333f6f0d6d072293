"""The bria-generator as a running service: bus, stores, health endpoints, one pull worker.

Every instance binds the same durable consumer (`prolight-generate`), so instances share the
work. `serve(settings, stop)` runs until `stop` is set, then gives an in-flight render
`drain_timeout_s` to finish and naks it otherwise, so another instance takes it at once.
"""

from __future__ import annotations

import asyncio
import contextlib

from prolight.blobs import open_blobs
from prolight.bus import Bus, ConsumerSettings
from prolight.health import HealthServer
from prolight.render import render
from prolight.store import open_store
from prolight.subjects import TASKS_STREAM, Tool, tool_durable, tool_filter
from prolight_bria_generator.generate import Renderer
from prolight_bria_generator.settings import GeneratorSettings
from prolight_bria_generator.worker import GenerateWorker

__all__ = ["serve"]


async def serve(
    settings: GeneratorSettings, stop: asyncio.Event, *, renderer: Renderer = render
) -> None:
    """Run the generator until `stop` is set (module doc)."""
    async with contextlib.AsyncExitStack() as stack:
        bus = await stack.enter_async_context(
            await Bus.connect(settings.nats_url, name=f"bria-generator {settings.instance_id}")
        )
        store = await stack.enter_async_context(await open_store(settings.store_url))
        blobs = await stack.enter_async_context(await open_blobs(settings.blob_url))
        await bus.ensure_streams()
        handler = GenerateWorker(bus, store, blobs, settings, renderer)
        worker = bus.worker(
            TASKS_STREAM,
            tool_durable(Tool.GENERATE),
            handler.on_task,
            filter_subject=tool_filter(Tool.GENERATE),
            settings=ConsumerSettings(
                ack_wait=settings.ack_wait_s, max_deliver=settings.max_deliver
            ),
        )
        await stack.enter_async_context(
            HealthServer(
                settings.bria_generator_health_port, {"nats": bus.ping, "store": store.ping}
            )
        )
        running = asyncio.create_task(worker.run(drain_timeout=settings.drain_timeout_s))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        worker.stop()
        stopping.cancel()
        await running  # raises the worker's error, if that is why we stopped
