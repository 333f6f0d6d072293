"""The notifier's ASGI app: connect to NATS, start the shared feed, mount the routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from prolight.bus import Bus
from prolight_notifier import health, sse, ws
from prolight_notifier.hub import Hub
from prolight_notifier.settings import NotifierSettings

__all__ = ["create_app"]


def create_app(settings: NotifierSettings) -> FastAPI:
    """The app; on start-up it connects to NATS (`BusUnavailableError` stops the process)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bus = await Bus.connect(settings.nats_url, name=f"notifier-{settings.instance_id}")
        await bus.ensure_streams()
        hub = Hub(
            bus,
            gateway_url=settings.gateway_public_url,
            client_buffer=settings.notifier_client_buffer,
        )
        await hub.start()
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
    return app
