"""The planner as a running service: bus, store, health endpoints and two pull workers.

- `prolight-planner` on the events stream. nats-server 2.9 takes one filter subject per
  consumer, so it filters on every event and the planner acks what it does not need;
- `prolight-dead-letters` on the dead-letter stream (MaxDeliver advisories).

Every planner instance binds the same two durables. `serve(settings, stop)` runs until `stop`
is set (SIGTERM/SIGINT in `__main__`, tests set it themselves), then gives in-flight events
`drain_timeout_s` to finish and naks the rest so another instance takes them.
"""

from __future__ import annotations

import asyncio
import contextlib

from prolight.bus import Bus, ConsumerSettings
from prolight.health import HealthServer
from prolight.store import open_store
from prolight.subjects import ALL_EVENTS, EVENTS_STREAM
from prolight_planner.planner import Planner
from prolight_planner.settings import PlannerSettings

__all__ = ["EVENTS_DURABLE", "serve"]

EVENTS_DURABLE = "prolight-planner"
"""The durable consumer every planner instance shares on the events stream."""


async def serve(settings: PlannerSettings, stop: asyncio.Event) -> None:
    """Run the planner until `stop` is set (module doc)."""
    async with contextlib.AsyncExitStack() as stack:
        bus = await stack.enter_async_context(
            await Bus.connect(settings.nats_url, name=f"planner {settings.instance_id}")
        )
        store = await stack.enter_async_context(await open_store(settings.store_url))
        await bus.ensure_streams()
        planner = Planner(bus, store)
        consumer = ConsumerSettings(ack_wait=settings.ack_wait_s, max_deliver=settings.max_deliver)
        events = bus.worker(
            EVENTS_STREAM,
            EVENTS_DURABLE,
            planner.on_event,
            filter_subject=ALL_EVENTS,
            settings=consumer,
        )
        letters = bus.dead_letters(planner.on_dead_letter, settings=consumer)
        await stack.enter_async_context(
            HealthServer(settings.planner_health_port, {"nats": bus.ping, "store": store.ping})
        )
        drain = settings.drain_timeout_s
        running = [
            asyncio.create_task(events.run(drain_timeout=drain)),
            asyncio.create_task(letters.run(drain_timeout=drain)),
        ]
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({*running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        events.stop()
        letters.stop()
        stopping.cancel()
        for result in await asyncio.gather(*running, return_exceptions=True):
            if isinstance(result, BaseException):
                raise result  # a worker's error is why we stopped
