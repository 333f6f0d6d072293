"""Dead letters, per-run replay, the live feed and watch, and trace context, on a real
nats-server."""

from __future__ import annotations

import asyncio

import pytest
from opentelemetry.sdk.trace import TracerProvider

from prolight.contracts.events import Event, RunFailed, TaskCompleted, TaskRequested, TaskStarted
from prolight.contracts.subjects import EVENTS_STREAM, TASKS_STREAM, EventType, Tool, tool_filter
from prolight.platform.bus import (
    Bus,
    BusTimeoutError,
    ConsumerSettings,
    DeadLetter,
    Delivery,
    StoredEvent,
)
from prolight_testing.tasks import sample_params, sample_result

pytestmark = pytest.mark.integration


def started(run_id: str, task_id: str) -> Event:
    return Event.build(run_id, TaskStarted(tool=Tool.GENERATE), task_id=task_id)


async def test_max_deliver_exhaustion_reaches_the_dead_letter_callback(bus: Bus) -> None:
    dead: list[DeadLetter] = []
    got_one = asyncio.Event()

    async def always_fails(d: Delivery) -> None:
        raise RuntimeError("renderer exploded")

    async def on_dead(letter: DeadLetter) -> None:
        dead.append(letter)
        got_one.set()

    request = Event.build(
        "run-9",
        TaskRequested(tool=Tool.GENERATE, task_id="t-9", params=sample_params(Tool.GENERATE)),
    )
    fast = ConsumerSettings(fetch_timeout=0.2, max_deliver=2)
    worker = bus.worker(
        TASKS_STREAM, "gen", always_fails, settings=fast, filter_subject=tool_filter(Tool.GENERATE)
    )
    async with worker, bus.dead_letters(on_dead, settings=ConsumerSettings(fetch_timeout=0.2)):
        published = await bus.publish(request)
        await asyncio.wait_for(got_one.wait(), 10)
    (letter,) = dead
    assert (letter.stream, letter.consumer) == (TASKS_STREAM, "gen")
    assert letter.stream_sequence == published.sequence
    assert letter.subject == "prolight.task.requested.generate.run-9"
    assert letter.deliveries == 2
    assert letter.event is not None
    assert (letter.event.task_id, letter.event.run_id) == ("t-9", "run-9")
    assert "delivered 2 times" in letter.reason


async def test_history_returns_exactly_one_runs_events_in_order_from_a_sequence(
    bus: Bus,
) -> None:
    mine: list[int] = []
    for i in range(5):
        mine.append((await bus.publish(started("run-a", f"t{i}"))).sequence)
        await bus.publish(started("run-b", f"t{i}"))
    await bus.publish(
        Event.build(
            "run-a", TaskRequested(tool=Tool.EXPORT, task_id="x", params=sample_params(Tool.EXPORT))
        )
    )

    everything = await bus.history("run-a")
    assert [e.sequence for e in everything] == mine
    assert [e.task_id for e in everything] == [f"t{i}" for i in range(5)]
    assert {e.run_id for e in everything} == {"run-a"}

    rest = await bus.history("run-a", after_sequence=mine[1])
    assert [e.sequence for e in rest] == mine[2:]
    assert await bus.history("run-a", after_sequence=mine[-1]) == []
    assert await bus.history("run-unknown") == []
    info = await bus.jetstream.stream_info(EVENTS_STREAM)
    assert info.state.consumer_count == 0  # replay leaves nothing behind


async def test_a_feed_resumes_after_a_sequence_then_goes_live(bus: Bus) -> None:
    seqs = [(await bus.publish(started("run-a", f"t{i}"))).sequence for i in range(3)]
    await bus.publish(started("run-b", "other"))
    async with await bus.feed("run-a", after_sequence=seqs[0]) as feed:
        assert (await feed.next(timeout=5)).sequence == seqs[1]
        assert (await feed.next(timeout=5)).sequence == seqs[2]
        live = Event.build("run-a", RunFailed(reason="late"))
        await bus.publish(live)
        got = await feed.next(timeout=5)
        assert got.event_id == live.event_id
        assert got.sequence is not None
        assert got.sequence > seqs[2]
        with pytest.raises(BusTimeoutError):
            await feed.next(timeout=0.3)


async def test_the_all_runs_feed_starts_with_the_next_event(bus: Bus) -> None:
    await bus.publish(started("run-old", "t0"))
    async with await bus.feed() as feed:
        fresh = [started(f"run-{i}", "t") for i in range(3)]
        for event in fresh:
            await bus.publish(event)
        got = [await feed.next(timeout=5) for _ in fresh]
    assert [e.event_id for e in got] == [e.event_id for e in fresh]


async def test_traceparent_travels_through_a_hop(bus: Bus) -> None:
    provider = TracerProvider()
    tracer = provider.get_tracer("test")
    hop_done = asyncio.Event()

    async def worker(d: Delivery) -> None:
        # The worker publishes inside the consumer span: the trace must continue.
        await bus.publish(
            Event.build(
                d.event.run_id,
                TaskCompleted(tool=Tool.GENERATE, result=sample_result(Tool.GENERATE)),
                task_id=d.event.task_id,
            )
        )
        hop_done.set()

    with tracer.start_as_current_span("gateway request") as span:
        trace_id = format(span.get_span_context().trace_id, "032x")
        await bus.publish(
            Event.build(
                "run-t",
                TaskRequested(tool=Tool.GENERATE, task_id="t", params=sample_params(Tool.GENERATE)),
            )
        )
    async with bus.worker(
        TASKS_STREAM,
        "gen",
        worker,
        filter_subject=tool_filter(Tool.GENERATE),
        settings=ConsumerSettings(fetch_timeout=0.2),
    ):
        await asyncio.wait_for(hop_done.wait(), 10)
    (completed,) = await bus.history("run-t")
    assert completed.traceparent is not None
    assert completed.traceparent.split("-")[1] == trace_id
    raw = await bus.jetstream.get_msg(EVENTS_STREAM, completed.sequence or 0)
    assert raw.headers is not None
    assert raw.headers["traceparent"] == completed.traceparent


async def test_an_explicit_traceparent_is_kept(bus: Bus) -> None:
    tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    await bus.publish(Event.build("run-x", RunFailed(reason="r"), traceparent=tp))
    (event,) = await bus.history("run-x")
    assert event.traceparent == tp


async def test_a_watch_calls_back_every_run_in_order_from_a_sequence_then_live(bus: Bus) -> None:
    before = [(await bus.publish(started(f"run-{i % 2}", f"t{i}"))).sequence for i in range(4)]
    seen: list[StoredEvent] = []
    arrived = asyncio.Event()

    def on_event(event: StoredEvent) -> None:
        seen.append(event)
        if len(seen) == 4:
            arrived.set()

    async with await bus.watch(on_event, after_sequence=before[1]):
        live = [started("run-live", "t9"), Event.build("run-0", RunFailed(reason="late"))]
        for event in live:
            await bus.publish(event)
        await asyncio.wait_for(arrived.wait(), 5)

    assert [e.sequence for e in seen[:2]] == before[2:]
    assert [e.body["event_id"] for e in seen[2:]] == [str(e.event_id) for e in live]
    assert [e.run_id for e in seen] == ["run-0", "run-1", "run-live", "run-0"]
    assert seen[3].type == EventType.RUN_FAILED
    assert seen[3].payload == {"reason": "late"}
    assert seen[2].task_id == "t9"
    # The body is what the library published: it validates back into the same event.
    assert Event.model_validate(seen[3].body).event_id == live[1].event_id


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        pytest.param(b"not json", "is not JSON", id="not-json"),
        pytest.param(b"[1, 2]", "not a JSON object", id="not-an-object"),
        pytest.param(None, "run 'run-other'", id="another-runs-event"),
        pytest.param(b'{"type": "task.started", "run_id": "run-w"}', "no event_id", id="no-id"),
    ],
)
async def test_a_watch_skips_what_is_not_an_event_of_its_subject_and_goes_on(
    bus: Bus, caplog: pytest.LogCaptureFixture, body: bytes | None, problem: str
) -> None:
    seen: list[StoredEvent] = []
    arrived = asyncio.Event()

    def on_event(event: StoredEvent) -> None:
        seen.append(event)
        arrived.set()

    wrong = started("run-other", "t0").model_dump_json(exclude={"sequence"}).encode()
    async with await bus.watch(on_event):
        await bus.jetstream.publish("prolight.task.started.run-w", body or wrong)
        good = started("run-w", "t1")
        await bus.publish(good)
        await asyncio.wait_for(arrived.wait(), 5)

    assert [e.body["event_id"] for e in seen] == [str(good.event_id)]
    assert any(problem in r.getMessage() for r in caplog.records), caplog.text
