"""Cross-service fixtures: a real nats-server, a real SQLite store and blob directory, and the
planner, bria-generator, storage and evaluator run in this process as asyncio tasks.

`pipeline` is a `Pipeline`: `start(name)` / `stop(name)` a service (several instances of one
service are fine: `start("planner", instance="b")`), `submit(...)` a run the way the gateway
does (publish `run.created`), and `wait_for(run_id, *types)` an event of the run,
read from the events stream with a timeout (never a sleep). Services read their settings from
the environment, which the fixture points at the test's own server, store and blobs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from prolight.contracts.events import Event, RunCancelRequested, RunCreated, RunOptions
from prolight.contracts.subjects import EventType
from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.blobs import ArtifactStore, open_blobs
from prolight.platform.bus import Bus
from prolight.platform.store import RunStore, open_store
from prolight_bria_generator import service as generator_service
from prolight_bria_generator.generate import Renderer
from prolight_bria_generator.settings import GeneratorSettings
from prolight_evaluator import service as evaluator_service
from prolight_evaluator.settings import EvaluatorSettings
from prolight_planner import service as planner_service
from prolight_planner.settings import PlannerSettings
from prolight_storage import service as storage_service
from prolight_storage.settings import StorageSettings
from prolight_testing.infra import NatsServer

__all__ = ["Pipeline", "pipeline", "portrait"]

SERVICES = ("planner", "generator", "storage", "evaluator")
FINAL = (EventType.RUN_COMPLETED, EventType.RUN_FAILED, EventType.RUN_CANCELLED)


def portrait(preset: str = "rembrandt") -> FiboPrompt:
    """A preset as a prompt (1024×1280 asked; the generator's cap renders it at 96×120)."""
    return FiboPrompt(scene=get_preset(preset).setup)


def service_env(server_url: str, root: Path) -> dict[str, str]:
    """The environment every service of a test reads: this test's NATS, store and blobs,
    health endpoints off, tiny renders, quick redelivery."""
    return {
        "PROLIGHT_NATS_URL": server_url,
        "PROLIGHT_STORE_URL": f"sqlite:///{root / 'store.db'}",
        "PROLIGHT_BLOB_URL": f"file://{root / 'blobs'}",
        "PROLIGHT_PLANNER_HEALTH_PORT": "0",
        "PROLIGHT_BRIA_GENERATOR_HEALTH_PORT": "0",
        "PROLIGHT_STORAGE_HEALTH_PORT": "0",
        "PROLIGHT_EVALUATOR_HEALTH_PORT": "0",
        "PROLIGHT_GENERATOR_MAX_WIDTH": "96",
        "PROLIGHT_GENERATOR_MAX_HEIGHT": "120",
        "PROLIGHT_ACK_WAIT_S": "3",
        "PROLIGHT_DRAIN_TIMEOUT_S": "0.5",
        "PROLIGHT_LOG_LEVEL": "INFO",
    }


@dataclass
class Pipeline:
    """The services of one test and handles on the infrastructure they share (module doc)."""

    bus: Bus
    store: RunStore
    blobs: ArtifactStore
    env: dict[str, str]
    renderer: Renderer = render
    running: dict[str, tuple[asyncio.Event, asyncio.Task[None]]] = field(default_factory=dict)

    def _serve(self, name: str, instance: str) -> Callable[[asyncio.Event], Awaitable[None]]:
        suffix = {"PROLIGHT_INSTANCE_ID": f"{name}-{instance}"}
        with pytest.MonkeyPatch.context() as mp:
            for key, value in {**self.env, **suffix}.items():
                mp.setenv(key, value)
            if name == "planner":
                planner = PlannerSettings.load()
                return lambda stop: planner_service.serve(planner, stop)
            if name == "generator":
                generator = GeneratorSettings.load()
                renderer = self.renderer
                return lambda stop: generator_service.serve(generator, stop, renderer=renderer)
            if name == "storage":
                storage = StorageSettings.load()
                return lambda stop: storage_service.serve(storage, stop)
            evaluator = EvaluatorSettings.load()
            return lambda stop: evaluator_service.serve(evaluator, stop)

    async def start(self, name: str, instance: str = "a") -> None:
        """Start one instance of a service (`planner`, `generator`, `storage`, `evaluator`)."""
        stop = asyncio.Event()
        task = asyncio.create_task(self._serve(name, instance)(stop), name=f"{name}-{instance}")
        self.running[f"{name}-{instance}"] = (stop, task)

    async def start_all(self) -> None:
        for name in SERVICES:
            await self.start(name)

    async def stop(self, key: str) -> None:
        """Stop the instance `key` (`<service>-<instance>`) as SIGTERM would."""
        stop, task = self.running.pop(key)
        stop.set()
        await asyncio.wait_for(task, 15)

    async def stop_all(self) -> None:
        """Stop every running instance at once (each takes up to a fetch timeout)."""
        keys = list(self.running)
        for key in keys:
            self.running[key][0].set()
        await asyncio.gather(*(self.stop(k) for k in keys), return_exceptions=True)

    async def submit(
        self, run_id: str, prompt: FiboPrompt | None = None, **options: Any
    ) -> RunCreated:
        """Publish a run's `run.created`, as the gateway does (the planner records the run)."""
        created = RunCreated(prompt=prompt or portrait(), options=RunOptions(**options))
        await self.bus.publish(Event.build(run_id, created))
        return created

    async def cancel(self, run_id: str) -> None:
        """Publish `run.cancel_requested`, as the gateway does."""
        await self.bus.publish(Event.build(run_id, RunCancelRequested(reason="test cancels")))

    async def wait_for(
        self, run_id: str, *types: EventType, timeout: float = 30.0, after: int = 0
    ) -> Event:
        """The first event of the run of one of `types` after stream sequence `after`."""
        async with await self.bus.feed(run_id, after_sequence=after) as feed:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while True:
                event = await feed.next(timeout=max(deadline - loop.time(), 0.01))
                if event.type in types:
                    return event

    async def finish(self, run_id: str, timeout: float = 30.0) -> Event:
        """The run's final event (completed, failed or cancelled)."""
        return await self.wait_for(run_id, *FINAL, timeout=timeout)


@pytest.fixture
async def pipeline(nats_server: NatsServer, tmp_path: Path) -> AsyncIterator[Pipeline]:
    """Infrastructure for one test, no service started yet (see `Pipeline`)."""
    env = service_env(nats_server.url, tmp_path)
    async with (
        await Bus.connect(nats_server.url, name="test") as bus,
        await open_store(env["PROLIGHT_STORE_URL"]) as store,
        await open_blobs(env["PROLIGHT_BLOB_URL"]) as blobs,
    ):
        await bus.ensure_streams()
        harness = Pipeline(bus, store, blobs, env)
        try:
            yield harness
        finally:
            await harness.stop_all()
