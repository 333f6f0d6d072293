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

from prolight.contracts.subjects import ALL_EVENTS, EVENTS_STREAM
from prolight.platform.health import HealthServer
from prolight.platform.serving import connect, consumer_settings, run_workers
from prolight_planner.planner import Planner
from prolight_planner.settings import PlannerSettings

__all__ = ["EVENTS_DURABLE", "serve"]

EVENTS_DURABLE = "prolight-planner"
"""The durable consumer every planner instance shares on the events stream."""


async def serve(settings: PlannerSettings, stop: asyncio.Event) -> None:
    """Run the planner until `stop` is set (module doc)."""
    async with connect(settings, "planner") as (bus, store):
        planner = Planner(bus, store)
        consumer = consumer_settings(settings)
        events = bus.worker(
            EVENTS_STREAM,
            EVENTS_DURABLE,
            planner.on_event,
            filter_subject=ALL_EVENTS,
            settings=consumer,
        )
        letters = bus.dead_letters(planner.on_dead_letter, settings=consumer)
        await run_workers(
            [events, letters],
            stop,
            health=HealthServer(
                settings.planner_health_port,
                {"nats": bus.ping, "store": store.ping},
                host=settings.health_host,
            ),
            drain_timeout=settings.drain_timeout_s,
        )
