"""The generate-task handler: the task's lifecycle around `generate.generate`.

For one `task.requested.generate` delivery:

1. a run that is gone or final (cancelled, failed, completed) gets nothing: ack and stop;
2. a task already finished (a redelivery after a crash between store and ack) re-reports its
   stored outcome under the same event id (JetStream drops the duplicate) and renders nothing;
3. otherwise: task → started, `task.started`, generate, task → completed | cached with the
   result, `task.completed`. The message is acked only after that publish returned.

A prompt the renderer cannot draw fails the task (`retryable=False`); anything else (a store
or the bus down) raises, so the message is redelivered and, after MaxDeliver, dead-lettered.
Event ids are uuid5 of (task id, what, attempt): a repeat is always the same event.
"""

from __future__ import annotations

import logging
import time
from uuid import UUID, uuid5

from pydantic import ValidationError

from prolight.blobs import ArtifactStore
from prolight.bus import Bus, Delivery
from prolight.errors import InvalidInput, RenderError, describe_errors
from prolight.events import (
    Event,
    EventPayload,
    TaskCompleted,
    TaskFailed,
    TaskRequested,
    TaskStarted,
)
from prolight.render import render
from prolight.schema import FiboPrompt
from prolight.store import RunStatus, RunStore, TaskRecord, TaskStatus
from prolight_bria_generator.generate import Renderer, generate
from prolight_bria_generator.settings import GeneratorSettings

__all__ = ["EVENT_NAMESPACE", "GenerateWorker"]

log = logging.getLogger("prolight.bria_generator")

EVENT_NAMESPACE = UUID("0f7d3c52-7a55-4d0c-9a55-2b1e7f0a9c11")
_LIVE = frozenset({RunStatus.CREATED, RunStatus.PLANNING, RunStatus.RUNNING})


def _event(run_id: str, task_id: str, payload: EventPayload, key: str) -> Event:
    event = Event.build(run_id, payload, task_id=task_id)
    return event.model_copy(update={"event_id": uuid5(EVENT_NAMESPACE, f"{task_id}:{key}")})


class GenerateWorker:
    """Handles `task.requested.generate` (module doc)."""

    def __init__(
        self,
        bus: Bus,
        store: RunStore,
        blobs: ArtifactStore,
        settings: GeneratorSettings,
        renderer: Renderer = render,
    ) -> None:
        self.bus = bus
        self.store = store
        self.blobs = blobs
        self.settings = settings
        self.renderer = renderer

    async def on_task(self, delivery: Delivery) -> None:
        """Handle one delivery of a generate request (module doc)."""
        event = delivery.event
        request = event.payload
        if not isinstance(request, TaskRequested):  # the consumer's filter makes this impossible
            return
        run_id, task_id = event.run_id, request.task_id
        run = await self.store.get_run(run_id)
        if run is None or run.status not in _LIVE:
            log.info(
                "run_id=%s task_id=%s run is %s; task dropped",
                run_id,
                task_id,
                run.status.value if run else "unknown",
            )
            return
        task = await self.store.get_task(task_id) or await self.store.put_task(
            TaskRecord(task_id=task_id, run_id=run_id, tool=request.tool, params=request.params)
        )
        if task.status in (TaskStatus.COMPLETED, TaskStatus.CACHED, TaskStatus.FAILED):
            await self._report(task)
            return
        attempt = delivery.delivery_count
        await self.store.set_task_status(task_id, TaskStatus.STARTED)
        started = TaskStarted(tool=request.tool, worker=self.settings.instance_id, attempt=attempt)
        await self.bus.publish(
            _event(run_id, task_id, started, f"started:{request.attempt}:{attempt}")
        )
        clock = time.perf_counter()
        try:
            prompt = FiboPrompt.model_validate(request.params.get("prompt"))
            seed = int(request.params.get("seed", prompt.metadata.seed))
            outcome = await generate(
                prompt,
                seed,
                store=self.store,
                blobs=self.blobs,
                max_width=self.settings.generator_max_width,
                max_height=self.settings.generator_max_height,
                renderer=self.renderer,
            )
        except (ValidationError, InvalidInput, RenderError) as exc:
            reason = _reason(exc)
            log.warning("run_id=%s task_id=%s cannot be drawn: %s", run_id, task_id, reason)
            await self._report(
                await self.store.set_task_status(task_id, TaskStatus.FAILED, error=reason)
            )
            return
        if (run := await self.store.get_run(run_id)) is None or run.status not in _LIVE:
            # The run stopped while we rendered: complete nothing for it (the image stays in the
            # artifact store, unreferenced; content addressing lets a later run reuse the bytes).
            log.info("run_id=%s task_id=%s run stopped mid-task; result dropped", run_id, task_id)
            return
        result = {**outcome.result, "duration_ms": (time.perf_counter() - clock) * 1000}
        status = TaskStatus.CACHED if outcome.status == "cached" else TaskStatus.COMPLETED
        await self._report(await self.store.set_task_status(task_id, status, result=result))
        log.info("run_id=%s task_id=%s %s seed=%s", run_id, task_id, status.value, result["seed"])

    async def _report(self, task: TaskRecord) -> None:
        """Publish the stored outcome of a finished task (the same event id every time)."""
        payload: EventPayload
        if task.status == TaskStatus.FAILED:
            payload = TaskFailed(tool=task.tool, reason=task.error or "failed", retryable=False)
        else:
            result = dict(task.result or {})
            payload = TaskCompleted(
                tool=task.tool,
                status="cached" if task.status == TaskStatus.CACHED else "completed",
                result=result,
                duration_ms=result.get("duration_ms"),
            )
        await self.bus.publish(_event(task.run_id, task.task_id, payload, task.status.value))


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError | InvalidInput):
        return "invalid prompt: " + "; ".join(str(e) for e in describe_errors(exc))
    return str(exc)
