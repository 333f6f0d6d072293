"""Prometheus metrics of every ProLight service, in prometheus_client's process-wide registry.

Each service process serves them on `/metrics` (workers on their health port, the gateway and
the notifier beside their API). Names and labels are fixed here, in one place, so the alert
rules in `deploy/prometheus/alerts.yml` and the dashboards can rely on them:

    prolight_runs_total{status}                         run events published (created, completed,
                                                        failed, cancelled, cancel_requested)
    prolight_task_duration_seconds{tool,status}         a task's work, by tool and final status
    prolight_handler_errors_total{consumer}             handler raised: the message is redelivered
    prolight_consumer_pending_messages{stream,consumer} messages still waiting (queue lag)
    prolight_consumer_lag_seconds{consumer}             event published → its handler starts
    prolight_generator_calls_total{backend,outcome}     image backend calls (ok, error, rejected)
    prolight_generator_call_seconds{backend}            one backend call, seconds
    prolight_generator_cost_usd_total{backend}          money spent on the backend (USD)
    prolight_evaluator_batch_size                       images per evaluator batch
    prolight_evaluator_images_total{device}             images scored (rate → images/s)
    prolight_evaluator_images_per_second{device}        throughput of the last batch
    prolight_evaluator_last_batch_timestamp_seconds     when the last batch finished (unix s)
    prolight_notifier_connected_clients                 WebSocket + SSE clients right now
    prolight_notifier_delivery_latency_seconds          event published → handed to its clients
    prolight_http_requests_total{service,code}          HTTP responses by class (2xx … 5xx)
    prolight_http_request_duration_seconds{service}     HTTP request latency

No label ever carries a run id, task id or URL path: every label has a handful of values, so
the cost per observation stays a dictionary lookup and the series count stays flat.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = [
    "CONSUMER_LAG",
    "CONSUMER_PENDING",
    "CONTENT_TYPE",
    "EVALUATOR_BATCH_SIZE",
    "EVALUATOR_IMAGES",
    "EVALUATOR_IMAGES_PER_SECOND",
    "EVALUATOR_LAST_BATCH",
    "GENERATOR_CALLS",
    "GENERATOR_CALL_SECONDS",
    "GENERATOR_COST_USD",
    "HANDLER_ERRORS",
    "HTTP_REQUESTS",
    "HTTP_REQUEST_SECONDS",
    "NOTIFIER_CLIENTS",
    "NOTIFIER_DELIVERY_SECONDS",
    "RUNS",
    "TASK_SECONDS",
    "HttpMetricsMiddleware",
    "MeteredSend",
    "ResponseMeter",
    "observe_delivery",
    "observe_notifier_delivery",
    "record_evaluator_batch",
    "record_generator_call",
    "record_run_event",
    "record_task",
    "render",
    "seconds_since",
    "track_notifier_clients",
]

CONTENT_TYPE = CONTENT_TYPE_LATEST
"""The `Content-Type` of `render()`'s bytes (the Prometheus text exposition format)."""

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

RUN_STATUSES = ("created", "cancel_requested", "completed", "failed", "cancelled")
TOOLS = ("generate", "evaluate", "export")
TASK_STATUSES = ("completed", "cached", "failed")

RUNS = Counter(
    "prolight_runs",
    "Run lifecycle events published, by the status they announce.",
    ["status"],
)
TASK_SECONDS = Histogram(
    "prolight_task_duration_seconds",
    "Seconds a worker spent on one task, by tool and final status.",
    ["tool", "status"],
    buckets=_LATENCY_BUCKETS,
)
HANDLER_ERRORS = Counter(
    "prolight_handler_errors",
    "Deliveries whose handler raised (the message is naked and redelivered).",
    ["consumer"],
)
CONSUMER_PENDING = Gauge(
    "prolight_consumer_pending_messages",
    "Messages of the consumer not yet delivered, as of this instance's last fetch.",
    ["stream", "consumer"],
)
CONSUMER_LAG = Histogram(
    "prolight_consumer_lag_seconds",
    "Seconds from an event's occurred_at to its handler starting here.",
    ["consumer"],
    buckets=_LATENCY_BUCKETS,
)
GENERATOR_CALLS = Counter(
    "prolight_generator_calls",
    "Image backend calls, by backend and outcome (ok, error, rejected).",
    ["backend", "outcome"],
)
GENERATOR_CALL_SECONDS = Histogram(
    "prolight_generator_call_seconds",
    "Seconds one image backend call took (submit to image bytes).",
    ["backend"],
    buckets=_LATENCY_BUCKETS,
)
GENERATOR_COST_USD = Counter(
    "prolight_generator_cost_usd",
    "US dollars spent on image backend calls (0 for the local renderer).",
    ["backend"],
)
EVALUATOR_BATCH_SIZE = Histogram(
    "prolight_evaluator_batch_size",
    "Images per evaluator (GPU) batch.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
EVALUATOR_IMAGES = Counter(
    "prolight_evaluator_images",
    "Images scored by the evaluator, by device (cpu, cuda).",
    ["device"],
)
EVALUATOR_IMAGES_PER_SECOND = Gauge(
    "prolight_evaluator_images_per_second",
    "Throughput of the evaluator's last batch, images per second.",
    ["device"],
)
EVALUATOR_LAST_BATCH = Gauge(
    "prolight_evaluator_last_batch_timestamp_seconds",
    "Unix time at which the evaluator finished its last batch (0: none yet).",
)
NOTIFIER_CLIENTS = Gauge(
    "prolight_notifier_connected_clients",
    "WebSocket and SSE clients connected to this notifier.",
)
NOTIFIER_DELIVERY_SECONDS = Histogram(
    "prolight_notifier_delivery_latency_seconds",
    "Seconds from an event's occurred_at to the notifier handing it to its run's clients.",
    buckets=_LATENCY_BUCKETS,
)
HTTP_REQUESTS = Counter(
    "prolight_http_requests",
    "HTTP responses, by service and status class (2xx, 3xx, 4xx, 5xx).",
    ["service", "code"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "prolight_http_request_duration_seconds",
    "Seconds from a request's arrival to its response's first byte.",
    ["service"],
    buckets=_LATENCY_BUCKETS,
)

# Every known label set starts at 0, so rate() and the alert ratios see a series from the first
# scrape instead of appearing (and being missed by `increase`) with the first event.
for _status in RUN_STATUSES:
    RUNS.labels(_status)
for _tool in TOOLS:
    for _task_status in TASK_STATUSES:
        TASK_SECONDS.labels(_tool, _task_status)


def render() -> bytes:
    """Every metric of this process in the Prometheus text format (see `CONTENT_TYPE`)."""
    return generate_latest(REGISTRY)


def seconds_since(moment: datetime, now: float | None = None) -> float:
    """Seconds from the aware datetime `moment` to `now` (unix seconds; default: the clock),
    never negative (clocks of two hosts disagree by a little)."""
    current = time.time() if now is None else now
    return max(0.0, current - moment.timestamp())  # an aware datetime knows its own offset


def record_run_event(event_type: str) -> None:
    """Count a published `run.<status>` event (other event types are ignored)."""
    entity, _, status = event_type.partition(".")
    if entity == "run" and status in RUN_STATUSES:
        RUNS.labels(status).inc()


def record_task(tool: str, status: str, seconds: float) -> None:
    """A finished task: its tool, final status (completed, cached, failed) and work seconds."""
    TASK_SECONDS.labels(tool, status).observe(seconds)


def observe_delivery(
    stream: str, consumer: str, pending: int, occurred_at: datetime | None = None
) -> None:
    """A message fetched from `consumer`: `pending` is what still waits behind it (JetStream's
    `num_pending`); `occurred_at`, when known, gives the lag from publish to now."""
    CONSUMER_PENDING.labels(stream, consumer).set(pending)
    if occurred_at is not None:
        CONSUMER_LAG.labels(consumer).observe(seconds_since(occurred_at))


def record_generator_call(
    backend: str, outcome: str, seconds: float, cost_usd: float = 0.0
) -> None:
    """One image backend call: `outcome` is ok, error (retryable) or rejected (not retryable);
    `seconds` its wall time; `cost_usd` what it cost (0 for the local renderer)."""
    GENERATOR_CALLS.labels(backend, outcome).inc()
    GENERATOR_CALL_SECONDS.labels(backend).observe(seconds)
    if cost_usd:
        GENERATOR_COST_USD.labels(backend).inc(cost_usd)


def record_evaluator_batch(size: int, seconds: float, device: str = "cpu") -> None:
    """One evaluator batch of `size` images scored in `seconds` on `device` (cpu, cuda)."""
    EVALUATOR_BATCH_SIZE.observe(size)
    EVALUATOR_IMAGES.labels(device).inc(size)
    if seconds > 0:
        EVALUATOR_IMAGES_PER_SECOND.labels(device).set(size / seconds)
    EVALUATOR_LAST_BATCH.set(time.time())


def observe_notifier_delivery(occurred_at: datetime) -> None:
    """An event handed to its run's clients; `occurred_at` is when it was published."""
    NOTIFIER_DELIVERY_SECONDS.observe(seconds_since(occurred_at))


def track_notifier_clients(count: Callable[[], float]) -> None:
    """Read the connected-clients gauge from `count()` at every scrape."""
    NOTIFIER_CLIENTS.set_function(count)


_Message = MutableMapping[str, Any]
_Receive = Callable[[], Awaitable[_Message]]
_Send = Callable[[_Message], Awaitable[None]]
_ASGIApp = Callable[[MutableMapping[str, Any], _Receive, _Send], Awaitable[None]]


class ResponseMeter:
    """One service's HTTP responses, counted by status class and timed, labelled only by
    `service`: two pre-bound metric updates a response, no label depends on the request."""

    def __init__(self, service: str) -> None:
        self._codes = {c: HTTP_REQUESTS.labels(service, f"{c}xx") for c in range(1, 6)}
        self._seconds = HTTP_REQUEST_SECONDS.labels(service)

    def answered(self, status: int, started: float) -> None:
        """A response began with `status`; `started` is the request's `time.perf_counter()`."""
        self._codes.get(status // 100, self._codes[5]).inc()
        self._seconds.observe(time.perf_counter() - started)

    def unanswered(self) -> None:
        """The app raised before answering: the server answers 500."""
        self._codes[5].inc()

    def metering(self, send: _Send) -> MeteredSend:
        """`send` for one request, metering its response as it begins; from now on."""
        return MeteredSend(self, send)


class MeteredSend:
    """One request's ASGI `send` that meters the response when it begins (`ResponseMeter`)."""

    __slots__ = ("_meter", "_send", "_started", "answered")

    def __init__(self, meter: ResponseMeter, send: _Send) -> None:
        self._meter = meter
        self._send = send
        self._started = time.perf_counter()
        self.answered = False
        """True once the response has begun."""

    async def __call__(self, message: _Message) -> None:
        if message["type"] == "http.response.start" and not self.answered:
            self.answered = True
            self._meter.answered(int(message["status"]), self._started)
        await self._send(message)

    def failed(self) -> None:
        """The app raised: counted as the 500 the server answers, unless a response began."""
        if not self.answered:
            self._meter.unanswered()


class HttpMetricsMiddleware:
    """Pure ASGI middleware that meters every HTTP response (`ResponseMeter`); WebSocket and
    lifespan scopes pass through untouched.

    Add it outermost, so responses made by error-handling middleware are counted too.
    """

    def __init__(self, app: _ASGIApp, *, service: str) -> None:
        self.app = app
        self._meter = ResponseMeter(service)

    async def __call__(
        self, scope: MutableMapping[str, Any], receive: _Receive, send: _Send
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        metered = self._meter.metering(send)
        try:
            await self.app(scope, receive, metered)
        except BaseException:
            metered.failed()
            raise
