"""The planner records every run from its `run.created` (the gateway only publishes it), and a
cancel request that reaches a planner before that `run.created` still cancels the run."""

from __future__ import annotations

from typing import Any

import pytest

from prolight.contracts.events import Event, RunCancelRequested, RunCreated, RunOptions
from prolight.contracts.subjects import EVENTS_STREAM, EventType
from prolight.platform.bus import Delivery
from prolight.platform.store import RunStatus
from prolight_planner.planner import Planner
from prolight_planner.service import EVENTS_DURABLE

from .conftest import portrait

pytestmark = pytest.mark.integration


def delivered(event: Event, sequence: int) -> Delivery:
    """`event` as the planner's consumer hands it over."""
    return Delivery(
        event=event.model_copy(update={"sequence": sequence}),
        subject=event.subject,
        stream=EVENTS_STREAM,
        consumer=EVENTS_DURABLE,
        stream_sequence=sequence,
        delivery_count=1,
    )


async def test_the_planner_records_a_published_run_as_its_event_describes_it(
    pipeline: Any,
) -> None:
    await pipeline.start("planner")
    await pipeline.start("generator")
    assert await pipeline.store.get_run("run-recorded") is None
    created = await pipeline.submit("run-recorded", num_results=2, seed=5)
    await pipeline.wait_for("run-recorded", EventType.TASK_STARTED)  # planned, so recorded

    run = await pipeline.store.get_run("run-recorded")
    [event] = [
        e for e in await pipeline.bus.history("run-recorded") if e.type == EventType.RUN_CREATED
    ]
    assert run is not None
    assert run.status in (RunStatus.PLANNING, RunStatus.RUNNING)  # moved on once its tasks went
    assert run.options == created.options
    assert run.prompt == created.prompt
    assert abs((run.created_at - event.occurred_at).total_seconds()) < 0.001


async def test_a_cancel_handled_before_its_run_created_still_cancels_the_run(
    pipeline: Any,
) -> None:
    # Two planner instances share one durable: the one that takes the cancel may not have
    # seen the run.created another instance holds. Handled here in that order, by hand.
    planner = Planner(pipeline.bus, pipeline.store)
    created = Event.build("run-early", RunCreated(prompt=portrait(), options=RunOptions()))
    first = await pipeline.bus.publish(created)
    cancel = Event.build("run-early", RunCancelRequested(reason="changed my mind"))
    second = await pipeline.bus.publish(cancel)

    await planner.on_event(delivered(cancel, second.sequence))
    await planner.on_event(delivered(created, first.sequence))

    run = await pipeline.store.get_run("run-early")
    assert run is not None
    assert run.status == RunStatus.CANCELLED
    assert run.error == "changed my mind"
    assert await pipeline.store.list_tasks("run-early") == []
    assert EventType.RUN_CANCELLED in [e.type for e in await pipeline.bus.history("run-early")]


async def test_a_cancel_for_a_run_the_stream_never_had_is_ignored(pipeline: Any) -> None:
    planner = Planner(pipeline.bus, pipeline.store)
    cancel = Event.build("run-never", RunCancelRequested(reason="typo in the id"))
    sent = await pipeline.bus.publish(cancel)

    await planner.on_event(delivered(cancel, sent.sequence))

    assert await pipeline.store.get_run("run-never") is None
