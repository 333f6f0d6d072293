"""What the gateway holds open while it serves: the bus, the run store, the artifact store,
and who may call (the API keys, re-read when their file changes, and the shared rate limit).

Opened in the application's lifespan (never at import), so `create_app()` builds an app
without touching the network; closed in reverse order at shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from nats.js.kv import KeyValue

from prolight.platform.api_keys import LiveKeyRing
from prolight.platform.blobs import ArtifactStore, open_blobs
from prolight.platform.bus import Bus
from prolight.platform.serving import connect
from prolight.platform.store import RunStore
from prolight_gateway.access import Access, open_rate_limit
from prolight_gateway.delivery import open_deliverer
from prolight_gateway.idempotency import IDEMPOTENCY_BUCKET
from prolight_gateway.settings import GatewaySettings

__all__ = ["Resources", "open_access", "open_resources"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resources:
    """The open connections the routes use (see `deps.py`)."""

    settings: GatewaySettings
    bus: Bus
    store: RunStore
    blobs: ArtifactStore
    access: Access
    idempotency: KeyValue
    """The idempotency keys' bucket (`prolight_gateway.idempotency`)."""


@asynccontextmanager
async def open_resources(settings: GatewaySettings) -> AsyncIterator[Resources]:
    """Connect to NATS (declaring the streams), open the run and artifact stores.

    Raises `BusUnavailableError`, `StoreUnavailableError` or `BlobUnavailableError` when one
    cannot be reached, and `KeyFileError` for an unusable keys file, so a misconfigured
    gateway stops at start-up instead of serving 503s.
    """
    access = open_access(settings)
    async with AsyncExitStack() as stack:
        bus, store = await stack.enter_async_context(connect(settings, "gateway"))
        blobs = await open_blobs(settings.blob_url)
        stack.push_async_callback(blobs.close)
        log.info("gateway connected to %s", bus.url)
        if access.keys is not None:  # the per-key rate limit, shared by every replica
            limit = await open_rate_limit(
                bus,
                settings.generate_rate_per_min,
                settings.generate_burst,
                replicas=settings.nats_replicas,
            )
            access = access.limited(limit, bus)
        if settings.webhooks_on:  # this replica's share of the webhook deliveries
            await stack.enter_async_context(open_deliverer(bus, store, settings))
        idempotency = await bus.key_value(
            IDEMPOTENCY_BUCKET, ttl_s=settings.idempotency_ttl_s, replicas=settings.nats_replicas
        )
        yield Resources(
            settings=settings,
            bus=bus,
            store=store,
            blobs=blobs,
            access=access,
            idempotency=idempotency,
        )


def open_access(settings: GatewaySettings) -> Access:
    """The live key ring of `api_keys_file` (None: keys off — a local development run, said
    in the log); the rate limit is added once NATS is connected (`open_rate_limit`)."""
    if settings.api_keys_file is None:
        log.warning(
            "API keys are off (PROLIGHT_LOCAL_DEV): anyone who reaches this gateway can start "
            "and read every run (set PROLIGHT_API_KEYS_FILE to require keys)"
        )
        return Access(None)
    keys = LiveKeyRing(settings.api_keys_file)
    log.info("API keys on: %d keys from %s", len(keys.ring.owners), settings.api_keys_file)
    return Access(keys)
