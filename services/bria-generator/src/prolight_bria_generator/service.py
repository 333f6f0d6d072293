"""The bria-generator as a running service: bus, stores, health, one pull worker, BRIA's client.

Every instance binds the same durable consumer (`prolight-generate`), so instances share the
work. `serve(settings, stop)` runs until `stop` is set, then gives an in-flight task
`drain_timeout_s` to finish and naks it otherwise, so another instance takes it at once.
With `PROLIGHT_GENERATOR_BACKEND=bria` it holds one HTTP client and one circuit breaker for
BRIA, shared by every task of the process, and runs `PROLIGHT_BRIA_CONCURRENCY` tasks at once
(each mostly waits on BRIA); the local renderer runs one at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from prolight.contracts.subjects import Tool
from prolight.domain.photoreal import render
from prolight.platform.blobs import open_blobs
from prolight.platform.external import CircuitBreaker, RetryPolicy
from prolight.platform.health import HealthServer
from prolight.platform.serving import connect, run_workers, tool_worker
from prolight_bria_generator.bria import PROVIDER, BriaClient, BriaConfig
from prolight_bria_generator.generate import Renderer
from prolight_bria_generator.settings import GeneratorSettings
from prolight_bria_generator.worker import GenerateWorker

__all__ = ["bria_client", "serve"]


@asynccontextmanager
async def bria_client(settings: GeneratorSettings) -> AsyncIterator[BriaClient | None]:
    """BRIA's client for the bria backend (None for `local`), its connections closed on exit."""
    if settings.generator_backend != "bria" or settings.bria_api_token is None:
        yield None
        return
    config = BriaConfig(
        base_url=settings.bria_base_url,
        token=settings.bria_api_token.get_secret_value(),
        endpoint=settings.bria_endpoint,
        request_timeout_s=settings.bria_request_timeout_s,
        poll_interval_s=settings.bria_poll_interval_s,
        poll_max_interval_s=settings.bria_poll_max_interval_s,
        poll_timeout_s=settings.bria_poll_timeout_s,
        unknown_limit=settings.bria_unknown_limit,
        max_download_bytes=settings.bria_max_download_bytes,
        price_usd=settings.bria_price_usd(),
    )
    retry = RetryPolicy(
        attempts=settings.bria_retry_attempts,
        base_s=settings.bria_retry_base_s,
        cap_s=settings.bria_retry_cap_s,
        max_retry_after_s=settings.bria_max_retry_after_s,
    )
    breaker = CircuitBreaker(
        PROVIDER,
        threshold=settings.bria_breaker_threshold,
        cooldown_s=settings.bria_breaker_cooldown_s,
    )
    async with httpx.AsyncClient(follow_redirects=False) as http:
        yield BriaClient(http, config, retry=retry, breaker=breaker)


async def serve(
    settings: GeneratorSettings, stop: asyncio.Event, *, renderer: Renderer = render
) -> None:
    """Run the generator until `stop` is set (module doc)."""
    async with (
        connect(settings, "bria-generator") as (bus, store),
        await open_blobs(settings.blob_url) as blobs,
        bria_client(settings) as bria,
    ):
        handler = GenerateWorker(bus, store, blobs, settings, renderer, bria=bria)
        await run_workers(
            [
                tool_worker(
                    bus,
                    Tool.GENERATE,
                    handler.on_task,
                    settings,
                    concurrency=settings.task_concurrency(),
                )
            ],
            stop,
            health=HealthServer(
                settings.bria_generator_health_port,
                {"nats": bus.ping, "store": store.ping},
                host=settings.health_host,
            ),
            drain_timeout=settings.drain_timeout_s,
        )
