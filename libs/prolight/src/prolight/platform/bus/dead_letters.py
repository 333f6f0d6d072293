"""Dead letters: messages that exhausted MaxDeliver, surfaced so their run fails with a reason.

JetStream announces such a message on `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<STREAM>.
<CONSUMER>` with its stream sequence but not its subject or body. The `PROLIGHT_DEAD_LETTERS`
stream captures these advisories (a plain subscription would miss those sent while the planner is
down); this module reads them through a durable pull consumer, looks the original message up by
sequence, and hands the handler a `DeadLetter`. The original stays in its stream for inspection.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pydantic import ValidationError

from prolight.contracts.events import Event
from prolight.platform.bus.errors import MalformedEventError
from prolight.platform.bus.streams import ConsumerSettings
from prolight.platform.bus.worker import PullWorker

__all__ = ["DeadLetter", "dead_letter_worker"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeadLetter:
    """A message that `consumer` of `stream` gave up on after `deliveries` deliveries.

    `subject` and `event` are None when the original can no longer be read (deleted or expired);
    `event` is also None when its body is not a valid event (then `subject` is still set).
    """

    stream: str
    consumer: str
    stream_sequence: int
    deliveries: int
    occurred_at: datetime | None
    subject: str | None
    event: Event | None

    @property
    def reason(self) -> str:
        """A sentence fit for a `task.failed` / `run.failed` reason."""
        what = self.event.type if self.event else (self.subject or "a message")
        return (
            f"{what} was delivered {self.deliveries} times to {self.consumer} "
            "and never completed; giving up"
        )


def _make_decoder(js: JetStreamContext) -> Callable[[Msg], Awaitable[DeadLetter]]:
    async def decode(msg: Msg) -> DeadLetter:
        try:
            advisory = json.loads(msg.data)
            stream, consumer = str(advisory["stream"]), str(advisory["consumer"])
            seq, deliveries = int(advisory["stream_seq"]), int(advisory["deliveries"])
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedEventError(f"not a max-deliveries advisory: {msg.data[:200]!r}") from exc
        at = None
        if isinstance(advisory.get("timestamp"), str):
            try:
                # Nanosecond timestamps: keep microseconds, which is all datetime holds.
                stamp = advisory["timestamp"].replace("Z", "+00:00")
                head, _, tail = stamp.partition(".")
                frac, sign, zone = tail.partition("+")
                at = datetime.fromisoformat(f"{head}.{frac[:6].ljust(6, '0')}{sign}{zone}")
            except ValueError:
                at = None
        subject: str | None = None
        event: Event | None = None
        try:
            original = await js.get_msg(stream, seq)
            subject = original.subject
            if original.data is not None:
                event = Event.model_validate_json(original.data)
        except nats.js.errors.NotFoundError:
            log.warning("dead letter %s #%d is no longer in the stream", stream, seq)
        except ValidationError:
            log.warning("dead letter %s #%d does not hold a valid event", stream, seq)
        if event is not None:
            event = event.model_copy(update={"sequence": seq})
        return DeadLetter(stream, consumer, seq, deliveries, at, subject, event)

    return decode


def dead_letter_worker(
    js: JetStreamContext,
    stream: str,
    durable: str,
    handler: Callable[[DeadLetter], Awaitable[None]],
    *,
    settings: ConsumerSettings,
) -> PullWorker[DeadLetter]:
    """A `PullWorker` over the dead-letter stream (see `Bus.dead_letters`)."""
    return PullWorker(
        js,
        stream,
        durable,
        handler,
        _make_decoder(js),
        filter_subject=None,
        settings=settings,
    )
