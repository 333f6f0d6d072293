"""Reading the events stream back: one run's stored history, its `run.created`, and live feeds
that resume — one to await event by event (`EventFeed`), one that calls back (`EventWatch`).

The history and the feeds use server-side ephemeral consumers filtered on
`prolight.*.*.<run_id>` (or on every event) and starting after a given stream sequence, so a
client that saw event N asks for "after N" and gets exactly what it missed, in order; the
`run.created` is one direct read of its subject's last message. Task requests live in the
work-queue stream and are gone once taken, so none of these includes them; `task.started` and
later events are all here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Self

import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError

from prolight.contracts.events import Event
from prolight.contracts.subjects import (
    ALL_EVENTS,
    EVENTS_STREAM,
    EventType,
    event_subject,
    run_history_filter,
)
from prolight.platform.bus.errors import (
    BusTimeoutError,
    MalformedEventError,
    nats_errors,
    translate,
)
from prolight.platform.bus.stored import StoredEvent
from prolight.platform.bus.worker import delivery_of
from prolight.platform.closing import AsyncClosing

__all__ = ["EventFeed", "EventWatch", "open_feed", "open_watch", "read_created", "read_history"]

log = logging.getLogger(__name__)

_FETCH_MAX = 256
_EPHEMERAL_IDLE_S = 30.0  # the server deletes a forgotten ephemeral consumer after this


def _start(after_sequence: int | None) -> tuple[DeliverPolicy, int | None]:
    if after_sequence is None:
        return DeliverPolicy.NEW, None
    if after_sequence < 0:
        raise ValueError("after_sequence is a stream sequence ≥ 0")
    return DeliverPolicy.BY_START_SEQUENCE, after_sequence + 1


async def read_history(
    js: JetStreamContext, run_id: str, *, after_sequence: int = 0, timeout: float = 5.0
) -> list[Event]:
    """Every stored event of `run_id` after `after_sequence`, oldest first (see `Bus.history`).

    Messages that do not decode are skipped with a warning. `timeout` bounds each fetch, in
    seconds; raises `BusTimeoutError` when the server stops answering mid-read.
    """
    policy, start = _start(after_sequence)
    subject = run_history_filter(run_id)
    config = ConsumerConfig(
        deliver_policy=policy,
        opt_start_seq=start,
        ack_policy=AckPolicy.NONE,
        inactive_threshold=_EPHEMERAL_IDLE_S,
        mem_storage=True,
    )
    events: list[Event] = []
    with nats_errors(f"read the history of run {run_id}"):
        sub = await js.pull_subscribe(subject, stream=EVENTS_STREAM, config=config)
        consumer_name: str | None = None
        try:
            info = await sub.consumer_info()
            consumer_name, remaining = info.name, info.num_pending or 0
            while remaining > 0:
                try:
                    msgs = await sub.fetch(min(remaining, _FETCH_MAX), timeout=timeout)
                except nats.errors.TimeoutError as exc:
                    raise BusTimeoutError(
                        f"history of run {run_id}: {remaining} events announced, none came"
                    ) from exc
                for msg in msgs:
                    remaining = msg.metadata.num_pending or 0
                    try:
                        events.append(delivery_of(msg).event)
                    except MalformedEventError as exc:
                        log.warning("skipping in history: %s", exc)
        finally:
            with contextlib.suppress(nats.errors.Error, OSError):
                await sub.unsubscribe()
                if consumer_name:
                    await js.delete_consumer(EVENTS_STREAM, consumer_name)
    return events


async def read_created(js: JetStreamContext, run_id: str) -> Event | None:
    """The stored `run.created` event of `run_id` (its stream sequence set), or None when the
    stream holds none: one direct read of the subject's last message, no consumer."""
    subject = event_subject(EventType.RUN_CREATED, run_id)
    with nats_errors(f"read run.created of run {run_id}"):
        try:
            msg = await js.get_last_msg(EVENTS_STREAM, subject)
        except nats.js.errors.NotFoundError:
            return None
    try:
        event = Event.model_validate_json(msg.data or b"")
    except ValidationError as exc:
        raise MalformedEventError(f"{subject} (stream seq {msg.seq}) is not an event") from exc
    return event.model_copy(update={"sequence": msg.seq})


async def _subscribe_ordered(
    js: JetStreamContext,
    subject: str,
    description: str,
    *,
    after_sequence: int | None,
    cb: Callable[[Msg], Awaitable[None]] | None = None,
) -> JetStreamContext.PushSubscription:
    """An ordered push consumer on `subject` from `after_sequence` (None: from now): the client
    library recreates it after a gap or a reconnect, so events arrive once each and in order."""
    policy, start = _start(after_sequence)
    with nats_errors(f"subscribe to events of {description}"):
        return await js.subscribe(
            subject,
            stream=EVENTS_STREAM,
            ordered_consumer=True,
            deliver_policy=policy,
            config=ConsumerConfig(opt_start_seq=start),
            cb=cb,
        )


def _is_control(msg: Msg) -> bool:
    """True for a heartbeat or flow-control message that reached us: not an event."""
    return not msg.data and bool(msg.headers) and "Status" in (msg.headers or {})


class _OrderedSubscription(AsyncClosing):
    """What the feed and the watch share: their subscription, and closing it."""

    def __init__(self, sub: JetStreamContext.PushSubscription) -> None:
        self._sub = sub
        self._closed = False

    @property
    def closed(self) -> bool:
        """True once `close` was called."""
        return self._closed

    async def close(self) -> None:
        """Stop receiving; the server drops the consumer."""
        if not self._closed:
            self._closed = True
            with contextlib.suppress(nats.errors.Error, OSError):
                await self._sub.unsubscribe()


class EventFeed(_OrderedSubscription):
    """A live, ordered stream of events; iterate with `async for` or call `next(timeout)`.

    Backed by an ordered push consumer (`_subscribe_ordered`). Close it when done.
    """

    def __init__(self, sub: JetStreamContext.PushSubscription, description: str) -> None:
        super().__init__(sub)
        self._description = description

    async def next(self, timeout: float | None = None) -> Event:
        """The next event; waits up to `timeout` seconds (None: forever), then `BusTimeoutError`."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            left = None if deadline is None else max(deadline - loop.time(), 0.0)
            try:
                msg = await self._sub.next_msg(timeout=left)
            except nats.errors.TimeoutError as exc:
                raise BusTimeoutError(
                    f"no event on {self._description} within {timeout} s"
                ) from exc
            except (nats.errors.Error, OSError) as exc:
                raise translate(exc, f"read {self._description}") from exc
            if _is_control(msg):
                continue
            try:
                return delivery_of(msg).event
            except MalformedEventError as exc:
                log.warning("skipping in feed: %s", exc)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        if self._closed:
            raise StopAsyncIteration
        return await self.next()


async def open_feed(
    js: JetStreamContext, run_id: str | None, *, after_sequence: int | None
) -> EventFeed:
    """An `EventFeed` of one run (or of all runs); see `Bus.feed`."""
    subject = run_history_filter(run_id) if run_id is not None else ALL_EVENTS
    description = f"run {run_id}" if run_id else "all runs"
    sub = await _subscribe_ordered(js, subject, description, after_sequence=after_sequence)
    return EventFeed(sub, description)


class EventWatch(_OrderedSubscription):
    """A live, ordered stream of stored events handed to a callback (see `Bus.watch`); close it
    when done. The same ordered push consumer as `EventFeed`, without a task per event."""


async def open_watch(
    js: JetStreamContext, on_event: Callable[[StoredEvent], None], *, after_sequence: int | None
) -> EventWatch:
    """An `EventWatch` of every run's events; see `Bus.watch`."""

    async def deliver(msg: Msg) -> None:
        if _is_control(msg):
            return
        try:
            event = StoredEvent.from_message(msg)
        except MalformedEventError as exc:
            log.warning("skipping in watch: %s", exc)
            return
        on_event(event)

    sub = await _subscribe_ordered(
        js, ALL_EVENTS, "all runs", after_sequence=after_sequence, cb=deliver
    )
    return EventWatch(sub)
