"""The JetStream streams of the pipeline and the settings of a durable pull consumer.

`PIPELINE_STREAMS` is what `Bus.ensure_streams()` declares (docs/architecture.md describes them):
events with limits retention (kept for replay), task requests as a work queue, and a small
stream that captures the MAX_DELIVERIES advisories of both, so a dead letter published while the
planner is down is still handled when it comes back.

The events stream is bounded by age and size (`PROLIGHT_EVENTS_MAX_AGE_S`,
`PROLIGHT_EVENTS_MAX_BYTES`: a week and 1 GiB by default), discarding its oldest events: a
run's record in the run store outlives its events (docs/operations.md). Without a bound the
stream would fill the server's JetStream store (10 GB in deploy/nats.conf) and every publish,
hence every POST, would fail.
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)

from prolight.contracts.subjects import (
    DEAD_LETTERS_STREAM,
    EVENTS_STREAM,
    EVENTS_STREAM_SUBJECT,
    TASKS_STREAM,
    TASKS_STREAM_SUBJECT,
    max_deliveries_advisory,
)

__all__ = [
    "DUPLICATE_WINDOW_S",
    "EVENTS_MAX_AGE_S",
    "EVENTS_MAX_BYTES",
    "PIPELINE_STREAMS",
    "ConsumerSettings",
    "stream_configs",
]

DUPLICATE_WINDOW_S = 120.0
"""Seconds a `Nats-Msg-Id` is remembered: a publish retried within it is stored once."""

_DEAD_LETTER_MAX_AGE_S = 7 * 24 * 3600.0

EVENTS_MAX_AGE_S = 7 * 24 * 3600.0
"""Default seconds an event is kept (a week): long enough to replay any run a client still
watches, short enough that the stream stays small; the run store keeps the run itself."""

EVENTS_MAX_BYTES = 1024**3
"""Default bytes the events stream may hold (1 GiB, about a million events), a tenth of the
10 GB JetStream store of deploy/nats.conf and k8s/nats, which the other streams and the
key-value buckets share; past it the oldest events are discarded."""

PIPELINE_STREAMS: tuple[StreamConfig, ...] = (
    StreamConfig(
        name=EVENTS_STREAM,
        description="Every ProLight run event, kept for per-run replay",
        subjects=[EVENTS_STREAM_SUBJECT],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=EVENTS_MAX_AGE_S,
        max_bytes=EVENTS_MAX_BYTES,
        discard=DiscardPolicy.OLD,
        duplicate_window=DUPLICATE_WINDOW_S,
    ),
    StreamConfig(
        name=TASKS_STREAM,
        description="Task requests, one durable pull consumer per tool",
        subjects=[TASKS_STREAM_SUBJECT],
        retention=RetentionPolicy.WORK_QUEUE,
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_S,
    ),
    StreamConfig(
        name=DEAD_LETTERS_STREAM,
        description="MAX_DELIVERIES advisories of the pipeline streams",
        subjects=[
            max_deliveries_advisory(TASKS_STREAM, "*"),
            max_deliveries_advisory(EVENTS_STREAM, "*"),
        ],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=_DEAD_LETTER_MAX_AGE_S,
        duplicate_window=DUPLICATE_WINDOW_S,
    ),
)


def stream_configs(
    replicas: int = 1,
    *,
    events_max_age_s: float = EVENTS_MAX_AGE_S,
    events_max_bytes: int = EVENTS_MAX_BYTES,
) -> tuple[StreamConfig, ...]:
    """The pipeline's stream configurations (fresh copies, safe to modify), each kept on
    `replicas` servers of a JetStream cluster (1: one server; 3 survives losing one). Durable
    consumers take their stream's replicas.

    The events stream keeps an event `events_max_age_s` seconds and at most
    `events_max_bytes` bytes in all (per server), discarding the oldest first; its duplicate
    window is the shorter of `DUPLICATE_WINDOW_S` and the age."""
    if replicas < 1:
        raise ValueError("replicas is at least 1")
    if events_max_age_s <= 0 or events_max_bytes <= 0:
        raise ValueError("events_max_age_s and events_max_bytes are positive")
    configs = tuple(StreamConfig.from_response(c.as_dict()) for c in PIPELINE_STREAMS)
    for config in configs:
        config.num_replicas = replicas
        if config.name == EVENTS_STREAM:
            config.max_age = events_max_age_s
            config.max_bytes = events_max_bytes
            # JetStream refuses a duplicate window longer than the age limit (tests use 2 s).
            config.duplicate_window = min(DUPLICATE_WINDOW_S, events_max_age_s)
    return configs


@dataclass(frozen=True)
class ConsumerSettings:
    """How a durable pull consumer delivers and how the worker loop treats its messages.

    Times are seconds. A message not acked within `ack_wait` is delivered again (the loop sends
    in-progress acks every `ack_wait / 3` while a handler runs, so only a dead or stuck process
    loses its messages); after `max_deliver` deliveries it is dead and a MAX_DELIVERIES advisory
    is published. `batch_size` messages are fetched at once and held (heartbeated) until a
    handler slot is free; at most `concurrency` handlers run at a time. A handler that raises is
    retried after `retry_delay * 2**(delivery - 1)` (capped at `max_retry_delay`, None:
    `ack_wait`); `handler_timeout` cancels a handler that runs longer (None: never).
    """

    ack_wait: float = 30.0
    max_deliver: int = 5
    batch_size: int = 1
    concurrency: int = 1
    fetch_timeout: float = 1.0
    retry_delay: float = 0.0
    handler_timeout: float | None = None
    max_ack_pending: int = 1000
    max_retry_delay: float | None = None

    def __post_init__(self) -> None:
        if self.ack_wait <= 0 or self.fetch_timeout <= 0:
            raise ValueError("ack_wait and fetch_timeout are positive seconds")
        if self.max_deliver < 1 or self.batch_size < 1 or self.concurrency < 1:
            raise ValueError("max_deliver, batch_size and concurrency are at least 1")
        if self.retry_delay < 0 or (self.max_retry_delay is not None and self.max_retry_delay < 0):
            raise ValueError("retry_delay and max_retry_delay are seconds ≥ 0")

    def consumer_config(self, durable: str, filter_subject: str | None) -> ConsumerConfig:
        """The JetStream consumer configuration of a durable with these settings."""
        return ConsumerConfig(
            durable_name=durable,
            filter_subject=filter_subject,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_deliver=self.max_deliver,
            max_ack_pending=self.max_ack_pending,
        )

    def retry_after(self, delivery: int) -> float:
        """Seconds to wait before redelivering a message whose `delivery`-th handling failed."""
        if self.retry_delay <= 0:
            return 0.0
        cap = self.ack_wait if self.max_retry_delay is None else self.max_retry_delay
        return float(min(self.retry_delay * 2 ** max(delivery - 1, 0), cap))
