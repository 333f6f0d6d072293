"""The running shape every worker service shares: connect, bind pull workers, serve until stop.

    async with connect(settings, "evaluator") as (bus, store):
        handler = EvaluateWorker(bus, store, blobs, settings)
        await run_workers(
            [tool_worker(bus, Tool.EVALUATE, handler.on_task, settings)],
            stop,
            health=HealthServer(settings.evaluator_health_port, {"nats": bus.ping, ...}),
            drain_timeout=settings.drain_timeout_s,
        )

- `connect` opens the bus (named `<service> <instance_id>` in NATS monitoring) and the run
  store, declares the pipeline streams, and closes both on exit. Services that need the
  artifact store open it beside it (the planner does not).
- `tool_worker` is the pull worker of one tool on the task queue: every instance of a service
  binds the same durable (`prolight-<tool>`), so instances share the work.
- `run_workers` serves the health endpoints and runs the workers until `stop` is set or one of
  them fails; on stop each in-flight handler gets `drain_timeout` seconds, then is naked for
  another instance. A worker's error is re-raised: it is why the service stopped.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Protocol

from prolight.contracts.subjects import TASKS_STREAM, Tool, tool_durable, tool_filter
from prolight.platform.bus import Bus, ConsumerSettings, Delivery, PullWorker
from prolight.platform.health import HealthServer
from prolight.platform.settings import ServiceSettings, WorkerSettings
from prolight.platform.store import RunStore, open_store

__all__ = ["Runnable", "connect", "consumer_settings", "run_workers", "tool_worker"]


class Runnable(Protocol):
    """What `run_workers` runs: a `PullWorker` (of any message type)."""

    async def run(self, *, drain_timeout: float = ...) -> None: ...

    def stop(self) -> None: ...


@asynccontextmanager
async def connect(settings: ServiceSettings, service: str) -> AsyncIterator[tuple[Bus, RunStore]]:
    """The bus (pipeline streams declared) and the run store of `service`, closed on exit.

    Raises a `ProLightError` (BusError, a store error) when either cannot be reached.
    """
    async with (
        await Bus.connect(
            settings.nats_url,
            name=f"{service} {settings.instance_id}",
            publish_retry_s=settings.nats_publish_retry_s,
        ) as bus,
        await open_store(settings.store_url) as store,
    ):
        await bus.ensure_streams(
            replicas=settings.nats_replicas,
            events_max_age_s=settings.events_max_age_s,
            events_max_bytes=settings.events_max_bytes,
        )
        yield bus, store


def consumer_settings(settings: WorkerSettings) -> ConsumerSettings:
    """The consumer settings of a service's workers: `ack_wait_s` and `max_deliver`."""
    return ConsumerSettings(ack_wait=settings.ack_wait_s, max_deliver=settings.max_deliver)


def tool_worker(
    bus: Bus,
    tool: Tool,
    handler: Callable[[Delivery], Awaitable[None]],
    settings: WorkerSettings,
    *,
    concurrency: int = 1,
) -> PullWorker[Delivery]:
    """The pull worker of `tool`'s shared durable on the task queue (module doc); it fetches
    and runs up to `concurrency` tasks at once."""
    consumer = replace(consumer_settings(settings), batch_size=concurrency, concurrency=concurrency)
    return bus.worker(
        TASKS_STREAM,
        tool_durable(tool),
        handler,
        filter_subject=tool_filter(tool),
        settings=consumer,
    )


async def run_workers(
    workers: Sequence[Runnable],
    stop: asyncio.Event,
    *,
    health: HealthServer,
    drain_timeout: float,
) -> None:
    """Serve `health` and run `workers` until `stop` is set or a worker fails (module doc).

    `drain_timeout` is in seconds. Re-raises the first worker's error, if that is why it ended.
    """
    async with health:
        running = [asyncio.create_task(w.run(drain_timeout=drain_timeout)) for w in workers]
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({*running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for worker in workers:
            worker.stop()
        stopping.cancel()
        for result in await asyncio.gather(*running, return_exceptions=True):
            if isinstance(result, BaseException):
                raise result  # a worker's error is why we stopped
