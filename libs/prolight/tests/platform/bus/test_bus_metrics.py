"""The bus feeds prolight.platform.metrics: run events on publish, queue lag and handler errors on
delivery, on a real nats-server."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import REGISTRY

from prolight.contracts.events import Event, RunCreated, TaskRequested
from prolight.contracts.subjects import TASKS_STREAM, Tool, tool_durable, tool_filter
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.bus import Bus, ConsumerSettings, Delivery
from prolight_testing.tasks import sample_params

pytestmark = pytest.mark.integration


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_run_event_is_counted_once_even_when_published_twice(bus: Bus) -> None:
    before = value("prolight_runs_total", status="created")
    event = Event.build("run-m", RunCreated(prompt=FiboPrompt(scene=get_preset("rembrandt").setup)))
    first = await bus.publish(event)
    again = await bus.publish(event)
    assert (first.duplicate, again.duplicate) == (False, True)
    assert value("prolight_runs_total", status="created") == before + 1


async def test_a_worker_reports_pending_lag_and_handler_errors(bus: Bus) -> None:
    durable = tool_durable(Tool.EXPORT)
    n = 4
    for i in range(n):
        await bus.publish(
            Event.build(
                "run-q",
                TaskRequested(tool=Tool.EXPORT, task_id=f"t{i}", params=sample_params(Tool.EXPORT)),
            )
        )
    lag_before = value("prolight_consumer_lag_seconds_count", consumer=durable)
    errors_before = value("prolight_handler_errors_total", consumer=durable)
    pending_seen: list[float] = []
    handled: set[str] = set()
    failed_once: set[str] = set()
    done = asyncio.Event()

    async def handle(d: Delivery) -> None:
        pending_seen.append(
            value("prolight_consumer_pending_messages", stream=TASKS_STREAM, consumer=durable)
        )
        task = d.event.task_id or ""
        if task == "t0" and task not in failed_once:
            failed_once.add(task)
            raise RuntimeError("first try fails")
        handled.add(task)
        if len(handled) == n:
            done.set()

    settings = ConsumerSettings(batch_size=1, fetch_timeout=0.2)
    worker = bus.worker(
        TASKS_STREAM, durable, handle, filter_subject=tool_filter(Tool.EXPORT), settings=settings
    )
    async with worker:
        await asyncio.wait_for(done.wait(), 10)
    # One at a time, the first delivery sees the other three still waiting behind it.
    assert pending_seen[0] == n - 1
    assert value("prolight_consumer_lag_seconds_count", consumer=durable) == lag_before + n + 1
    assert value("prolight_handler_errors_total", consumer=durable) == errors_before + 1
