"""The evaluate-task handler: load the candidate's PNG, measure it, report the score.

Lifecycle as in every worker: a run no longer live gets nothing; a finished task re-reports
its stored outcome under the same event id; otherwise task → started, `task.started`, measure
(`metrics.lighting_metrics`, off the event loop), task → completed with the result, then
`task.completed{tool: evaluate, result: {artifact_id, lighting, final}}`. An unreadable
prompt or image fails the task (`retryable=False`); a store that is down raises, so the
message is redelivered.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from uuid import UUID, uuid5

from pydantic import ValidationError

from prolight.blobs import ArtifactStore, BlobNotFoundError
from prolight.bus import Bus, Delivery
from prolight.events import (
    Event,
    EventPayload,
    TaskCompleted,
    TaskFailed,
    TaskRequested,
    TaskStarted,
)
from prolight.schema import FiboPrompt
from prolight.store import RunRecord, RunStatus, RunStore, TaskRecord, TaskStatus
from prolight_evaluator.metrics import lighting_metrics
from prolight_evaluator.settings import EvaluatorSettings

__all__ = ["EVENT_NAMESPACE", "EvaluateWorker", "evaluate"]

log = logging.getLogger("prolight.evaluator")

EVENT_NAMESPACE = UUID("3c9a4e71-2f0b-4d8e-b6a1-9e5d0c7f2b33")
_LIVE = frozenset({RunStatus.CREATED, RunStatus.PLANNING, RunStatus.RUNNING})


class UnusableInput(ValueError):
    """Raised when the task's prompt or image cannot be evaluated (retrying will not help)."""


def _event(run_id: str, task_id: str, payload: EventPayload, key: str) -> Event:
    event = Event.build(run_id, payload, task_id=task_id)
    return event.model_copy(update={"event_id": uuid5(EVENT_NAMESPACE, f"{task_id}:{key}")})


async def evaluate(run: RunRecord, params: dict[str, Any], blobs: ArtifactStore) -> dict[str, Any]:
    """The result of evaluating one candidate: `{artifact_id, index, seed, lighting, final}`.

    Raises `UnusableInput` for a prompt or image that cannot be read.
    """
    try:
        requested = FiboPrompt.model_validate(run.prompt).scene
        candidate = FiboPrompt.model_validate(params["prompt"]).scene
        png = await blobs.get(str(params["sha256"]))
    except (ValidationError, KeyError, BlobNotFoundError) as exc:
        raise UnusableInput(f"cannot evaluate: {exc}") from exc
    measured = params.get("measured_ratio_stops")
    metrics = await asyncio.to_thread(
        lighting_metrics, png, requested, candidate, None if measured is None else float(measured)
    )
    return {
        "artifact_id": params["artifact_id"],
        "index": params.get("index"),
        "seed": params.get("seed"),
        "lighting": {**metrics["components"], "weights": metrics["weights"]},
        "final": metrics["final"],
    }


class EvaluateWorker:
    """Handles `task.requested.evaluate` (module doc)."""

    def __init__(
        self, bus: Bus, store: RunStore, blobs: ArtifactStore, settings: EvaluatorSettings
    ) -> None:
        self.bus = bus
        self.store = store
        self.blobs = blobs
        self.settings = settings

    async def on_task(self, delivery: Delivery) -> None:
        """Handle one delivery of an evaluate request (module doc)."""
        event = delivery.event
        request = event.payload
        if not isinstance(request, TaskRequested):
            return
        run_id, task_id = event.run_id, request.task_id
        run = await self.store.get_run(run_id)
        if run is None or run.status not in _LIVE:
            log.info("run_id=%s task_id=%s run is not live; task dropped", run_id, task_id)
            return
        task = await self.store.get_task(task_id) or await self.store.put_task(
            TaskRecord(task_id=task_id, run_id=run_id, tool=request.tool, params=request.params)
        )
        if task.status in (TaskStatus.COMPLETED, TaskStatus.CACHED, TaskStatus.FAILED):
            await self._report(task)
            return
        await self.store.set_task_status(task_id, TaskStatus.STARTED)
        attempt = delivery.delivery_count
        started = TaskStarted(tool=request.tool, worker=self.settings.instance_id, attempt=attempt)
        await self.bus.publish(_event(run_id, task_id, started, f"started:{attempt}"))
        clock = time.perf_counter()
        try:
            result = await evaluate(run, request.params, self.blobs)
        except UnusableInput as exc:
            failed = await self.store.set_task_status(task_id, TaskStatus.FAILED, error=str(exc))
            await self._report(failed)
            return
        result["duration_ms"] = (time.perf_counter() - clock) * 1000
        done = await self.store.set_task_status(task_id, TaskStatus.COMPLETED, result=result)
        await self._report(done)
        log.info("run_id=%s task_id=%s final=%.3f", run_id, task_id, result["final"])

    async def _report(self, task: TaskRecord) -> None:
        """Publish the stored outcome of a finished task (the same event id every time)."""
        payload: EventPayload
        if task.status == TaskStatus.FAILED:
            payload = TaskFailed(tool=task.tool, reason=task.error or "failed", retryable=False)
        else:
            result = dict(task.result or {})
            payload = TaskCompleted(
                tool=task.tool, result=result, duration_ms=result.get("duration_ms")
            )
        await self.bus.publish(_event(task.run_id, task.task_id, payload, task.status.value))
