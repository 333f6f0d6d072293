"""The planner's handlers on a real SQLite run store, with a bus that records publishes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from prolight.contracts.events import (
    Event,
    EventPayload,
    RunCreated,
    RunFailed,
    TaskFailed,
    TaskRequested,
)
from prolight.contracts.subjects import Tool
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.bus import Delivery
from prolight.platform.store import RunStatus, RunStore, SqliteRunStore, TaskStatus
from prolight_planner.planner import Planner

RUN = "r1"


class RecordingBus:
    def __init__(self) -> None:
        self.published: list[Event] = []

    async def publish(self, event: Event) -> None:
        self.published.append(event)


def delivery(payload: EventPayload, task_id: str | None = None) -> Delivery:
    return Delivery(
        event=Event.build(RUN, payload, task_id=task_id),
        subject="prolight.contracts.events",
        stream="PROLIGHT_EVENTS",
        consumer="prolight-planner",
        stream_sequence=1,
        delivery_count=1,
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[RunStore]:
    async with await SqliteRunStore.open(tmp_path / "runs.db") as s:
        yield s


@pytest.mark.parametrize(
    "retryable", [pytest.param(False, id="final"), pytest.param(True, id="claims-retryable")]
)
async def test_a_failed_task_fails_the_run_and_is_never_requested_again(
    store: RunStore, retryable: bool
) -> None:
    bus = RecordingBus()
    planner = Planner(bus, store)  # type: ignore[arg-type]
    prompt = FiboPrompt(scene=get_preset("loop").setup)
    await planner.on_event(delivery(RunCreated(prompt=prompt)))
    requested = [e for e in bus.published if isinstance(e.payload, TaskRequested)]
    assert requested
    task_id = requested[0].payload.task_id  # type: ignore[union-attr]

    # What a worker does: store the failure, then report it.
    await store.set_task_status(task_id, TaskStatus.STARTED)
    await store.set_task_status(task_id, TaskStatus.FAILED, error="BRIA stayed unavailable")
    bus.published.clear()
    failed = TaskFailed(tool=Tool.GENERATE, reason="BRIA stayed unavailable", retryable=retryable)
    await planner.on_event(delivery(failed, task_id))

    assert not any(isinstance(e.payload, TaskRequested) for e in bus.published)
    assert [type(e.payload) for e in bus.published] == [RunFailed]
    run = await store.get_run(RUN)
    assert run is not None
    assert run.status == RunStatus.FAILED
    assert run.error == f"generate task {task_id} failed: BRIA stayed unavailable"
