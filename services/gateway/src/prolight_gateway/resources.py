"""What the gateway holds open while it serves: the bus, the run store, the artifact store.

Opened in the application's lifespan (never at import), so `create_app()` builds an app
without touching the network; closed in reverse order at shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from prolight.blobs import ArtifactStore, open_blobs
from prolight.bus import Bus
from prolight.store import RunStore, open_store
from prolight_gateway.settings import GatewaySettings

__all__ = ["Resources", "open_resources"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resources:
    """The open connections the routes use (see `deps.py`)."""

    settings: GatewaySettings
    bus: Bus
    store: RunStore
    blobs: ArtifactStore


@asynccontextmanager
async def open_resources(settings: GatewaySettings) -> AsyncIterator[Resources]:
    """Connect to NATS (declaring the streams), open the run and artifact stores.

    Raises `BusUnavailableError`, `StoreUnavailableError` or `BlobUnavailableError` when one
    cannot be reached, so a misconfigured gateway stops at start-up instead of serving 503s.
    """
    async with AsyncExitStack() as stack:
        bus = await Bus.connect(settings.nats_url, name=f"gateway-{settings.instance_id}")
        stack.push_async_callback(bus.close)
        await bus.ensure_streams()
        store = await open_store(settings.store_url)
        stack.push_async_callback(store.close)
        blobs = await open_blobs(settings.blob_url)
        stack.push_async_callback(blobs.close)
        log.info("gateway connected to %s", bus.url)
        yield Resources(settings=settings, bus=bus, store=store, blobs=blobs)
