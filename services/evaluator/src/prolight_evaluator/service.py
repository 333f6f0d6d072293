"""The evaluator as a running service: models, bus, stores, one pull worker, the HTTP API.

Models load once per process (`models.load_models`). Every instance binds the same durable
consumer (`prolight-evaluate`), so instances share the work; each fetches and runs up to
`evaluator_batch_size` tasks at once, and their images meet in the process' `MicroBatcher`,
together with the images of /eval requests. The HTTP API (`api`) listens on
`evaluator_health_port` (0: off). `serve(settings, stop)` runs until `stop` is set, then gives
in-flight evaluations `drain_timeout_s` to finish and naks them otherwise.
"""

from __future__ import annotations

import asyncio
import logging
import socket

from prolight.contracts.subjects import Tool
from prolight.platform.blobs import ArtifactStore, open_blobs
from prolight.platform.bus import Bus, Delivery, PullWorker
from prolight.platform.health import HealthServer
from prolight.platform.serving import connect, run_workers, tool_worker
from prolight.platform.store import RunStore
from prolight_evaluator.api import EvalContext, create_app
from prolight_evaluator.batcher import MicroBatcher
from prolight_evaluator.http_server import bind, serve_http
from prolight_evaluator.models import Models, load_models
from prolight_evaluator.scoring import Scorer
from prolight_evaluator.settings import EvaluatorSettings
from prolight_evaluator.worker import EvaluateWorker

__all__ = ["evaluate_worker", "serve"]

log = logging.getLogger("prolight.evaluator")


def evaluate_worker(
    bus: Bus,
    store: RunStore,
    blobs: ArtifactStore,
    settings: EvaluatorSettings,
    batcher: MicroBatcher,
) -> PullWorker[Delivery]:
    """The pull worker of the shared `prolight-evaluate` durable, feeding `batcher`."""
    handler = EvaluateWorker(bus, store, blobs, settings, batcher)
    # N tasks fetched and in flight at once, so their images can share a batch.
    return tool_worker(
        bus, Tool.EVALUATE, handler.on_task, settings, concurrency=settings.evaluator_batch_size
    )


async def serve(settings: EvaluatorSettings, stop: asyncio.Event) -> None:
    """Run the evaluator until `stop` is set (module doc)."""
    models = await asyncio.to_thread(load_models, settings)
    port = settings.evaluator_health_port
    sock = (
        bind(settings.evaluator_host, port, settings.env_name("evaluator_health_port"))
        if port
        else None
    )
    try:
        await _serve(settings, stop, models, sock)
    finally:
        if sock is not None:
            sock.close()


async def _serve(
    settings: EvaluatorSettings, stop: asyncio.Event, models: Models, sock: socket.socket | None
) -> None:
    port = settings.evaluator_health_port
    async with (
        connect(settings, "evaluator") as (bus, store),
        await open_blobs(settings.blob_url) as blobs,
        MicroBatcher(
            Scorer(models, settings.evaluator_weights),
            max_items=settings.evaluator_batch_size,
            window_s=settings.evaluator_batch_window_ms / 1000,
            decode_workers=settings.evaluator_decode_workers,
        ) as batcher,
    ):
        worker = evaluate_worker(bus, store, blobs, settings, batcher)
        health = HealthServer(0, {"nats": bus.ping, "store": store.ping})
        http = None
        if sock is not None:
            ctx = EvalContext(
                batcher,
                models,
                store,
                blobs,
                settings.max_upload_bytes,
                health,
                settings.gateway_public_url,
            )
            http = asyncio.create_task(
                serve_http(create_app(ctx), sock, stop), name="evaluator-http"
            )
            log.info("evaluator API on http://%s:%d/eval", settings.evaluator_host, port)
        try:
            await run_workers([worker], stop, health=health, drain_timeout=settings.drain_timeout_s)
        finally:
            stop.set()
            if http is not None:
                await http
