"""The notifier's ASGI app: connect to NATS, start the shared feed, mount the routes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI
from fastapi.responses import Response

from prolight.platform import metrics
from prolight.platform.bus import Bus, StoredEvent
from prolight_notifier import health, sse, ws
from prolight_notifier.hub import Hub
from prolight_notifier.settings import NotifierSettings

__all__ = ["create_app"]


def create_app(settings: NotifierSettings) -> FastAPI:
    """The app; on start-up it connects to NATS (`BusUnavailableError` stops the process)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bus = await Bus.connect(settings.nats_url, name=f"notifier-{settings.instance_id}")
        await bus.ensure_streams(
            replicas=settings.nats_replicas,
            events_max_age_s=settings.events_max_age_s,
            events_max_bytes=settings.events_max_bytes,
        )
        hub = _MeteredHub(
            bus,
            gateway_url=settings.gateway_public_url,
            client_buffer=settings.notifier_client_buffer,
        )
        await hub.start()
        metrics.track_notifier_clients(lambda: hub.stats().clients)
        app.state.bus, app.state.hub = bus, hub
        try:
            yield
        finally:
            await hub.stop()
            await bus.close()

    app = FastAPI(
        title="ProLight notifier",
        summary="Run events over WebSocket and SSE, with lossless resume.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.include_router(health.router)
    app.include_router(ws.router)
    app.include_router(sse.router)
    app.add_api_route("/metrics", _metrics, include_in_schema=False)
    app.add_middleware(metrics.HttpMetricsMiddleware, service="notifier")
    return app


class _MeteredHub(Hub):
    """The hub, timing every live event from its publication to its hand-off to clients."""

    def dispatch(self, event: StoredEvent) -> None:
        # Only events the hub takes: one replayed after a consumer reset was timed the first
        # time. (`_last_sequence`, not stats(): that counts every channel's clients, per event.)
        fresh = event.sequence > self._last_sequence
        super().dispatch(event)
        if fresh:
            with contextlib.suppress(ValueError):  # an unreadable time is not worth an event
                metrics.observe_notifier_delivery(datetime.fromisoformat(event.body["occurred_at"]))


async def _metrics() -> Response:
    """This process's Prometheus metrics, text format."""
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)
