"""TaskWorker: the task lifecycle on a real SQLite run store, with a bus that records publishes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

import pytest

from prolight.contracts.events import (
    Event,
    RunCancelRequested,
    TaskCompleted,
    TaskFailed,
    TaskRequested,
    TaskStarted,
)
from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import ExportParams, ExportResult
from prolight.platform.bus import BusUnavailableError, Delivery
from prolight.platform.external import RateLimited, Unavailable
from prolight.platform.store import (
    RunRecord,
    RunStatus,
    RunStore,
    SqliteRunStore,
    StoreUnavailableError,
    TaskStatus,
)
from prolight.platform.task_worker import TaskOutcome, TaskRejected, TaskWorker, keyed_event

NAMESPACE = UUID("11111111-2222-4333-8444-555555555555")
RUN, TASK = "run-1", "run-1-i1-export"
PARAMS = ExportParams(
    iteration=1, best_artifact_id="a1", ranking=[], candidates=[], stop_reason="max_iterations"
)


def export_result(chosen: str = "a1") -> ExportResult:
    return ExportResult(
        bundle_artifact_id="b1",
        bundle_sha256="0" * 64,
        bundle_url="/blobs/b1",
        contact_sheet_artifact_id="c1",
        diagram_artifact_id="d1",
        chosen_artifact_id=chosen,
        files=["manifest.json"],
    )


class RecordingBus:
    def __init__(self) -> None:
        self.published: list[Event] = []

    async def publish(self, event: Event) -> None:
        self.published.append(event)


class Worker(TaskWorker):
    event_namespace = NAMESPACE
    log = logging.getLogger("prolight.test_worker")

    def __init__(self, bus: RecordingBus, store: RunStore) -> None:
        super().__init__(bus, store, worker_id="worker-a")  # type: ignore[arg-type]
        self.calls: list[tuple[RunRecord, TaskRequested]] = []
        self.outcome = TaskOutcome(export_result(), summary="bundle b1")
        self.error: Exception | None = None
        self.cancel_meanwhile = False

    async def work(self, run: RunRecord, request: TaskRequested) -> TaskOutcome:
        self.calls.append((run, request))
        if self.cancel_meanwhile:
            await cancel(self.store)
        if self.error is not None:
            raise self.error
        return self.outcome


async def cancel(store: RunStore) -> None:
    run = await store.get_run(RUN)
    assert run is not None
    await store.update_run(RUN, run.version, {"status": RunStatus.CANCELLED})


def delivery(
    count: int = 1, *, attempt: int = 1, payload: Any = None, run_id: str = RUN
) -> Delivery:
    request = payload or TaskRequested(
        tool=Tool.EXPORT, task_id=TASK, params=PARAMS, attempt=attempt
    )
    return Delivery(
        event=Event.build(run_id, request),
        subject=f"prolight.task.requested.export.{run_id}",
        stream="PROLIGHT_TASKS",
        consumer="prolight-export",
        stream_sequence=1,
        delivery_count=count,
    )


async def task_status(store: RunStore) -> TaskStatus | None:
    task = await store.get_task(TASK)
    return None if task is None else task.status


def event_id(key: str) -> UUID:
    return uuid5(NAMESPACE, key)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[RunStore]:
    async with await SqliteRunStore.open(tmp_path / "runs.db") as s:
        await s.create_run(RunRecord(run_id=RUN, status=RunStatus.RUNNING))
        yield s


@pytest.fixture
def bus() -> RecordingBus:
    return RecordingBus()


@pytest.fixture
def worker(bus: RecordingBus, store: RunStore) -> Worker:
    return Worker(bus, store)


async def test_a_task_is_started_then_completed_with_deterministic_ids(
    worker: Worker, bus: RecordingBus, store: RunStore
) -> None:
    await worker.on_task(delivery())

    started, completed = bus.published
    assert isinstance(started.payload, TaskStarted)
    assert (started.payload.worker, started.payload.attempt) == ("worker-a", 1)
    assert started.event_id == event_id(f"{TASK}:started:1:1")
    assert isinstance(completed.payload, TaskCompleted)
    assert completed.event_id == event_id(f"{TASK}:completed")
    assert (completed.run_id, completed.task_id) == (RUN, TASK)
    assert completed.payload.status == "completed"
    result = completed.payload.result
    assert result.model_copy(update={"duration_ms": None}) == export_result()
    assert completed.payload.duration_ms == result.duration_ms
    assert result.duration_ms is not None
    assert result.duration_ms >= 0
    task = await store.get_task(TASK)
    assert task is not None
    assert (task.status, task.result) == (TaskStatus.COMPLETED, result)
    ((run, request),) = worker.calls
    assert (run.run_id, request.params) == (RUN, PARAMS)


async def test_a_cached_outcome_ends_the_task_cached(
    worker: Worker, bus: RecordingBus, store: RunStore
) -> None:
    worker.outcome = TaskOutcome(export_result(), cached=True)
    await worker.on_task(delivery())

    completed = bus.published[-1]
    assert isinstance(completed.payload, TaskCompleted)
    assert completed.payload.status == "cached"
    assert completed.event_id == event_id(f"{TASK}:cached")
    assert await task_status(store) == TaskStatus.CACHED


async def test_a_finished_task_is_re_reported_under_the_same_id_and_not_redone(
    worker: Worker, bus: RecordingBus
) -> None:
    await worker.on_task(delivery(1))
    await worker.on_task(delivery(2))

    assert len(worker.calls) == 1
    first, again = bus.published[1], bus.published[2]
    assert len(bus.published) == 3, "the redelivery started the task again"
    assert again.event_id == first.event_id
    assert again.payload == first.payload


async def test_a_rejected_task_fails_for_good(
    worker: Worker, bus: RecordingBus, store: RunStore, caplog: pytest.LogCaptureFixture
) -> None:
    worker.error = TaskRejected("cannot evaluate: no image")
    with caplog.at_level(logging.WARNING, "prolight.test_worker"):
        await worker.on_task(delivery())
    await worker.on_task(delivery(2))

    failed = bus.published[1]
    assert isinstance(failed.payload, TaskFailed)
    assert failed.event_id == event_id(f"{TASK}:failed")
    assert (failed.payload.reason, failed.payload.retryable) == ("cannot evaluate: no image", False)
    assert bus.published[2].event_id == failed.event_id
    task = await store.get_task(TASK)
    assert task is not None
    assert (task.status, task.error) == (TaskStatus.FAILED, "cannot evaluate: no image")
    assert "failed: cannot evaluate: no image" in caplog.text  # run and task ids are fields


async def test_any_other_error_propagates_and_the_redelivery_does_the_work(
    worker: Worker, bus: RecordingBus, store: RunStore
) -> None:
    worker.error = ConnectionError("store down")
    with pytest.raises(ConnectionError):
        await worker.on_task(delivery(1))
    assert await task_status(store) == TaskStatus.STARTED
    assert [type(e.payload) for e in bus.published] == [TaskStarted]

    worker.error = None
    await worker.on_task(delivery(2))
    restarted, completed = bus.published[1:]
    assert restarted.event_id == event_id(f"{TASK}:started:1:2")
    assert isinstance(completed.payload, TaskCompleted)


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(BusUnavailableError("NATS is down"), id="bus"),
        pytest.param(StoreUnavailableError("Mongo is down"), id="store"),
        pytest.param(Unavailable("BRIA answered 503"), id="external-unavailable"),
        pytest.param(RateLimited("BRIA answered 429", retry_after=5), id="external-rate-limited"),
    ],
)
async def test_a_transient_failure_is_retried_by_redelivery_not_reported_failed(
    worker: Worker, bus: RecordingBus, store: RunStore, error: Exception
) -> None:
    # The only retry of a task is JetStream's redelivery (bounded by MaxDeliver): a worker
    # never publishes a task.failed that asks the planner to try again.
    worker.error = error
    with pytest.raises(type(error)):
        await worker.on_task(delivery(1))
    assert [type(e.payload) for e in bus.published] == [TaskStarted]
    assert await task_status(store) == TaskStatus.STARTED

    worker.error = None
    await worker.on_task(delivery(2))
    assert isinstance(bus.published[-1].payload, TaskCompleted)
    assert await task_status(store) == TaskStatus.COMPLETED


async def test_a_failure_re_reported_from_the_store_is_never_retryable(
    worker: Worker, bus: RecordingBus, store: RunStore
) -> None:
    worker.error = TaskRejected("BRIA stayed unavailable after 3 attempts")
    await worker.on_task(delivery(1))
    await worker.on_task(delivery(2, attempt=2))  # a request for the failed task: re-reported

    assert len(worker.calls) == 1
    reports = [e.payload for e in bus.published if isinstance(e.payload, TaskFailed)]
    assert [r.retryable for r in reports] == [False, False]


async def test_a_new_request_attempt_starts_under_a_new_id(
    worker: Worker, bus: RecordingBus
) -> None:
    worker.error = ConnectionError("store down")
    with pytest.raises(ConnectionError):
        await worker.on_task(delivery(1, attempt=1))
    with pytest.raises(ConnectionError):
        await worker.on_task(delivery(1, attempt=2))
    assert [e.event_id for e in bus.published] == [
        event_id(f"{TASK}:started:1:1"),
        event_id(f"{TASK}:started:2:1"),
    ]


@pytest.mark.parametrize(
    "gone", [pytest.param(True, id="unknown"), pytest.param(False, id="cancelled")]
)
async def test_a_task_of_a_run_that_is_not_live_is_dropped(
    worker: Worker, bus: RecordingBus, store: RunStore, gone: bool
) -> None:
    if not gone:
        await cancel(store)
    await worker.on_task(delivery(run_id="run-unknown" if gone else RUN))

    assert bus.published == []
    assert worker.calls == []
    assert await store.get_task(TASK) is None


async def test_a_run_stopped_during_the_work_gets_no_result(
    worker: Worker, bus: RecordingBus, store: RunStore
) -> None:
    worker.cancel_meanwhile = True
    await worker.on_task(delivery())

    assert [type(e.payload) for e in bus.published] == [TaskStarted]
    assert await task_status(store) == TaskStatus.STARTED


async def test_a_payload_that_is_not_a_request_is_ignored(
    worker: Worker, bus: RecordingBus
) -> None:
    await worker.on_task(delivery(payload=RunCancelRequested()))
    assert (bus.published, worker.calls) == ([], [])


def test_keyed_events_get_the_same_id_for_the_same_key() -> None:
    payload = TaskStarted(tool=Tool.EXPORT, worker="w")
    first = keyed_event(NAMESPACE, "k", RUN, payload, task_id=TASK)
    second = keyed_event(NAMESPACE, "k", RUN, payload, task_id=TASK)
    assert first.event_id == second.event_id == uuid5(NAMESPACE, "k")
    assert (first.run_id, first.task_id) == (RUN, TASK)
    assert keyed_event(NAMESPACE, "other", RUN, payload).event_id != first.event_id
