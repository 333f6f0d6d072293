"""Connecting, declaring streams and consumers, publishing with de-duplication."""

from __future__ import annotations

import pytest
from nats.js.api import RetentionPolicy, StorageType

from prolight.contracts.events import Event, RunFailed, TaskRequested
from prolight.contracts.subjects import (
    EVENTS_STREAM,
    TASKS_STREAM,
    Tool,
    event_kind_filter,
    run_history_filter,
    tool_durable,
    tool_filter,
)
from prolight.platform.bus import DUPLICATE_WINDOW_S, Bus, BusConfigError, BusUnavailableError
from prolight_testing.tasks import sample_params

pytestmark = pytest.mark.integration


async def test_connect_to_nothing_names_the_url(free_tcp_port: int) -> None:
    url = f"nats://127.0.0.1:{free_tcp_port}"
    with pytest.raises(BusUnavailableError, match=url.replace(".", r"\.")):
        await Bus.connect(url, startup_timeout=0.5)


async def test_ensure_streams_is_idempotent_and_matches_the_architecture(bus: Bus) -> None:
    await bus.ensure_streams()  # a second service starting
    events = await bus.jetstream.stream_info(EVENTS_STREAM)
    tasks = await bus.jetstream.stream_info(TASKS_STREAM)
    assert events.config.subjects == ["prolight.*.*.*"]
    assert events.config.retention == RetentionPolicy.LIMITS
    assert events.config.storage == StorageType.FILE
    assert events.config.duplicate_window >= 120 == DUPLICATE_WINDOW_S
    assert tasks.config.subjects == ["prolight.task.requested.*.*"]
    assert tasks.config.retention == RetentionPolicy.WORK_QUEUE


async def test_the_consumer_filters_we_use_are_accepted_by_the_server(bus: Bus) -> None:
    for tool in Tool:
        await bus.ensure_consumer(
            TASKS_STREAM, tool_durable(tool), filter_subject=tool_filter(tool)
        )
        await bus.ensure_consumer(
            TASKS_STREAM, tool_durable(tool), filter_subject=tool_filter(tool)
        )
    await bus.ensure_consumer(EVENTS_STREAM, "planner", filter_subject="prolight.*.*.*")
    await bus.ensure_consumer(
        EVENTS_STREAM, "storage", filter_subject=event_kind_filter("task.completed")
    )
    await bus.ensure_consumer(EVENTS_STREAM, "one-run", filter_subject=run_history_filter("r1"))


async def test_an_overlapping_work_queue_consumer_is_refused_with_our_error(bus: Bus) -> None:
    await bus.ensure_consumer(TASKS_STREAM, "gen", filter_subject=tool_filter(Tool.GENERATE))
    with pytest.raises(BusConfigError, match="consumer"):
        await bus.ensure_consumer(TASKS_STREAM, "all", filter_subject="prolight.task.requested.>")


async def test_the_same_event_published_twice_is_stored_once(bus: Bus) -> None:
    event = Event.build("run-1", RunFailed(reason="boom"))
    first = await bus.publish(event)
    again = await bus.publish(event)
    assert (first.stream, first.duplicate) == (EVENTS_STREAM, False)
    assert (again.sequence, again.duplicate) == (first.sequence, True)
    info = await bus.jetstream.stream_info(EVENTS_STREAM)
    assert info.state.messages == 1


async def test_a_task_request_goes_to_the_work_queue_under_its_tool(bus: Bus) -> None:
    event = Event.build(
        "run-1",
        TaskRequested(tool=Tool.EVALUATE, task_id="t-1", params=sample_params(Tool.EVALUATE)),
    )
    result = await bus.publish(event)
    assert result.stream == TASKS_STREAM
    msg = await bus.jetstream.get_msg(TASKS_STREAM, result.sequence)
    assert msg.subject == "prolight.task.requested.evaluate.run-1"
    assert msg.headers is not None
    assert msg.headers["Nats-Msg-Id"] == str(event.event_id)
