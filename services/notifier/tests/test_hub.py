"""The fan-out's handover and bounds, with a fake bus (no NATS): history and live overlap."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from notifier_testkit import GATEWAY, filler

from prolight.contracts.events import Event
from prolight.contracts.subjects import EventType
from prolight.platform.bus import Bus, BusUnavailableError, StoredEvent
from prolight_notifier.hub import Evicted, Hub, RunGone, Subscriber
from prolight_notifier.messages import Message


def _seq(event: Event, sequence: int) -> Event:
    return event.model_copy(update={"sequence": sequence})


class FakeBus:
    """`history` returns what the test stored, after the test released it."""

    def __init__(self) -> None:
        self.stored: list[Event] = []
        self.release = asyncio.Event()
        self.calls = 0
        self.fail = False

    async def history(self, run_id: str, **_: Any) -> list[Event]:
        self.calls += 1
        await self.release.wait()
        if self.fail:
            raise BusUnavailableError("down")
        return [e for e in self.stored if e.run_id == run_id]


def _hub(bus: FakeBus, buffer: int = 100) -> Hub:
    return Hub(cast(Bus, bus), gateway_url=GATEWAY, client_buffer=buffer)


def _message(sequence: int) -> Message:
    return Message.of(sequence, EventType.TASK_COMPLETED, str(sequence))


async def _drain(sub: Subscriber) -> list[int]:
    out = []
    while (m := sub.next_nowait()) is not None:
        out.append(m.sequence)
    return out


async def test_history_and_live_overlap_are_merged_once_in_order() -> None:
    bus = FakeBus()
    hub = _hub(bus)
    events = [_seq(filler("r", i), i) for i in range(1, 9)]
    bus.stored = events[:5]  # 1..5 stored when the history is read
    async with asyncio.timeout(5):
        joined: asyncio.Future[Subscriber] = asyncio.get_running_loop().create_future()

        async def client() -> None:
            async with hub.subscribe("r", after=2) as sub:
                joined.set_result(sub)
                await asyncio.Event().wait()

        task = asyncio.create_task(client())
        await asyncio.sleep(0)  # let it register the channel and start loading
        for e in events[3:7]:  # 4..7 arrive live while loading: 4, 5 overlap the history
            hub.dispatch(StoredEvent.of(e))
        bus.release.set()
        sub = await joined
        hub.dispatch(StoredEvent.of(events[7]))
        hub.dispatch(StoredEvent.of(events[6]))  # a repeat is ignored
        assert await _drain(sub) == [3, 4, 5, 6, 7, 8]
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert hub.stats().runs == 0  # the channel goes with its last client


async def test_one_history_read_for_many_clients_of_a_run() -> None:
    bus = FakeBus()
    bus.stored = [_seq(filler("r", i), i) for i in range(1, 4)]
    bus.release.set()
    hub = _hub(bus)
    async with hub.subscribe("r") as a, hub.subscribe("r", after=2) as b:
        assert await _drain(a) == [1, 2, 3]
        assert await _drain(b) == [3]
        assert hub.stats().clients == 2
    assert bus.calls == 1


async def test_a_failed_history_read_raises_and_is_retried_by_the_next_client() -> None:
    bus = FakeBus()
    bus.fail = True
    bus.release.set()
    hub = _hub(bus)
    with pytest.raises(BusUnavailableError):
        async with hub.subscribe("r"):
            pass
    bus.fail = False
    async with hub.subscribe("r"):
        pass
    assert bus.calls == 2


async def test_a_finished_run_with_no_events_left_is_gone_not_waited_for() -> None:
    bus = FakeBus()
    bus.release.set()
    hub = _hub(bus)
    with pytest.raises(RunGone):  # expired or deleted: the stream holds none of its events
        async with hub.subscribe("r", finished=True):
            pass
    assert hub.stats().runs == 0
    async with hub.subscribe("r") as early:  # not known to be finished: its events may come
        assert early.next_nowait() is None
    bus.stored = [_seq(filler("r", 1), 1)]
    async with hub.subscribe("r", finished=True) as sub:  # the events it still has
        assert await _drain(sub) == [1]


def test_subscriber_is_evicted_when_its_live_queue_overflows() -> None:
    sub = Subscriber("r", after=0, limit=2, backlog=[_message(1), _message(2), _message(3)])
    assert sub.offer(_message(4))  # the backlog does not count against the limit
    assert sub.offer(_message(5))
    assert not sub.offer(_message(6))
    assert sub.evicted
    with pytest.raises(Evicted) as info:
        sub.next_nowait()
    assert info.value.last_sequence == 0


def test_subscriber_reports_the_last_sequence_handed_out() -> None:
    sub = Subscriber("r", after=10, limit=1, backlog=[])
    assert sub.offer(_message(10))  # at or below `after`: dropped, not counted
    assert sub.next_nowait() is None
    assert sub.offer(_message(11))
    assert sub.next_nowait() == _message(11)
    assert sub.offer(_message(12))
    assert not sub.offer(_message(13))
    with pytest.raises(Evicted) as info:
        sub.next_nowait()
    assert info.value.last_sequence == 11


async def test_next_times_out_with_none_for_a_heartbeat() -> None:
    sub = Subscriber("r", after=0, limit=1, backlog=[])
    assert await sub.next(timeout=0.01) is None
