"""A run's overall progress, 0–1: one rule for the gateway's status and the notifier's stream.

    planned   = max(queued_steps(options), tasks seen)  # the most the run's options can queue
    progress  = finished ÷ planned, at most 0.99 while the run goes on; 1.0 once completed

Finished tasks are those completed (cached included) or failed. A run that failed or was
cancelled keeps the progress it had. The gateway reads the counts from the store, the notifier
from the run's events; both give the same number for the same run.
"""

from __future__ import annotations

from prolight.contracts.api import queued_steps
from prolight.contracts.events import RunOptions

__all__ = ["RUNNING_CAP", "planned_tasks", "run_progress"]

RUNNING_CAP = 0.99
"""Progress of a run not yet completed never shows as done."""


def planned_tasks(options: RunOptions | None, seen: int) -> int:
    """Tasks the run is expected to have: what its options queue, or more if more were seen."""
    return max(queued_steps(options) if options is not None else 0, seen)


def run_progress(*, finished: int, planned: int, completed: bool) -> float:
    """`finished` of `planned` tasks as 0–1 (four decimals); 1.0 when `completed`."""
    if completed:
        return 1.0
    if planned <= 0:
        return 0.0
    return round(min(finished / planned, RUNNING_CAP), 4)
