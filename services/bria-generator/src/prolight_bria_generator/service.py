"""The bria-generator as a running service: bus, stores, health endpoints, one pull worker.

Every instance binds the same durable consumer (`prolight-generate`), so instances share the
work. `serve(settings, stop)` runs until `stop` is set, then gives an in-flight render
`drain_timeout_s` to finish and naks it otherwise, so another instance takes it at once.
"""

from __future__ import annotations

import asyncio

from prolight.blobs import open_blobs
from prolight.health import HealthServer
from prolight.render import render
from prolight.serving import connect, run_workers, tool_worker
from prolight.subjects import Tool
from prolight_bria_generator.generate import Renderer
from prolight_bria_generator.settings import GeneratorSettings
from prolight_bria_generator.worker import GenerateWorker

__all__ = ["serve"]


async def serve(
    settings: GeneratorSettings, stop: asyncio.Event, *, renderer: Renderer = render
) -> None:
    """Run the generator until `stop` is set (module doc)."""
    async with (
        connect(settings, "bria-generator") as (bus, store),
        await open_blobs(settings.blob_url) as blobs,
    ):
        handler = GenerateWorker(bus, store, blobs, settings, renderer)
        await run_workers(
            [tool_worker(bus, Tool.GENERATE, handler.on_task, settings)],
            stop,
            health=HealthServer(
                settings.bria_generator_health_port, {"nats": bus.ping, "store": store.ping}
            ),
            drain_timeout=settings.drain_timeout_s,
        )
