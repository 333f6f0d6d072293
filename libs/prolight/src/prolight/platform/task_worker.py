"""`TaskWorker`: the lifecycle of one `task.requested.<tool>` delivery, the same in every worker.

A worker (bria-generator, evaluator, storage's export) subclasses it, sets `event_namespace`
and `log`, and writes only `work(run, request)`. `on_task(delivery)`, the pull-worker handler:

1. a payload that is not a `TaskRequested` is acked and ignored (the consumer's filter makes it
   impossible);
2. a run that is gone or no longer live (cancelled, failed, completed) gets nothing: ack, stop;
3. the `TaskRecord` is read or inserted (insert-if-absent, so instances agree on one);
4. a task already finished (a redelivery after a crash between store and ack) re-reports its
   stored outcome under the same event id, which JetStream drops as a duplicate, and does no
   work;
5. otherwise: task → started, `task.started`, `work`, then the *cancel checkpoint*: a run that
   stopped meanwhile gets no result (the task stays started, nothing completes after a cancel);
   else task → completed | cached with the result (plus `duration_ms`), `task.completed`.

Failures: `work` raises `TaskRejected` when retrying cannot help (an unreadable prompt or
image, a provider that stayed down through its client's own retries); the task fails for good
with its message, and `task.failed` is published (its `retryable` is always false: the planner
never asks for a failed task again). Anything else (a store or the bus down, a bug) propagates,
so the message is naked and redelivered, and after MaxDeliver dead-lettered (the planner then
fails the task and the run): that redelivery is the only retry of a task.
The message is acked only after the handler returns, i.e. after the outcome was published.

Event ids are uuid5 in the worker's namespace of `<task_id>:started:<request attempt>:<delivery
count>` and `<task_id>:<final status>`: a repeat of the same step is always the same event.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID, uuid5

from prolight.contracts.events import (
    Event,
    EventPayload,
    TaskCompleted,
    TaskFailed,
    TaskRequested,
    TaskStarted,
)
from prolight.contracts.tasks import TaskResult
from prolight.domain.errors import ProLightError
from prolight.platform.bus import Bus, Delivery
from prolight.platform.metrics import record_task
from prolight.platform.store import RunRecord, RunStore, TaskRecord, TaskStatus

__all__ = [
    "TaskOutcome",
    "TaskRejected",
    "TaskWorker",
    "keyed_event",
]

_FINISHED = frozenset({TaskStatus.COMPLETED, TaskStatus.CACHED, TaskStatus.FAILED})


class TaskRejected(ProLightError):
    """Raised by `TaskWorker.work` when the task cannot succeed; the message is the reason."""


@dataclass(frozen=True)
class TaskOutcome:
    """What `TaskWorker.work` returns.

    `result` (the model of the task's tool) becomes the task's stored result and the
    `task.completed` result (the lifecycle sets its `duration_ms`); `cached` marks a result
    reused from an earlier task; `summary` ends the log line of the completion (e.g. `seed=7`).
    """

    result: TaskResult
    cached: bool = False
    summary: str = ""


def keyed_event(
    namespace: UUID, key: str, run_id: str, payload: EventPayload, *, task_id: str | None = None
) -> Event:
    """`Event.build` with the id uuid5(namespace, key): publishing it twice stores it once."""
    event = Event.build(run_id, payload, task_id=task_id)
    return event.model_copy(update={"event_id": uuid5(namespace, key)})


class TaskWorker(ABC):
    """Handles `task.requested.<tool>` deliveries around `work` (module doc).

    Subclasses set `event_namespace` (their uuid5 namespace, fixed forever: changing it changes
    every event id) and `log` (their logger).
    """

    event_namespace: ClassVar[UUID]
    log: ClassVar[logging.Logger]

    def __init__(self, bus: Bus, store: RunStore, *, worker_id: str) -> None:
        self.bus = bus
        self.store = store
        self.worker_id = worker_id  # names this process in task.started: its instance_id

    @abstractmethod
    async def work(self, run: RunRecord, request: TaskRequested) -> TaskOutcome:
        """Do the task for `run` (live when called); raise `TaskRejected` if it cannot succeed.

        Called again on a redelivery of a task that did not finish: make it idempotent.
        """

    async def on_task(self, delivery: Delivery) -> None:
        """Handle one delivery of a task request (module doc)."""
        event = delivery.event
        request = event.payload
        if not isinstance(request, TaskRequested):
            return
        run_id, task_id = event.run_id, request.task_id
        run = await self.store.get_run(run_id)
        if run is None or run.status.is_final:
            self.log.info("run is %s; task dropped", run.status.value if run else "unknown")
            return
        task = await self.store.get_task(task_id) or await self.store.put_task(
            TaskRecord(task_id=task_id, run_id=run_id, tool=request.tool, params=request.params)
        )
        if task.status in _FINISHED:
            await self._report(task)
            return
        attempt = delivery.delivery_count
        await self.store.set_task_status(task_id, TaskStatus.STARTED)
        started = TaskStarted(tool=request.tool, worker=self.worker_id, attempt=attempt)
        key = f"{task_id}:started:{request.attempt}:{attempt}"
        await self.bus.publish(
            keyed_event(self.event_namespace, key, run_id, started, task_id=task_id)
        )
        clock = time.perf_counter()
        try:
            outcome = await self.work(run, request)
        except TaskRejected as exc:
            record_task(request.tool, TaskStatus.FAILED.value, time.perf_counter() - clock)
            self.log.warning("failed: %s", exc)
            await self._report(
                await self.store.set_task_status(task_id, TaskStatus.FAILED, error=str(exc))
            )
            return
        duration_ms = (time.perf_counter() - clock) * 1000
        if (run := await self.store.get_run(run_id)) is None or run.status.is_final:
            # The run stopped while we worked: complete nothing for it. What the work stored
            # (an image, a bundle) stays, unreferenced; content addressing lets a later run
            # reuse the bytes.
            self.log.info("run stopped mid-task; result dropped")
            return
        status = TaskStatus.CACHED if outcome.cached else TaskStatus.COMPLETED
        record_task(request.tool, status.value, duration_ms / 1000)
        result = outcome.result.model_copy(update={"duration_ms": duration_ms})
        await self._report(await self.store.set_task_status(task_id, status, result=result))
        self.log.info("%s %s", status.value, outcome.summary)

    async def _report(self, task: TaskRecord) -> None:
        """Publish the stored outcome of a finished task (the same event id every time).

        Tests patch it to crash between this publish and the ack.
        """
        payload: EventPayload
        if task.status == TaskStatus.FAILED:
            payload = TaskFailed(tool=task.tool, reason=task.error or "failed")
        else:
            assert task.result is not None  # a completed or cached task stores its result
            payload = TaskCompleted(
                tool=task.tool,
                status="cached" if task.status == TaskStatus.CACHED else "completed",
                result=task.result,
                duration_ms=task.result.duration_ms,
            )
        key = f"{task.task_id}:{task.status.value}"
        await self.bus.publish(
            keyed_event(self.event_namespace, key, task.run_id, payload, task_id=task.task_id)
        )
