"""The dependencies routes take, as `Annotated` aliases (`store: StoreDep`).

They are `async def` on purpose: FastAPI runs a plain `def` dependency in a worker thread,
which costs more than the attribute lookup it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from prolight.platform.blobs import ArtifactStore
from prolight.platform.bus import Bus
from prolight.platform.store import RunStore
from prolight_gateway.access import Access
from prolight_gateway.resources import Resources
from prolight_gateway.settings import GatewaySettings

__all__ = [
    "BlobsDep",
    "BusDep",
    "CallerDep",
    "LimitedCallerDep",
    "ResourcesDep",
    "RunStart",
    "RunStartDep",
    "SettingsDep",
    "StoreDep",
    "get_caller",
]


async def get_resources(request: Request) -> Resources:
    """The resources the lifespan opened."""
    resources: Resources = request.app.state.resources
    return resources


# Each alias reads `request.app.state` itself rather than depending on `get_resources`:
# a nested dependency costs FastAPI a second resolution step on every request.


async def get_settings(request: Request) -> GatewaySettings:
    """The gateway's settings."""
    settings: GatewaySettings = request.app.state.resources.settings
    return settings


async def get_store(request: Request) -> RunStore:
    """The run store."""
    store: RunStore = request.app.state.resources.store
    return store


async def get_bus(request: Request) -> Bus:
    """The NATS connection."""
    bus: Bus = request.app.state.resources.bus
    return bus


async def get_blobs(request: Request) -> ArtifactStore:
    """The artifact store."""
    blobs: ArtifactStore = request.app.state.resources.blobs
    return blobs


ResourcesDep = Annotated[Resources, Depends(get_resources)]
SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
StoreDep = Annotated[RunStore, Depends(get_store)]
BusDep = Annotated[Bus, Depends(get_bus)]
BlobsDep = Annotated[ArtifactStore, Depends(get_blobs)]


async def get_caller(request: Request) -> str:
    """The owner of the request's `X-API-Key` (`anonymous` with keys off); 401 otherwise."""
    access: Access = request.app.state.resources.access
    return access.caller(request.headers.get("x-api-key"))


CallerDep = Annotated[str, Depends(get_caller)]
"""Who is calling; every /api router depends on it, so a route that names it gets the cached
value at no extra cost."""


@dataclass(frozen=True)
class RunStart:
    """What an endpoint that starts a run works with: the open resources, and the caller who
    spent one of their runs on it."""

    resources: Resources
    caller: str


async def get_run_start(request: Request) -> RunStart:
    """The resources and the caller (401 as `get_caller`), after spending one of the caller's
    runs from the rate limit all replicas share (429 with Retry-After when none is left, 503
    `bus_unavailable` when NATS cannot be asked; keys on only: `access.Access.spend`).

    One dependency for all of it, and the routers of run-starting endpoints take no other
    (`routes.CHECKS_ITS_CALLER`): every dependency FastAPI solves costs the busiest endpoint
    about 4 % of its instructions (callgrind, `bench/bench_gateway.py`'s request).
    """
    resources: Resources = request.app.state.resources
    caller = resources.access.caller(request.headers.get("x-api-key"))
    await resources.access.spend(caller)
    return RunStart(resources, caller)


RunStartDep = Annotated[RunStart, Depends(get_run_start)]
"""For an endpoint that starts a run (rate limited per key)."""


async def get_limited_caller(request: Request, caller: CallerDep) -> str:
    """The caller (`get_caller`, which the router already solved: FastAPI caches it), after
    spending one of their tokens as a run start does (429 / 503 as `get_run_start`), for an
    endpoint that costs as much as one without starting a run (translate: a Gemini call)."""
    access: Access = request.app.state.resources.access
    await access.spend(caller)
    return caller


LimitedCallerDep = Annotated[str, Depends(get_limited_caller)]
"""The caller of an endpoint rate limited like a run start."""
