"""The worker loop on a real nats-server: sharing, ack after the handler, redelivery, heartbeats."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from prolight.contracts.events import Event, TaskRequested
from prolight.contracts.subjects import TASKS_STREAM, Tool, tool_durable, tool_filter
from prolight.platform.bus import Bus, ConsumerSettings, Delivery
from prolight_testing.tasks import sample_params

pytestmark = pytest.mark.integration

GEN = {"filter_subject": tool_filter(Tool.GENERATE)}


def request(task_id: str, run_id: str = "run-1") -> Event:
    return Event.build(
        run_id,
        TaskRequested(tool=Tool.GENERATE, task_id=task_id, params=sample_params(Tool.GENERATE)),
    )


async def wait_until_empty(bus: Bus, timeout: float = 5.0) -> None:
    """The work queue deletes acked messages: wait (bounded) for the stream to drain."""

    async def drained() -> None:
        while (await bus.jetstream.stream_info(TASKS_STREAM)).state.messages:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(drained(), timeout)


async def test_two_workers_on_one_durable_share_the_work_without_duplicates(bus: Bus) -> None:
    n = 30
    seen: dict[str, list[str]] = {"a": [], "b": []}
    all_done = asyncio.Event()

    def handler_for(name: str):  # type: ignore[no-untyped-def]
        async def handle(d: Delivery) -> None:
            await asyncio.sleep(0.01)  # a little work, so both instances get a share
            seen[name].append(d.event.task_id or "")
            if len(seen["a"]) + len(seen["b"]) >= n:
                all_done.set()

        return handle

    settings = ConsumerSettings(fetch_timeout=0.2)
    durable = tool_durable(Tool.GENERATE)
    a = bus.worker(TASKS_STREAM, durable, handler_for("a"), settings=settings, **GEN)
    b = bus.worker(TASKS_STREAM, durable, handler_for("b"), settings=settings, **GEN)
    async with a, b:
        for i in range(n):
            await bus.publish(request(f"t{i}"))
        await asyncio.wait_for(all_done.wait(), 10)
        await wait_until_empty(bus)
    together = Counter(seen["a"] + seen["b"])
    assert set(together) == {f"t{i}" for i in range(n)}
    assert max(together.values()) == 1
    assert seen["a"], "instance a got no work"
    assert seen["b"], "instance b got no work"


async def test_a_failing_handler_gets_the_message_again_and_the_effect_happens_once(
    bus: Bus,
) -> None:
    effects: Counter[str] = Counter()
    deliveries: list[int] = []
    done = asyncio.Event()

    async def handle(d: Delivery) -> None:
        deliveries.append(d.delivery_count)
        task_id = d.event.task_id or ""
        if task_id not in effects:  # idempotent by task id, as services must be
            effects[task_id] += 1
        if d.delivery_count == 1:
            raise RuntimeError("crash after the effect, before the ack")
        done.set()

    settings = ConsumerSettings(fetch_timeout=0.2, max_deliver=5)
    async with bus.worker(TASKS_STREAM, "gen", handle, settings=settings, **GEN):
        await bus.publish(request("t-1"))
        await asyncio.wait_for(done.wait(), 10)
        await wait_until_empty(bus)
    assert deliveries == [1, 2]
    assert effects == {"t-1": 1}


async def test_a_long_handler_is_kept_alive_by_in_progress_acks(bus: Bus) -> None:
    deliveries: list[int] = []
    done = asyncio.Event()

    async def slow(d: Delivery) -> None:
        deliveries.append(d.delivery_count)
        await asyncio.sleep(2.2)  # longer than two ack waits: a GPU job
        done.set()

    settings = ConsumerSettings(ack_wait=1.0, fetch_timeout=0.2)
    async with bus.worker(TASKS_STREAM, "gen", slow, settings=settings, **GEN):
        await bus.publish(request("t-1"))
        await asyncio.wait_for(done.wait(), 10)
        await wait_until_empty(bus)
    assert deliveries == [1]


async def test_a_handler_over_its_timeout_is_retried(bus: Bus) -> None:
    deliveries: list[int] = []
    done = asyncio.Event()

    async def hangs_once(d: Delivery) -> None:
        deliveries.append(d.delivery_count)
        if d.delivery_count == 1:
            await asyncio.Event().wait()  # never returns
        done.set()

    settings = ConsumerSettings(fetch_timeout=0.2, handler_timeout=0.3)
    async with bus.worker(TASKS_STREAM, "gen", hangs_once, settings=settings, **GEN):
        await bus.publish(request("t-1"))
        await asyncio.wait_for(done.wait(), 10)
    assert deliveries == [1, 2]


async def test_an_undecodable_message_is_terminated_and_the_next_one_handled(bus: Bus) -> None:
    handled: list[str] = []
    done = asyncio.Event()

    async def handle(d: Delivery) -> None:
        handled.append(d.event.task_id or "")
        done.set()

    settings = ConsumerSettings(fetch_timeout=0.2)
    async with bus.worker(TASKS_STREAM, "gen", handle, settings=settings, **GEN):
        await bus.jetstream.publish("prolight.task.requested.generate.run-1", b"{not json")
        await bus.publish(request("t-good"))
        await asyncio.wait_for(done.wait(), 10)
        await wait_until_empty(bus)
    assert handled == ["t-good"]


async def test_stopping_mid_handler_hands_the_message_back_at_once(bus: Bus) -> None:
    started = asyncio.Event()
    second: list[int] = []
    done = asyncio.Event()

    async def stuck(d: Delivery) -> None:
        started.set()
        await asyncio.Event().wait()

    async def fine(d: Delivery) -> None:
        second.append(d.delivery_count)
        done.set()

    settings = ConsumerSettings(fetch_timeout=0.2, ack_wait=30)
    first = bus.worker(TASKS_STREAM, "gen", stuck, settings=settings, **GEN)
    run = asyncio.create_task(first.run(drain_timeout=0.1))
    await bus.publish(request("t-1"))
    await asyncio.wait_for(started.wait(), 10)
    first.stop()
    await asyncio.wait_for(run, 5)
    # ack_wait is 30 s: only the nak on stop lets this arrive within the timeout.
    async with bus.worker(TASKS_STREAM, "gen", fine, settings=settings, **GEN):
        await asyncio.wait_for(done.wait(), 10)
    assert second == [2]


async def test_delivery_carries_the_stream_sequence(bus: Bus) -> None:
    got: list[Delivery] = []
    done = asyncio.Event()

    async def handle(d: Delivery) -> None:
        got.append(d)
        done.set()

    published = await bus.publish(request("t-1", run_id="run-seq"))
    async with bus.worker(
        TASKS_STREAM, "gen", handle, settings=ConsumerSettings(fetch_timeout=0.2), **GEN
    ):
        await asyncio.wait_for(done.wait(), 10)
    (d,) = got
    assert d.event.sequence == d.stream_sequence == published.sequence
    assert (d.stream, d.consumer, d.redelivered) == (TASKS_STREAM, "gen", False)
    assert d.event.run_id == "run-seq"
