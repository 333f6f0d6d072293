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
import uuid
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
from prolight.platform.bus.retrying import CONSUMER_CREATE_S, with_retries
from prolight.platform.bus.stored import StoredEvent
from prolight.platform.bus.worker import delivery_of
from prolight.platform.closing import AsyncClosing

__all__ = ["EventFeed", "EventWatch", "open_feed", "open_watch", "read_created", "read_history"]

log = logging.getLogger(__name__)

_FETCH_MAX = 256
_EPHEMERAL_IDLE_S = 30.0  # the server deletes a forgotten ephemeral consumer after this
# An ordered consumer is one server's (R1, in memory); when that server dies the heartbeats
# stop, and nats-py recreates the consumer from the next sequence after two missed ones, then
# again every two while the cluster cannot place it yet (electing the stream's leader).
# nats-py's default of 5 s would leave a live watch silent for 10–20 s after losing a server.
_ORDERED_HEARTBEAT_S = 1.0


def _start(after_sequence: int | None) -> tuple[DeliverPolicy, int | None]:
    if after_sequence is None:
        return DeliverPolicy.NEW, None
    if after_sequence < 0:
        raise ValueError("after_sequence is a stream sequence ≥ 0")
    return DeliverPolicy.BY_START_SEQUENCE, after_sequence + 1


async def read_history(
    js: JetStreamContext,
    run_id: str,
    *,
    after_sequence: int = 0,
    timeout: float = 5.0,
    retry_for: float = 0.0,
) -> list[Event]:
    """Every stored event of `run_id` after `after_sequence`, oldest first (see `Bus.history`).

    Messages that do not decode are skipped with a warning. `timeout` bounds each request, in
    seconds. A read that meets a stream without a leader (a cluster electing one) starts again
    on a fresh consumer for up to `retry_for` seconds (`prolight.platform.bus.retrying`); then
    it raises `BusTimeoutError` (the server stopped answering) or `BusUnavailableError`.
    """
    policy, start = _start(after_sequence)

    async def attempt(wait: float) -> list[Event]:
        return await _read_once(js, run_id, policy, start, wait)

    return await with_retries(
        attempt, f"read the history of run {run_id}", timeout=timeout, retry_for=retry_for
    )


async def _read_once(
    js: JetStreamContext,
    run_id: str,
    policy: DeliverPolicy,
    start: int | None,
    timeout: float,
) -> list[Event]:
    """One read of the history on an ephemeral pull consumer of our own, deleted after it.

    Raises nats-py's errors (or `BusTimeoutError` when announced events do not come).
    """
    # Named here, not by the server: a create whose answer was lost can still be deleted.
    name = f"history-{uuid.uuid4().hex}"
    config = ConsumerConfig(
        name=name,
        filter_subject=run_history_filter(run_id),
        deliver_policy=policy,
        opt_start_seq=start,
        ack_policy=AckPolicy.NONE,
        inactive_threshold=_EPHEMERAL_IDLE_S,
        mem_storage=True,
    )
    events: list[Event] = []
    info = await js.add_consumer(EVENTS_STREAM, config, timeout=min(timeout, CONSUMER_CREATE_S))
    # A create that got no answer is not deleted: it may sit on a server that is gone, and
    # waiting for that would spend the retry budget; the server drops it once idle.
    sub: JetStreamContext.PullSubscription | None = None
    try:
        sub = await js.pull_subscribe_bind(name=name, stream=EVENTS_STREAM)
        remaining = info.num_pending or 0
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
        with contextlib.suppress(TimeoutError, nats.errors.Error, OSError):
            if sub is not None:
                await sub.unsubscribe()
            await asyncio.wait_for(js.delete_consumer(EVENTS_STREAM, name), timeout)
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
    retry_for: float,
    cb: Callable[[Msg], Awaitable[None]] | None = None,
) -> JetStreamContext.PushSubscription:
    """An ordered push consumer on `subject` from `after_sequence` (None: from now): the client
    library recreates it after a gap, a reconnect or two missed heartbeats (its server died),
    from the sequence after the last one delivered, so events arrive once each and in order.

    `js` should answer API calls within `CONSUMER_CREATE_S`: nats-py creates the consumer again
    with its timeout, and a create placed on a dead server only fails by timing out. The first
    create is retried for up to `retry_for` seconds (`with_retries`).
    """
    policy, start = _start(after_sequence)

    async def attempt(wait: float) -> JetStreamContext.PushSubscription:
        # nats-py fills in the config it is given: a fresh one for every attempt.
        return await js.subscribe(
            subject,
            stream=EVENTS_STREAM,
            ordered_consumer=True,
            idle_heartbeat=_ORDERED_HEARTBEAT_S,
            deliver_policy=policy,
            config=ConsumerConfig(opt_start_seq=start),
            cb=cb,
        )

    return await with_retries(
        attempt,
        f"subscribe to events of {description}",
        timeout=CONSUMER_CREATE_S,
        retry_for=retry_for,
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
    js: JetStreamContext, run_id: str | None, *, after_sequence: int | None, retry_for: float = 0.0
) -> EventFeed:
    """An `EventFeed` of one run (or of all runs); see `Bus.feed`."""
    subject = run_history_filter(run_id) if run_id is not None else ALL_EVENTS
    description = f"run {run_id}" if run_id else "all runs"
    sub = await _subscribe_ordered(
        js, subject, description, after_sequence=after_sequence, retry_for=retry_for
    )
    return EventFeed(sub, description)


class EventWatch(_OrderedSubscription):
    """A live, ordered stream of stored events handed to a callback (see `Bus.watch`); close it
    when done. The same ordered push consumer as `EventFeed`, without a task per event."""


async def open_watch(
    js: JetStreamContext,
    on_event: Callable[[StoredEvent], None],
    *,
    after_sequence: int | None,
    retry_for: float = 0.0,
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
        js, ALL_EVENTS, "all runs", after_sequence=after_sequence, retry_for=retry_for, cb=deliver
    )
    return EventWatch(sub)
