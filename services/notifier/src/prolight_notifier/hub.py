"""Fan-out: one JetStream feed for every run, shared by every client of this process.

    Hub ──(one ordered push consumer on prolight.*.*.*, calling back)──> RunChannel per run
        RunChannel: the run's messages so far (history + live), progress, its subscribers
            Subscriber: one client; a backlog (what it missed) then a bounded live queue

Why this shape: a consumer per client costs the server a consumer and the process a
subscription for each of thousands of sockets; here the server sees one consumer per notifier,
and an event is decoded, its progress computed and its JSON built once, whatever the number of
clients on its run.

The handover from history to live is gap-free and duplicate-free by construction:

1. The hub's watch starts right after the stream's last sequence at start-up, so every later
   event passes through `Hub.dispatch`, in stream order. (A watch, not a feed awaited event by
   event: the connection's reader calls `dispatch` directly, with no task woken per event.)
2. A run's channel is registered *before* its history is read; live events that arrive while
   the history loads are held in `pending`. Every event is therefore in the history (stored
   before the read) or in `pending` (dispatched after registration) or both; merging the two by
   sequence drops the overlap.
3. A subscriber joins with no await between copying its backlog (`sequence > after`) and being
   added to the channel, so each later message reaches it exactly once; `Subscriber.offer`
   still drops any sequence it has already queued.

A subscriber whose live queue is full is evicted (`Evicted`): the others never wait for it.
It resumes with `after=<its last sequence>` and loses nothing, because JetStream keeps the run.

The events stream is bounded (`PROLIGHT_EVENTS_MAX_AGE_S`, `PROLIGHT_EVENTS_MAX_BYTES`) and a
deleted run's events are purged, so a finished run can have none left. A client whose token
says the run had finished (`finished`, which the gateway's status route sets) and that finds
none of its events is told so at once (`subscribe` raises `RunGone`) instead of waiting forever;
it reads the run's final state from the gateway's status. Without that claim an empty history
means the run's events are still to come, and the client waits for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from prolight.contracts.subjects import EVENTS_STREAM
from prolight.platform.bus import Bus, BusError, BusUnavailableError, EventWatch, StoredEvent
from prolight_notifier.messages import Message, RunProgress, render_message

__all__ = ["Evicted", "Hub", "HubStats", "RunChannel", "RunGone", "Subscriber"]

log = logging.getLogger(__name__)


class Evicted(Exception):
    """Raised by `Subscriber.next` once the client fell too far behind; resume after
    `last_sequence`."""

    def __init__(self, last_sequence: int) -> None:
        super().__init__(f"client too slow; resume with after={last_sequence}")
        self.last_sequence = last_sequence


class RunGone(Exception):
    """Raised by `Hub.subscribe` when the events stream holds no event of the run: they expired
    or the run was deleted (module doc). `GET /api/status/{run_id}` has its final state."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"run {run_id} has no events left in the stream (expired or deleted)")
        self.run_id = run_id


class Subscriber:
    """One client of one run: its backlog, then live messages through a bounded queue."""

    def __init__(self, run_id: str, after: int, limit: int, backlog: list[Message]) -> None:
        self.run_id = run_id
        self.limit = limit
        self.last_sequence = after
        """The sequence of the last message handed out by `next` (what the client may have)."""
        self.evicted = False
        self._queue: deque[Message] = deque(backlog)
        self._backlog_left = len(backlog)  # the backlog does not count against `limit`
        self._tail = backlog[-1].sequence if backlog else after
        self._wake = asyncio.Event()
        self._notify: Callable[[], None] = self._wake.set
        if backlog:
            self._wake.set()

    def listen(self, callback: Callable[[], None]) -> None:
        """Call `callback` instead of waking `next` whenever a message is queued or this
        subscriber is evicted; the caller then takes messages with `next_nowait`.

        The callback runs synchronously inside the hub's dispatch, once per client per event:
        it must be quick and must not raise. This is the WebSocket fast path — no task wakes up
        per message (see `prolight_notifier.push`).
        """
        self._notify = callback

    def offer(self, message: Message) -> bool:
        """Queue a live message; False when this subscriber is (now) evicted."""
        if self.evicted:
            return False
        if message.sequence <= self._tail:
            return True  # already queued or sent: the handover overlap
        if len(self._queue) - self._backlog_left >= self.limit:
            self.evicted = True
            self._notify()
            return False
        self._queue.append(message)
        self._tail = message.sequence
        self._notify()
        return True

    @property
    def queued(self) -> bool:
        """True when a message waits to be handed out (or the subscriber was evicted, which
        `next_nowait` then raises)."""
        return bool(self._queue) or self.evicted

    def next_nowait(self) -> Message | None:
        """The next message if one is queued, else None; raises `Evicted` once evicted."""
        if self.evicted:
            raise Evicted(self.last_sequence)
        if not self._queue:
            self._wake.clear()
            return None
        message = self._queue.popleft()
        if self._backlog_left:
            self._backlog_left -= 1
        self.last_sequence = message.sequence
        return message

    async def next(self, timeout: float | None = None) -> Message | None:
        """The next message, waiting up to `timeout` seconds (None after that, for a heartbeat).

        Raises `Evicted` when the client fell more than `limit` messages behind.
        """
        message = self.next_nowait()
        if message is not None:
            return message
        if timeout is None:
            await self._wake.wait()  # the hot path of a stream: no timer to arm and cancel
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
        return self.next_nowait()


@dataclass
class RunChannel:
    """Everything this process knows of one watched run (see the module docstring)."""

    run_id: str
    gateway_url: str
    messages: list[Message] = field(default_factory=list)
    progress: RunProgress = field(default_factory=RunProgress)
    subscribers: set[Subscriber] = field(default_factory=set)
    pending: list[StoredEvent] = field(default_factory=list)
    loading: bool = True
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    error: BusError | None = None
    refs: int = 0

    @property
    def last_sequence(self) -> int:
        """The sequence of the newest message held (0 before any)."""
        return self.messages[-1].sequence if self.messages else 0

    def append(self, event: StoredEvent) -> None:
        """Add a delivered event (in sequence order; older ones are ignored) and fan it out."""
        if event.sequence <= self.last_sequence:
            return
        message = render_message(event, self.progress.observe(event), self.gateway_url)
        self.messages.append(message)
        evicted = [s for s in self.subscribers if not s.offer(message)]
        for subscriber in evicted:
            self.subscribers.discard(subscriber)
            log.info(
                "evicted a slow client",
                extra={"run_id": self.run_id, "after": subscriber.last_sequence},
            )

    def backlog(self, after: int) -> list[Message]:
        """The messages a client that has seen up to `after` is missing, in order."""
        if after <= 0:
            return list(self.messages)
        lo, hi = 0, len(self.messages)
        while lo < hi:  # first message with sequence > after
            mid = (lo + hi) // 2
            if self.messages[mid].sequence <= after:
                lo = mid + 1
            else:
                hi = mid
        return self.messages[lo:]


@dataclass(frozen=True)
class HubStats:
    """What /readyz reports: runs being watched and clients connected."""

    runs: int
    clients: int
    last_sequence: int


class Hub:
    """The process-wide fan-out; `await start()` before `subscribe`, `await stop()` at the end."""

    def __init__(self, bus: Bus, *, gateway_url: str, client_buffer: int) -> None:
        self._bus = bus
        self._gateway_url = gateway_url
        self._client_buffer = client_buffer
        self._channels: dict[str, RunChannel] = {}
        self._last_sequence = 0
        self._watch: EventWatch | None = None
        self._loads: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> bool:
        """True while the shared watch is open."""
        return self._watch is not None and not self._watch.closed

    def stats(self) -> HubStats:
        """Runs watched and clients connected right now."""
        clients = sum(len(c.subscribers) for c in self._channels.values())
        return HubStats(len(self._channels), clients, self._last_sequence)

    async def start(self) -> None:
        """Open the shared watch right after the stream's current last sequence.

        The ordered consumer behind it recovers by itself (a gap, missed heartbeats, a NATS
        reconnect) from the last sequence it delivered, so nothing is lost or doubled.
        """
        try:
            info = await self._bus.jetstream.stream_info(EVENTS_STREAM)
        except Exception as exc:  # nats-py raises several unrelated types here
            raise BusUnavailableError(f"read the state of stream {EVENTS_STREAM}: {exc}") from exc
        self._last_sequence = info.state.last_seq
        self._watch = await self._bus.watch(self.dispatch, after_sequence=self._last_sequence)

    async def stop(self) -> None:
        """Close the watch and cancel history loads in flight."""
        if self._watch is not None:
            await self._watch.close()
        for task in self._loads:
            task.cancel()
        for task in list(self._loads):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def dispatch(self, event: StoredEvent) -> None:
        """Hand one live event (from the shared watch, in stream order) to its run's channel."""
        if event.sequence <= self._last_sequence:
            return
        self._last_sequence = event.sequence
        channel = self._channels.get(event.run_id)
        if channel is None:
            return  # nobody watches this run here; a later client reads it from the stream
        if channel.loading:
            channel.pending.append(event)
        else:
            channel.append(event)

    async def _load(self, channel: RunChannel) -> None:
        try:
            history = await self._bus.history(channel.run_id)
        except BusError as exc:
            channel.error = exc
            if self._channels.get(channel.run_id) is channel:
                del self._channels[channel.run_id]
        else:
            for event in history:  # validated Events, read once per run: stored alike
                channel.append(StoredEvent.of(event))
            for stored in sorted(channel.pending, key=lambda e: e.sequence):
                channel.append(stored)
            channel.pending.clear()
            channel.loading = False
        finally:
            channel.ready.set()

    @contextlib.asynccontextmanager
    async def subscribe(
        self, run_id: str, after: int = 0, *, finished: bool = False
    ) -> AsyncIterator[Subscriber]:
        """A subscriber to `run_id` that first gets every message after sequence `after`.

        Raises `BusError` when the run's history cannot be read, and `RunGone` when the run
        is known to have `finished` but the stream holds none of its events (module doc).
        """
        channel = self._channels.get(run_id)
        if channel is None:
            channel = RunChannel(run_id, self._gateway_url)
            self._channels[run_id] = channel
            task = asyncio.create_task(self._load(channel), name=f"notifier-load-{run_id}")
            self._loads.add(task)
            task.add_done_callback(self._loads.discard)
        channel.refs += 1
        subscriber: Subscriber | None = None
        try:
            await channel.ready.wait()
            if channel.error is not None:
                raise channel.error
            if finished and not channel.messages:
                raise RunGone(run_id)
            # No await from here to `add`: the backlog and the live queue meet exactly.
            subscriber = Subscriber(run_id, after, self._client_buffer, channel.backlog(after))
            channel.subscribers.add(subscriber)
            yield subscriber
        finally:
            if subscriber is not None:
                channel.subscribers.discard(subscriber)
            channel.refs -= 1
            if channel.refs == 0 and self._channels.get(run_id) is channel:
                del self._channels[run_id]
