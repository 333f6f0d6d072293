"""`Bus`: one NATS connection with JetStream, and everything a service does on it.

    bus = await Bus.connect(settings.nats_url, name="planner")
    await bus.ensure_streams()
    await bus.publish(Event.build(run_id, RunCompleted(best_artifact_id=a)))
    worker = bus.worker(TASKS_STREAM, tool_durable(Tool.GENERATE), handler,
                        filter_subject=tool_filter(Tool.GENERATE))
    await worker.run()                       # until worker.stop()
    await bus.close()

Publishing waits for the stream's ack (the event is stored when `publish` returns) and sets
`Nats-Msg-Id` to the event id, so a publish retried after a lost ack is stored once
(`PublishResult.duplicate` tells). A publish that meets a stream with no leader (a JetStream
cluster electing one after losing a server: the ack times out, or no server responds) is sent
again under the same id, with capped backoff, for up to `publish_retry_s` seconds
(`PROLIGHT_NATS_PUBLISH_RETRY_S`). The current trace context goes into the `traceparent` header.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, KeyValueConfig, PubAck, StorageType, StreamConfig
from nats.js.kv import KeyValue

from prolight.contracts.events import Event
from prolight.contracts.subjects import DEAD_LETTERS_STREAM, EVENTS_STREAM, run_history_filter
from prolight.platform.bus.dead_letters import DeadLetter, dead_letter_worker
from prolight.platform.bus.errors import (
    BusError,
    BusTimeoutError,
    BusUnavailableError,
    nats_errors,
    translate,
)
from prolight.platform.bus.history import (
    EventFeed,
    EventWatch,
    open_feed,
    open_watch,
    read_created,
    read_history,
)
from prolight.platform.bus.retrying import CONSUMER_CREATE_S, with_retries
from prolight.platform.bus.stored import StoredEvent
from prolight.platform.bus.streams import (
    EVENTS_MAX_AGE_S,
    EVENTS_MAX_BYTES,
    ConsumerSettings,
    stream_configs,
)
from prolight.platform.bus.worker import Delivery, PullWorker, event_worker
from prolight.platform.closing import AsyncClosing
from prolight.platform.metrics import record_run_event
from prolight.platform.telemetry import TRACEPARENT, current_traceparent

__all__ = ["MSG_ID_HEADER", "PUBLISH_RETRY_S", "Bus", "PublishResult"]

MSG_ID_HEADER = "Nats-Msg-Id"
PUBLISH_RETRY_S = 10.0
"""Default seconds a publish keeps retrying through a leader election (a 3-node cluster elects
a new stream leader in a few seconds after losing one)."""

log = logging.getLogger(__name__)

_STREAM_NAME_IN_USE = 10058  # JetStream API err_code: stream exists with another config


def _redact(url: str) -> str:
    """`url` without a password, for messages and logs."""
    parts = []
    for server in url.split(","):
        s = urlsplit(server.strip())
        if s.password:
            host = s.hostname or ""
            netloc = f"{s.username}:***@{host}" + (f":{s.port}" if s.port else "")
            server = urlunsplit(s._replace(netloc=netloc))
        parts.append(server.strip())
    return ",".join(parts)


@dataclass(frozen=True)
class PublishResult:
    """Where a published event was stored: stream, stream sequence, and whether it was a
    duplicate of an earlier publish with the same event id (then nothing new was stored)."""

    stream: str
    sequence: int
    duplicate: bool


class Bus(AsyncClosing):
    """A NATS connection with JetStream. Create with `await Bus.connect(url)`; close when done."""

    def __init__(
        self,
        nc: Client,
        js: JetStreamContext,
        url: str,
        *,
        publish_retry_s: float = PUBLISH_RETRY_S,
    ) -> None:
        if publish_retry_s < 0:
            raise ValueError("publish_retry_s is seconds ≥ 0")
        self._nc = nc
        self._js = js
        # For the ordered consumers of feeds and watches, which nats-py recreates with its
        # context's timeout after their server dies (see `CONSUMER_CREATE_S`).
        self._js_ordered = nc.jetstream(timeout=CONSUMER_CREATE_S)
        self.url = _redact(url)
        self.publish_retry_s = publish_retry_s
        """Seconds `publish` keeps retrying a stream that has no leader (0: one attempt)."""

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        name: str = "prolight",
        startup_timeout: float = 5.0,
        publish_retry_s: float = PUBLISH_RETRY_S,
    ) -> Bus:
        """Connect to the NATS server(s) at `url` and check JetStream is on.

        `url` is one server or a comma-separated list (`nats://n1:4222,nats://n2:4222`): the
        client connects to any of them, learns the rest of the cluster from it, and after
        losing its server reconnects to another. Keeps trying for `startup_timeout` seconds
        (services may start before nats-server), then raises `BusUnavailableError` naming the
        password-free URL; it raises the same when the server runs without JetStream (`-js`).
        Once connected, the client reconnects by itself forever. `publish_retry_s`: see
        `publish`.
        """
        safe = _redact(url)

        async def on_error(exc: Exception) -> None:
            log.warning("nats connection error (%s): %s", safe, exc)

        async def on_disconnect() -> None:
            log.warning("disconnected from NATS at %s; reconnecting", safe)

        loop = asyncio.get_running_loop()
        started = loop.time()
        nc = Client()
        try:
            await asyncio.wait_for(
                nc.connect(
                    servers=[s.strip() for s in url.split(",") if s.strip()],
                    name=name,
                    # nats-py annotates these as int but takes float seconds.
                    connect_timeout=min(2.0, startup_timeout),  # type: ignore[arg-type]
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,  # forever, here bounded by startup_timeout
                    reconnect_time_wait=0.25,  # type: ignore[arg-type]
                    error_cb=on_error,
                    disconnected_cb=on_disconnect,
                ),
                timeout=startup_timeout,
            )
        except (TimeoutError, nats.errors.Error, OSError) as exc:
            await nc.close()
            raise BusUnavailableError(
                f"cannot connect to NATS at {safe} within {startup_timeout} s "
                "(is nats-server running there? see PROLIGHT_NATS_URL)"
            ) from exc
        js = nc.jetstream()

        async def account(wait: float) -> object:
            return await asyncio.wait_for(js.account_info(), wait)

        # A cluster that just lost its JetStream meta leader answers nothing until it has
        # elected another: wait for that within `startup_timeout`, not only for a server.
        left = max(startup_timeout - (loop.time() - started), 0.0)
        try:
            await with_retries(account, "check JetStream", timeout=2.0, retry_for=left)
        except BusTimeoutError as exc:
            await nc.close()
            raise BusUnavailableError(
                f"NATS at {safe} answers but JetStream did not within {startup_timeout} s "
                "(a cluster without a meta leader: are most of its servers up?)"
            ) from exc
        except BusError as exc:
            await nc.close()
            raise BusUnavailableError(
                f"NATS at {safe} answers but JetStream is not enabled (start nats-server with -js)"
            ) from exc
        return cls(nc, js, url, publish_retry_s=publish_retry_s)

    async def close(self) -> None:
        """Flush what is buffered and close the connection (safe to call twice)."""
        if not self._nc.is_closed:
            try:
                await self._nc.drain()
            except (nats.errors.Error, OSError):
                await self._nc.close()

    @property
    def jetstream(self) -> JetStreamContext:
        """The nats-py JetStream context, for what this class does not wrap (tests, tools)."""
        return self._js

    @property
    def is_connected(self) -> bool:
        """True while the connection is up (False while reconnecting or after close)."""
        return bool(self._nc.is_connected)

    async def ping(self, timeout: int = 1) -> None:
        """Round trip to the server (for /readyz); raises `BusUnavailableError` or a timeout."""
        with nats_errors("ping NATS"):
            await self._nc.flush(timeout=timeout)

    # -- declaration ---------------------------------------------------------------------

    async def ensure_streams(
        self,
        configs: tuple[StreamConfig, ...] | None = None,
        *,
        replicas: int = 1,
        events_max_age_s: float | None = None,
        events_max_bytes: int | None = None,
    ) -> None:
        """Create the pipeline streams (on `replicas` servers, the events stream bounded by
        `events_max_age_s` seconds and `events_max_bytes` bytes), or update them to this
        configuration; idempotent.

        Every service calls it at start-up, so whichever starts first declares them and each
        later one updates them: give every service the same `PROLIGHT_EVENTS_*` settings. A
        limit left None is the default (a week, 1 GiB) for a new stream and what an existing
        one has: a caller that does not know the settings changes nothing.
        """
        limits = stream_configs(
            replicas,
            events_max_age_s=EVENTS_MAX_AGE_S if events_max_age_s is None else events_max_age_s,
            events_max_bytes=EVENTS_MAX_BYTES if events_max_bytes is None else events_max_bytes,
        )
        keep: set[str] = set()
        if events_max_age_s is None:  # the duplicate window follows the age (streams.py)
            keep |= {"max_age", "duplicate_window"}
        if events_max_bytes is None:
            keep.add("max_bytes")
        for config in configs or limits:
            await self._ensure_stream(config, keep if config.name == EVENTS_STREAM else set())

    async def _ensure_stream(self, config: StreamConfig, keep: set[str]) -> None:
        action = f"declare stream {config.name}"
        try:
            await self._js.add_stream(config)
        except nats.js.errors.BadRequestError as exc:
            if exc.err_code != _STREAM_NAME_IN_USE:
                raise translate(exc, action) from exc
            with nats_errors(action + " (update)"):
                if keep and config.name:  # the limits the stream has, where the caller named none
                    current = (await self._js.stream_info(config.name)).config
                    for name in keep:
                        setattr(config, name, getattr(current, name))
                await self._js.update_stream(config)
        except (nats.errors.Error, OSError) as exc:
            raise translate(exc, action) from exc

    async def key_value(
        self, bucket: str, *, ttl_s: float | None = None, replicas: int = 1
    ) -> KeyValue:
        """The JetStream key-value bucket `bucket`, created when missing (kept on `replicas`
        servers; with `ttl_s`, a key not written for that long is gone); idempotent.

        For state every replica of a service shares (the gateway's rate limits and idempotency
        keys): a write can be made conditional on the revision read (`KeyValue.update`) or on
        the key being absent (`KeyValue.create`), so two replicas never both win."""
        config = KeyValueConfig(
            bucket=bucket, ttl=ttl_s, replicas=replicas, storage=StorageType.FILE
        )
        with nats_errors(f"declare key-value bucket {bucket}"):
            try:
                return await self._js.create_key_value(config)
            except nats.js.errors.BadRequestError as exc:
                if exc.err_code != _STREAM_NAME_IN_USE:
                    raise
                return await self._js.key_value(bucket)

    async def ensure_consumer(
        self,
        stream: str,
        durable: str,
        *,
        filter_subject: str | None = None,
        settings: ConsumerSettings | None = None,
    ) -> None:
        """Create the durable pull consumer, or update it to these settings; idempotent.

        Raises `BusConfigError` when the server refuses (e.g. a filter that is not a subset of
        one stream subject, or a second consumer on an overlapping work-queue subject).
        """
        config: ConsumerConfig = (settings or ConsumerSettings()).consumer_config(
            durable, filter_subject
        )
        with nats_errors(f"declare consumer {durable} on {stream}"):
            await self._js.add_consumer(stream, config)

    # -- publishing ----------------------------------------------------------------------

    async def publish(
        self, event: Event, *, timeout: float = 2.0, retry_for: float | None = None
    ) -> PublishResult:
        """Store `event` on its subject; returns when the stream has acked it.

        Idempotent within the stream's duplicate window (`DUPLICATE_WINDOW_S`): the same
        `event_id` published again is acked as a duplicate and stored once. `timeout` is the
        seconds each attempt waits for the ack. When the ack does not come, no server takes
        the subject or JetStream answers 503 — a stream electing its leader — the event is
        sent again under the same id, after a capped backoff (50 ms doubling to 1 s), for up
        to `retry_for` seconds (None: `publish_retry_s`, `PROLIGHT_NATS_PUBLISH_RETRY_S`; 0:
        one attempt). Then it raises `BusTimeoutError` (no ack: the event may be stored,
        retrying later is safe) or `BusUnavailableError` (no stream took the subject), naming
        the attempts. Any other error is raised at once.
        """
        traceparent = event.traceparent or current_traceparent()
        headers = {MSG_ID_HEADER: str(event.event_id)}
        if traceparent:
            headers[TRACEPARENT] = traceparent
            if event.traceparent != traceparent:
                event = event.model_copy(update={"traceparent": traceparent})
        body = event.model_dump_json(exclude={"sequence"}).encode()
        budget = self.publish_retry_s if retry_for is None else retry_for

        async def attempt(wait: float) -> PubAck:
            return await self._js.publish(event.subject, body, timeout=wait, headers=headers)

        ack = await with_retries(
            attempt,
            f"publish {event.type} for run {event.run_id}",
            timeout=timeout,
            retry_for=budget,
        )
        if not ack.duplicate:
            record_run_event(event.type)
        return PublishResult(ack.stream, ack.seq, bool(ack.duplicate))

    # -- consuming -----------------------------------------------------------------------

    def worker(
        self,
        stream: str,
        durable: str,
        handler: Callable[[Delivery], Awaitable[None]],
        *,
        filter_subject: str | None = None,
        settings: ConsumerSettings | None = None,
    ) -> PullWorker[Delivery]:
        """A worker loop on the durable pull consumer `durable` of `stream` (declared by
        `run()`); every instance that uses the same durable shares the messages.

        The handler gets one `Delivery`; its message is acked after the handler returns and
        redelivered (after `settings.retry_after`) when it raises. Make handlers idempotent:
        delivery is at least once. See `ConsumerSettings` for batching, heartbeats and timeouts.
        """
        return event_worker(
            self._js,
            stream,
            durable,
            handler,
            filter_subject=filter_subject,
            settings=settings or ConsumerSettings(),
        )

    def dead_letters(
        self,
        handler: Callable[[DeadLetter], Awaitable[None]],
        *,
        durable: str = "prolight-dead-letters",
        settings: ConsumerSettings | None = None,
    ) -> PullWorker[DeadLetter]:
        """A worker loop over messages that exhausted MaxDeliver on any pipeline consumer.

        Each `DeadLetter` names the stream, consumer, stream sequence, subject and (when it
        decodes) the original event, so the planner can fail the task and the run with a
        readable reason. Instances sharing `durable` share the work.
        """
        return dead_letter_worker(
            self._js,
            DEAD_LETTERS_STREAM,
            durable,
            handler,
            settings=settings or ConsumerSettings(),
        )

    async def history(
        self, run_id: str, *, after_sequence: int = 0, timeout: float = 5.0
    ) -> list[Event]:
        """Every stored event of `run_id` with a sequence above `after_sequence`, in order.

        Reads what the events stream holds now and returns (it does not wait for more);
        use `feed(run_id, after_sequence=…)` to continue live without a gap. `timeout` bounds
        each request; through a leader election the read is retried from the start for up to
        `publish_retry_s` seconds, as a publish is.
        """
        return await read_history(
            self._js,
            run_id,
            after_sequence=after_sequence,
            timeout=timeout,
            retry_for=self.publish_retry_s,
        )

    async def purge_run(self, run_id: str) -> None:
        """Remove every event of `run_id` from the events stream (`prolight.*.*.<run_id>`);
        idempotent. For deleting a finished run (`DELETE /api/runs/{id}`). Task requests
        still queued for it are left: a worker drops the request of a run it cannot find."""
        with nats_errors(f"purge run {run_id} from {EVENTS_STREAM}"):
            await self._js.purge_stream(EVENTS_STREAM, subject=run_history_filter(run_id))

    async def created(self, run_id: str) -> Event | None:
        """The `run.created` event of `run_id` as the stream stores it, or None if it holds none
        (an unknown run, or one trimmed from the stream)."""
        return await read_created(self._js, run_id)

    async def feed(
        self, run_id: str | None = None, *, after_sequence: int | None = None
    ) -> EventFeed:
        """A live, ordered feed of events (of one run, or of all runs when `run_id` is None).

        With `after_sequence=None` it starts with the next event published; with a number it
        first replays the stored events after that sequence, then continues live. Close it
        (or use `async with`) when done.
        """
        return await open_feed(
            self._js_ordered,
            run_id,
            after_sequence=after_sequence,
            retry_for=self.publish_retry_s,
        )

    async def watch(
        self, on_event: Callable[[StoredEvent], None], *, after_sequence: int | None = None
    ) -> EventWatch:
        """Call `on_event` with every event of every run as the stream stores it (checked for
        shape, its payload not validated: see `StoredEvent`), in stream order, each once: the
        stored ones after `after_sequence` first (None: only those published from now), then
        live. For consumers that forward events; the connection's reader calls back, no task
        wakes up per event, so `on_event` must be quick and must not raise. Close it when done."""
        return await open_watch(
            self._js_ordered,
            on_event,
            after_sequence=after_sequence,
            retry_for=self.publish_retry_s,
        )
