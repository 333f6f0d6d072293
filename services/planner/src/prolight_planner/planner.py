"""The planner's handlers: every run event and every dead letter becomes "advance this run".

`Planner.advance(run_id)` applies `decide.next_step` until the run waits: tasks are inserted
(insert-if-absent), events published (deterministic ids), then the run is updated with the
version it was read at. A `ConcurrencyConflict` means another instance (or a cancel) moved the
run: re-read and decide again. The handler returns, and the message is acked, only after the
steps are stored.

Besides the stored state, three events carry news of their own: `run.created`,
`run.cancel_requested` and `task.failed` (the task is marked failed and the run fails with its
reason). A failed task is never asked for again: a worker reports `task.failed` only when
retrying cannot help, and a transient failure (the bus or a store down) is redelivered by
JetStream up to MaxDeliver, then dead-lettered, which fails the task here too.

The planner records every run: the gateway only publishes `run.created` (the stream's ack is
what makes the run durable), and the first planner to see it stores it (insert-if-absent). A
cancel request or a dead letter may reach an instance before that `run.created` does (another
instance holds it, or it is being redelivered); the run is then recorded from the stream first,
so neither is lost.
"""

from __future__ import annotations

import contextlib
import logging

from prolight.contracts.events import (
    Event,
    RunCancelRequested,
    RunCreated,
    TaskFailed,
    TaskRequested,
)
from prolight.contracts.subjects import EventType
from prolight.platform.bus import Bus, DeadLetter, Delivery
from prolight.platform.store import (
    AlreadyExistsError,
    ConcurrencyConflict,
    InvalidTransitionError,
    RecordNotFoundError,
    RunStatus,
    RunStore,
    TaskStatus,
    created_run,
)
from prolight_planner.decide import DEFAULT_PLANNER, finish, next_step
from prolight_planner.deltas import RefinePlanner

__all__ = ["MAX_STEPS", "Planner"]

log = logging.getLogger("prolight.planner")

MAX_STEPS = 50
"""Most steps (including conflict re-reads) one `advance` takes; a bound against a bug loop."""

_CUES = frozenset(
    {
        EventType.RUN_CREATED,
        EventType.RUN_CANCEL_REQUESTED,
        EventType.TASK_COMPLETED,
        EventType.TASK_FAILED,
        EventType.ARTIFACT_READY,
    }
)


class Planner:
    """The planner of every run, over one bus and one run store."""

    def __init__(
        self, bus: Bus, store: RunStore, refine_planner: RefinePlanner = DEFAULT_PLANNER
    ) -> None:
        self.bus = bus
        self.store = store
        self.refine_planner = refine_planner

    async def on_event(self, delivery: Delivery) -> None:
        """Handle one event of the events stream (every kind arrives; most only cue `advance`)."""
        event = delivery.event
        if event.type not in _CUES:
            return
        if isinstance(event.payload, RunCreated):
            await self._record(event)
        elif isinstance(event.payload, RunCancelRequested):
            await self._record_from_stream(event.run_id)
            await self.cancel(event.run_id, event.payload.reason)
        elif isinstance(event.payload, TaskFailed) and event.task_id:
            await self._task_failed(event, event.payload)
        await self.advance(event.run_id)

    async def on_dead_letter(self, letter: DeadLetter) -> None:
        """A message exhausted MaxDeliver: fail its task (if it was one) and its run."""
        event = letter.event
        if event is None:
            log.error("dead letter without a readable event: %s", letter.reason)
            return
        payload = event.payload
        if isinstance(payload, RunCreated):
            await self._record(event)
        if isinstance(payload, TaskRequested):
            reason = f"{payload.tool.value} task {payload.task_id}: {letter.reason}"
            await self._mark_failed(payload.task_id, reason, event.run_id)
        else:
            await self.fail(event.run_id, f"{event.type} of run {event.run_id}: {letter.reason}")
        await self.advance(event.run_id)

    async def advance(self, run_id: str) -> None:
        """Apply the run's next steps until it waits for a worker (module doc)."""
        for _ in range(MAX_STEPS):
            run = await self.store.get_run(run_id)
            if run is None:
                log.warning("event for an unknown run; ignored", extra={"run_id": run_id})
                return
            tasks = {t.task_id: t for t in await self.store.list_tasks(run_id)}
            artifacts = {a.artifact_id: a for a in await self.store.list_artifacts(run_id)}
            step = next_step(run, tasks, artifacts, self.refine_planner)
            if step is None:
                return
            for task in step.tasks:
                await self.store.put_task(task)
            for event in step.events:
                await self.bus.publish(event)
            try:
                await self.store.update_run(run_id, run.version, step.changes)
            except ConcurrencyConflict:
                log.info(
                    "moved while deciding %r; deciding again", step.what, extra={"run_id": run_id}
                )
                continue
            log.info("step %r, version %d", step.what, run.version + 1, extra={"run_id": run_id})
        raise RuntimeError(f"run {run_id}: no resting state after {MAX_STEPS} steps")

    async def cancel(self, run_id: str, reason: str) -> None:
        """Move the run to `cancelled` unless it is already final; `advance` announces it."""
        await self._finish(run_id, RunStatus.CANCELLED, reason)

    async def fail(self, run_id: str, reason: str) -> None:
        """Move the run to `failed` with `reason` unless it is already final."""
        await self._finish(run_id, RunStatus.FAILED, reason)

    async def _finish(self, run_id: str, status: RunStatus, reason: str) -> None:
        for _ in range(MAX_STEPS):
            run = await self.store.get_run(run_id)
            step = None if run is None else finish(run, status, reason)
            if run is None or step is None:
                return
            try:
                await self.store.update_run(run_id, run.version, step.changes)
            except ConcurrencyConflict:
                continue
            log.info("step %r", step.what, extra={"run_id": run_id})
            return

    async def _record(self, created: Event) -> None:
        """Store the run its `run.created` event describes, unless it is stored already."""
        with contextlib.suppress(AlreadyExistsError):  # a redelivery, or another instance
            await self.store.create_run(created_run(created))

    async def _record_from_stream(self, run_id: str) -> None:
        """Store the run from its `run.created` in the stream if it is not stored yet (module
        doc); nothing when the stream holds none either (an unknown run)."""
        if await self.store.get_run(run_id) is not None:
            return
        created = await self.bus.created(run_id)
        if created is not None:
            await self._record(created)

    async def _mark_failed(self, task_id: str, reason: str, run_id: str) -> None:
        try:
            await self.store.set_task_status(task_id, TaskStatus.FAILED, error=reason)
        except InvalidTransitionError:
            log.info(
                "task already finished; failure not recorded",
                extra={"run_id": run_id, "task_id": task_id},
            )
        except RecordNotFoundError:
            await self.fail(run_id, reason)

    async def _task_failed(self, event: Event, failed: TaskFailed) -> None:
        """Mark the task failed (the worker stored it so already; a no-op then)."""
        task_id = event.task_id or ""
        run = await self.store.get_run(event.run_id)
        task = await self.store.get_task(task_id)
        if run is None or task is None or run.status.is_final:
            return
        await self._mark_failed(task_id, failed.reason, event.run_id)
