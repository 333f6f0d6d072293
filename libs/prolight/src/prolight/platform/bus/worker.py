"""The worker loop on a durable pull consumer: fetch, dispatch, ack after the handler returns.

Delivery is at least once. For each message the loop

1. decodes it (a body that is not a valid `Event` is *terminated*: retrying cannot fix it);
2. sends in-progress acks (`+WPI`) every `ack_wait / 3` seconds from the moment it is fetched
   until it is settled, so a long GPU task is not resent while its worker lives;
3. runs the handler inside a CONSUMER span whose parent is the message's `traceparent`;
4. acks when the handler returns, naks (redelivery after `ConsumerSettings.retry_after`) when it
   raises or exceeds `handler_timeout`, and naks at once when the worker is stopped mid-handler.

After `max_deliver` deliveries the server stops and announces a MAX_DELIVERIES advisory (see
`prolight.platform.bus.dead_letters`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pydantic import ValidationError

from prolight.contracts.events import Event
from prolight.domain.errors import describe_errors
from prolight.platform.bus.errors import MalformedEventError, nats_errors
from prolight.platform.bus.streams import ConsumerSettings
from prolight.platform.logs import log_scope
from prolight.platform.metrics import CONSUMER_PENDING, HANDLER_ERRORS, observe_delivery
from prolight.platform.telemetry import TRACEPARENT, consumer_span

__all__ = ["Delivery", "PullWorker", "RetryLater", "decode_event", "delivery_of", "event_worker"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_RECONNECT_PAUSE_S = 0.5


class RetryLater(Exception):
    """Raised by a handler whose work failed the way it expects (a webhook receiver that did
    not answer): the message is naked and comes back after `ConsumerSettings.retry_after`,
    logged as one line, not as a handler error."""


@dataclass(frozen=True)
class Delivery:
    """One delivered event and where it came from.

    `event.sequence` is the stream sequence; `delivery_count` is 1 the first time and grows
    with each redelivery (compare it with `ConsumerSettings.max_deliver` to know the last try).
    """

    event: Event
    subject: str
    stream: str
    consumer: str
    stream_sequence: int
    delivery_count: int

    @property
    def redelivered(self) -> bool:
        """True when an earlier delivery of this message was not acked."""
        return self.delivery_count > 1


async def decode_event(msg: Msg) -> Delivery:
    """`delivery_of(msg)`, as the worker loop's `decode` (an awaitable)."""
    return delivery_of(msg)


def delivery_of(msg: Msg) -> Delivery:
    """The `Delivery` of a JetStream message; raises `MalformedEventError` for a bad body."""
    meta = msg.metadata
    try:
        event = Event.model_validate_json(msg.data)
    except ValidationError as exc:
        problems = "; ".join(str(e) for e in describe_errors(exc))
        raise MalformedEventError(
            f"{msg.subject} (stream seq {meta.sequence.stream}) is not an event: {problems}"
        ) from exc
    if event.subject != msg.subject:
        raise MalformedEventError(f"{msg.subject} carries an event for {event.subject}")
    update: dict[str, object] = {"sequence": meta.sequence.stream}
    traceparent = (msg.headers or {}).get(TRACEPARENT)
    if traceparent:
        update["traceparent"] = traceparent
    return Delivery(
        event=event.model_copy(update=update),
        subject=msg.subject,
        stream=meta.stream,
        consumer=meta.consumer,
        stream_sequence=meta.sequence.stream,
        delivery_count=meta.num_delivered,
    )


async def _settle(action: Awaitable[None], what: str) -> None:
    # An ack lost to a dropped connection only means one more delivery; never crash the loop.
    try:
        await action
    except (nats.errors.Error, OSError) as exc:
        log.warning("could not %s: %s", what, exc)


class PullWorker(Generic[T]):
    """A loop that feeds the messages of one durable pull consumer to one async handler.

    `await run()` declares the consumer, then works until `stop()`; or use `async with` to run
    it in the background. `ready` is set once the consumer is declared and bound.
    """

    def __init__(
        self,
        js: JetStreamContext,
        stream: str,
        durable: str,
        handler: Callable[[T], Awaitable[None]],
        decode: Callable[[Msg], Awaitable[T]],
        *,
        filter_subject: str | None,
        settings: ConsumerSettings,
    ) -> None:
        self.stream = stream
        self.durable = durable
        self.filter_subject = filter_subject
        self.settings = settings
        self.ready = asyncio.Event()
        self._js = js
        self._handler = handler
        self._decode = decode
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run(self, *, drain_timeout: float = 10.0) -> None:
        """Declare the consumer and process messages until `stop()`.

        On stop, handlers already running get `drain_timeout` seconds to finish; the rest are
        cancelled and their messages naked for immediate redelivery elsewhere.
        """
        s = self.settings
        with nats_errors(f"declare consumer {self.durable} on {self.stream}"):
            await self._js.add_consumer(
                self.stream, s.consumer_config(self.durable, self.filter_subject)
            )
            sub = await self._js.pull_subscribe_bind(durable=self.durable, stream=self.stream)
        self.ready.set()
        slots = asyncio.Semaphore(s.concurrency)
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while not self._stopping.is_set():
                room = s.batch_size - len(in_flight)
                if room <= 0:  # every slot busy: wait for one, or for stop()
                    stopping = asyncio.create_task(self._stopping.wait())
                    await asyncio.wait({*in_flight, stopping}, return_when=asyncio.FIRST_COMPLETED)
                    stopping.cancel()
                    continue
                try:
                    msgs = await sub.fetch(room, timeout=s.fetch_timeout)
                except nats.errors.TimeoutError:
                    # Nothing came within the fetch timeout: nothing waits for this consumer.
                    CONSUMER_PENDING.labels(self.stream, self.durable).set(0)
                    continue
                except (nats.errors.Error, OSError) as exc:
                    log.warning("fetch from %s/%s failed: %s", self.stream, self.durable, exc)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), _RECONNECT_PAUSE_S)
                    continue
                for msg in msgs:
                    task = asyncio.create_task(self._process(msg, slots))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
        finally:
            if in_flight:
                _, late = await asyncio.wait(in_flight, timeout=drain_timeout)
                for task in late:
                    task.cancel()
                await asyncio.gather(*late, return_exceptions=True)
            with contextlib.suppress(nats.errors.Error, OSError):
                await sub.unsubscribe()

    def stop(self) -> None:
        """Ask the loop to finish: it stops fetching within `fetch_timeout` seconds."""
        self._stopping.set()

    async def __aenter__(self) -> PullWorker[T]:
        self._task = asyncio.create_task(self.run(), name=f"worker {self.durable}")
        ready = asyncio.create_task(self.ready.wait())
        await asyncio.wait({self._task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            ready.cancel()
            await self._task  # raises the declaration error
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.stop()
        if self._task is not None:
            await self._task

    async def _heartbeat(self, msg: Msg) -> None:
        interval = self.settings.ack_wait / 3
        while True:
            await asyncio.sleep(interval)
            await _settle(msg.in_progress(), "send in-progress ack")

    async def _process(self, msg: Msg, slots: asyncio.Semaphore) -> None:
        heartbeat = asyncio.create_task(self._heartbeat(msg))
        delivery = msg.metadata.num_delivered
        observe_delivery(
            self.stream, self.durable, msg.metadata.num_pending, msg.metadata.timestamp
        )
        try:
            item = await self._decode(msg)
            event = item.event if isinstance(item, Delivery) else None
            async with slots:
                with (
                    consumer_span(f"{msg.subject} process", msg.headers),
                    log_scope(event.run_id if event else None, event.task_id if event else None),
                ):
                    await asyncio.wait_for(self._handler(item), self.settings.handler_timeout)
        except MalformedEventError as exc:
            heartbeat.cancel()
            log.error("terminating a message no retry can fix: %s", exc)
            await _settle(msg.term(), "terminate message")
        except asyncio.CancelledError:
            heartbeat.cancel()
            await _settle(msg.nak(), "nak message")
            raise
        except RetryLater as exc:
            heartbeat.cancel()
            delay = self.settings.retry_after(delivery)
            log.info("%s on %s; redelivery in %.2f s", exc, msg.subject, delay)
            await _settle(msg.nak(delay=delay or None), "nak message")
        except Exception:
            heartbeat.cancel()
            HANDLER_ERRORS.labels(self.durable).inc()
            delay = self.settings.retry_after(delivery)
            log.exception(
                "handler failed on %s (stream seq %d, delivery %d of %d); redelivery in %.2f s",
                msg.subject,
                msg.metadata.sequence.stream,
                delivery,
                self.settings.max_deliver,
                delay,
            )
            await _settle(msg.nak(delay=delay or None), "nak message")
        else:
            heartbeat.cancel()
            await _settle(msg.ack(), "ack message")


def event_worker(
    js: JetStreamContext,
    stream: str,
    durable: str,
    handler: Callable[[Delivery], Awaitable[None]],
    *,
    filter_subject: str | None,
    settings: ConsumerSettings,
) -> PullWorker[Delivery]:
    """A `PullWorker` whose handler gets decoded `Delivery`s (see `Bus.worker`)."""
    return PullWorker(
        js,
        stream,
        durable,
        handler,
        decode_event,
        filter_subject=filter_subject,
        settings=settings,
    )
