"""The evaluator as a running service: bus, stores, health endpoints, one pull worker.

Every instance binds the same durable consumer (`prolight-evaluate`), so instances scale
horizontally. `serve(settings, stop)` runs until `stop` is set, then gives an in-flight
evaluation `drain_timeout_s` to finish and naks it otherwise.
"""

from __future__ import annotations

import asyncio

from prolight.blobs import open_blobs
from prolight.health import HealthServer
from prolight.serving import connect, run_workers, tool_worker
from prolight.subjects import Tool
from prolight_evaluator.settings import EvaluatorSettings
from prolight_evaluator.worker import EvaluateWorker

__all__ = ["serve"]


async def serve(settings: EvaluatorSettings, stop: asyncio.Event) -> None:
    """Run the evaluator until `stop` is set (module doc)."""
    async with (
        connect(settings, "evaluator") as (bus, store),
        await open_blobs(settings.blob_url) as blobs,
    ):
        handler = EvaluateWorker(bus, store, blobs, settings)
        await run_workers(
            [tool_worker(bus, Tool.EVALUATE, handler.on_task, settings)],
            stop,
            health=HealthServer(
                settings.evaluator_health_port, {"nats": bus.ping, "store": store.ping}
            ),
            drain_timeout=settings.drain_timeout_s,
        )
