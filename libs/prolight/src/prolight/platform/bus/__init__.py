"""The message bus: JetStream through nats-py, with the pipeline's streams and discipline.

Why nats-py directly and not FastStream (see docs/architecture.md, "Why nats-py and not
FastStream"; measured on this 2-core machine class with nats-server 2.9.10):

- Pull `fetch(100)` + ack on plain nats-py runs ~32,600 msg/s; FastStream's
  `PullSub(batch_size=100)` ~8,900 msg/s (3.6× slower), halved again by its default
  per-message INFO log.
- FastStream `PullSub(batch_size=1)` has a 12–54 ms p99 tail; our GPU worker wants batch 1
  (a prefetched task would wait behind a long one), so that tail would be on every hop.
- Sequential JetStream publish is ~1.4× slower through FastStream.
- What we need beyond publish/consume is JetStream-specific anyway: `Nats-Msg-Id`, in-progress
  acks, MaxDeliver advisories, ordered consumers from a start sequence. Those are direct calls
  in nats-py and would be escape hatches through FastStream.

The cost is that FastStream's AsyncAPI generation is not fed from handlers; the event JSON
Schemas come from `prolight.contracts.events` instead.

    Bus              connect, ensure_streams, ensure_consumer, key_value, publish, worker,
                     dead_letters, history, created, feed, watch, purge_run  (client.py)
    PullWorker       the fetch/dispatch/ack loop; Delivery is what a handler gets, RetryLater
                     what it raises to be redelivered after a backoff        (worker.py)
    DeadLetter       a message that exhausted MaxDeliver                  (dead_letters.py)
    EventFeed        a live, ordered, resumable event stream              (history.py)
    EventWatch       the same, handed to a callback as StoredEvents       (history.py)
    StoredEvent      an event as the stream holds it, shape-checked only  (stored.py)
    ConsumerSettings ack wait, max deliver, batching, retries             (streams.py)
    with_retries     a call resent through a leader election, bounded     (retrying.py)
    BusError …       the exceptions, nats errors mapped at this boundary  (errors.py)
"""

from prolight.platform.bus.client import MSG_ID_HEADER, Bus, PublishResult
from prolight.platform.bus.dead_letters import DeadLetter
from prolight.platform.bus.errors import (
    BusConfigError,
    BusError,
    BusTimeoutError,
    BusUnavailableError,
    MalformedEventError,
)
from prolight.platform.bus.history import EventFeed, EventWatch
from prolight.platform.bus.stored import StoredEvent
from prolight.platform.bus.streams import DUPLICATE_WINDOW_S, PIPELINE_STREAMS, ConsumerSettings
from prolight.platform.bus.worker import Delivery, PullWorker, RetryLater

__all__ = [
    "DUPLICATE_WINDOW_S",
    "MSG_ID_HEADER",
    "PIPELINE_STREAMS",
    "Bus",
    "BusConfigError",
    "BusError",
    "BusTimeoutError",
    "BusUnavailableError",
    "ConsumerSettings",
    "DeadLetter",
    "Delivery",
    "EventFeed",
    "EventWatch",
    "MalformedEventError",
    "PublishResult",
    "PullWorker",
    "RetryLater",
    "StoredEvent",
]
