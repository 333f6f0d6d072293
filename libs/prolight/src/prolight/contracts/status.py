"""Where a run and a task stand: the statuses the store keeps and the API shows."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["TASK_TRANSITIONS", "RunStatus", "TaskStatus"]


class RunStatus(StrEnum):
    """created → planning → running → completed | failed | cancelled."""

    CREATED = "created"
    PLANNING = "planning"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        """Completed, failed or cancelled: nothing more happens to the run."""
        return self in (RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED)


class TaskStatus(StrEnum):
    """queued → started → completed | cached | failed."""

    QUEUED = "queued"
    STARTED = "started"
    COMPLETED = "completed"
    CACHED = "cached"
    FAILED = "failed"


TASK_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.QUEUED: frozenset(
        {TaskStatus.STARTED, TaskStatus.COMPLETED, TaskStatus.CACHED, TaskStatus.FAILED}
    ),
    # started → started is a redelivery: the attempt count grows.
    TaskStatus.STARTED: frozenset(
        {TaskStatus.STARTED, TaskStatus.COMPLETED, TaskStatus.CACHED, TaskStatus.FAILED}
    ),
    TaskStatus.COMPLETED: frozenset(),
    TaskStatus.CACHED: frozenset(),
    TaskStatus.FAILED: frozenset(),
}
"""Where each task status may go. Repeating a final status is an idempotent no-op."""
