"""prolight.platform.metrics: what each helper records, the HTTP middleware, and /metrics on
workers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from prometheus_client import REGISTRY

from prolight.contracts.events import Event, TaskRequested
from prolight.contracts.subjects import Tool
from prolight.platform import metrics
from prolight.platform.bus import Delivery
from prolight.platform.health import HealthServer
from prolight.platform.store import RunRecord, RunStatus, RunStore, SqliteRunStore
from prolight.platform.task_worker import TaskOutcome, TaskRejected, TaskWorker
from prolight_testing.tasks import sample_params, sample_result


def value(name: str, **labels: str) -> float:
    """The sample's current value (0 when the series does not exist yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize(
    ("event_type", "status"),
    [
        pytest.param("run.created", "created", id="created"),
        pytest.param("run.completed", "completed", id="completed"),
        pytest.param("run.failed", "failed", id="failed"),
        pytest.param("run.cancelled", "cancelled", id="cancelled"),
    ],
)
def test_run_events_count_by_status(event_type: str, status: str) -> None:
    before = value("prolight_runs_total", status=status)
    metrics.record_run_event(event_type)
    assert value("prolight_runs_total", status=status) == before + 1


def test_other_events_are_not_runs() -> None:
    before = {s: value("prolight_runs_total", status=s) for s in metrics.RUN_STATUSES}
    for event_type in ("task.completed", "task.requested.generate", "artifact.ready"):
        metrics.record_run_event(event_type)
    assert {s: value("prolight_runs_total", status=s) for s in metrics.RUN_STATUSES} == before


def test_every_run_status_and_task_series_exists_before_the_first_event() -> None:
    text = metrics.render().decode()
    for status in metrics.RUN_STATUSES:
        assert f'prolight_runs_total{{status="{status}"}}' in text
    for tool in metrics.TOOLS:
        assert f'prolight_task_duration_seconds_count{{status="failed",tool="{tool}"}}' in text


def test_seconds_since_is_never_negative() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert metrics.seconds_since(now - timedelta(seconds=2), now.timestamp()) == 2
    assert metrics.seconds_since(now + timedelta(seconds=2), now.timestamp()) == 0


def test_generator_calls_count_time_and_cost() -> None:
    calls = value("prolight_generator_calls_total", backend="bria", outcome="ok")
    cost = value("prolight_generator_cost_usd_total", backend="bria")
    timed = value("prolight_generator_call_seconds_count", backend="bria")
    metrics.record_generator_call("bria", "ok", 1.5, cost_usd=0.04)
    metrics.record_generator_call("bria", "ok", 0.5)
    assert value("prolight_generator_calls_total", backend="bria", outcome="ok") == calls + 2
    assert value("prolight_generator_cost_usd_total", backend="bria") == pytest.approx(cost + 0.04)
    assert value("prolight_generator_call_seconds_count", backend="bria") == timed + 2


def test_an_evaluator_batch_sets_size_rate_and_the_stall_clock() -> None:
    images = value("prolight_evaluator_images_total", device="cuda")
    batches = value("prolight_evaluator_batch_size_count")
    metrics.record_evaluator_batch(8, 0.5, device="cuda")
    assert value("prolight_evaluator_images_total", device="cuda") == images + 8
    assert value("prolight_evaluator_batch_size_count") == batches + 1
    assert value("prolight_evaluator_images_per_second", device="cuda") == 16
    assert value("prolight_evaluator_last_batch_timestamp_seconds") > 0


def test_notifier_clients_are_read_at_scrape_time() -> None:
    clients = [3]
    metrics.track_notifier_clients(lambda: clients[0])
    assert value("prolight_notifier_connected_clients") == 3
    clients[0] = 5
    assert value("prolight_notifier_connected_clients") == 5


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def tiny_app(scope: Scope, receive: Receive, send: Send) -> None:
    """200 on /, 503 on /down, raises on /boom."""
    if scope["path"] == "/boom":
        raise RuntimeError("boom")
    status = 503 if scope["path"] == "/down" else 200
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b"x"})


async def test_the_http_middleware_counts_responses_by_class() -> None:
    app = metrics.HttpMetricsMiddleware(tiny_app, service="test-http")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/down")).status_code == 503
        assert (await client.get("/boom")).status_code == 500
    assert value("prolight_http_requests_total", service="test-http", code="2xx") == 2
    assert value("prolight_http_requests_total", service="test-http", code="5xx") == 2
    assert value("prolight_http_request_duration_seconds_count", service="test-http") == 3


async def http_get(port: int, path: str) -> tuple[str, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    raw = (await asyncio.wait_for(reader.read(), 5)).decode()
    writer.close()
    head, _, body = raw.partition("\r\n\r\n")
    return head, body


async def test_the_worker_health_server_serves_metrics(free_tcp_port: int) -> None:
    metrics.record_run_event("run.completed")
    async with HealthServer(free_tcp_port, {}, host="127.0.0.1"):
        head, body = await http_get(free_tcp_port, "/metrics")
    assert head.startswith("HTTP/1.1 200")
    assert f"Content-Type: {metrics.CONTENT_TYPE}" in head
    assert 'prolight_runs_total{status="completed"}' in body


class Worker(TaskWorker):
    event_namespace = UUID("11111111-2222-4333-8444-555555555555")
    log = logging.getLogger("prolight.test_metrics")

    def __init__(self, store: RunStore, reject: bool) -> None:
        super().__init__(_NullBus(), store, worker_id="w")  # type: ignore[arg-type]
        self.reject = reject

    async def work(self, run: RunRecord, request: TaskRequested) -> TaskOutcome:
        if self.reject:
            raise TaskRejected("unreadable")
        return TaskOutcome(sample_result(Tool.EXPORT))


class _NullBus:
    async def publish(self, event: Event) -> None:
        return None


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[RunStore]:
    async with await SqliteRunStore.open(tmp_path / "runs.db") as s:
        await s.create_run(RunRecord(run_id="run-1", status=RunStatus.RUNNING))
        yield s


@pytest.mark.parametrize(
    ("reject", "status"),
    [pytest.param(False, "completed", id="completed"), pytest.param(True, "failed", id="failed")],
)
async def test_a_finished_task_is_timed_by_tool_and_status(
    store: RunStore, reject: bool, status: str
) -> None:
    labels = {"tool": "export", "status": status}
    before = value("prolight_task_duration_seconds_count", **labels)
    request = TaskRequested(
        tool=Tool.EXPORT, task_id=f"run-1-export-{status}", params=sample_params(Tool.EXPORT)
    )
    delivery = Delivery(
        event=Event.build("run-1", request),
        subject="prolight.task.requested.export.run-1",
        stream="PROLIGHT_TASKS",
        consumer="prolight-export",
        stream_sequence=1,
        delivery_count=1,
    )
    await Worker(store, reject).on_task(delivery)
    assert value("prolight_task_duration_seconds_count", **labels) == before + 1
