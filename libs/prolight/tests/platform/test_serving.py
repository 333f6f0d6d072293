"""serving: connect, tool_worker and run_workers (fake workers; a real nats-server for connect)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from prolight.contracts.subjects import EVENTS_STREAM, TASKS_STREAM, Tool
from prolight.platform.bus import ConsumerSettings, Delivery
from prolight.platform.health import HealthServer
from prolight.platform.serving import connect, run_workers, tool_worker
from prolight.platform.settings import WorkerSettings


class FakeWorker:
    """Runs until stopped, or fails at once with `error`."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.drain_timeout: float | None = None
        self.stopped = asyncio.Event()

    async def run(self, *, drain_timeout: float = 10.0) -> None:
        self.drain_timeout = drain_timeout
        if self.error is not None:
            raise self.error
        await self.stopped.wait()

    def stop(self) -> None:
        self.stopped.set()


class RecordingBus:
    def __init__(self) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def worker(self, *args: Any, **kwargs: Any) -> str:
        self.calls.append((args, kwargs))
        return "worker"


def settings(**values: Any) -> WorkerSettings:
    return WorkerSettings.model_validate(values)


async def test_workers_run_with_health_until_stop(free_tcp_port: int) -> None:
    workers = [FakeWorker(), FakeWorker()]
    stop = asyncio.Event()
    health = HealthServer(free_tcp_port, {}, host="127.0.0.1")
    serving = asyncio.create_task(run_workers(workers, stop, health=health, drain_timeout=2.5))
    async with httpx.AsyncClient() as client:
        for _ in range(100):  # until the health server listens
            try:
                live = await client.get(f"http://127.0.0.1:{free_tcp_port}/healthz", timeout=1)
                break
            except httpx.ConnectError:
                await asyncio.sleep(0.02)
    assert live.status_code == 200
    assert not serving.done()

    stop.set()
    await asyncio.wait_for(serving, 5)
    assert all(w.stopped.is_set() for w in workers)
    assert [w.drain_timeout for w in workers] == [2.5, 2.5]
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{free_tcp_port}/healthz", timeout=1)


async def test_a_failing_worker_stops_the_others_and_its_error_is_raised() -> None:
    healthy, failing = FakeWorker(), FakeWorker(RuntimeError("consumer gone"))
    with pytest.raises(RuntimeError, match="consumer gone"):
        await asyncio.wait_for(
            run_workers(
                [healthy, failing],
                asyncio.Event(),
                health=HealthServer(0, {}),
                drain_timeout=1,
            ),
            5,
        )
    assert healthy.stopped.is_set()


def test_a_tool_worker_binds_the_tools_shared_durable_on_the_task_queue() -> None:
    bus = RecordingBus()

    async def handler(delivery: Delivery) -> None:
        return None

    config = settings(ack_wait_s=12, max_deliver=3)
    worker = tool_worker(bus, Tool.EVALUATE, handler, config)  # type: ignore[arg-type]

    assert worker == "worker"
    ((args, kwargs),) = bus.calls
    assert args == (TASKS_STREAM, "prolight-evaluate", handler)
    assert kwargs == {
        "filter_subject": "prolight.task.requested.evaluate.*",
        "settings": ConsumerSettings(ack_wait=12, max_deliver=3),
    }


@pytest.mark.integration
async def test_connect_declares_the_streams_and_closes_on_exit(
    nats_server: Any, tmp_path: Path
) -> None:
    config = settings(
        nats_url=nats_server.url,
        store_url=f"sqlite:///{tmp_path / 'runs.db'}",
        instance_id="test-1",
    )
    async with connect(config, "evaluator") as (bus, store):
        await store.ping()
        for stream in (EVENTS_STREAM, TASKS_STREAM):
            assert (await bus.jetstream.stream_info(stream)).config.name == stream
    assert not bus.is_connected
