"""The pure parts of runs.py: progress and the queued-steps formula."""

from __future__ import annotations

import pytest

from prolight.contracts.api import new_run_id, queued_steps
from prolight.contracts.events import RunOptions
from prolight.contracts.subjects import Tool
from prolight.platform.store import RunRecord, RunStatus, TaskRecord, TaskStatus
from prolight_gateway.runs import progress
from prolight_testing.tasks import sample_params


def _tasks(*statuses: TaskStatus) -> list[TaskRecord]:
    return [
        TaskRecord(
            task_id=f"t{i}",
            run_id="r",
            tool=Tool.EXPORT,
            params=sample_params(Tool.EXPORT),
            status=s,
        )
        for i, s in enumerate(statuses)
    ]


@pytest.mark.parametrize(
    ("run", "tasks", "expected"),
    [
        pytest.param(RunRecord(run_id="r"), [], 0.0, id="nothing-finished"),
        pytest.param(
            RunRecord(run_id="r", options={"num_results": 4}),
            _tasks(TaskStatus.COMPLETED, TaskStatus.CACHED, TaskStatus.STARTED),
            round(2 / 9, 4),
            id="of-what-the-options-plan",
        ),
        pytest.param(
            RunRecord(run_id="r", options={"num_results": 1}),
            _tasks(TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.QUEUED, TaskStatus.QUEUED),
            0.5,
            id="more-tasks-stored-than-planned",
        ),
        pytest.param(
            RunRecord(run_id="r", options={"num_results": 1}),
            _tasks(TaskStatus.COMPLETED, TaskStatus.COMPLETED, TaskStatus.COMPLETED),
            0.99,
            id="all-finished-is-not-done-until-completed",
        ),
        pytest.param(
            RunRecord(run_id="r", status=RunStatus.COMPLETED, options={"num_results": 4}),
            _tasks(TaskStatus.COMPLETED),
            1.0,
            id="completed-is-full",
        ),
    ],
)
def test_progress(run: RunRecord, tasks: list[TaskRecord], expected: float) -> None:
    assert progress(run, tasks) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("n", "iterations", "expected"), [(4, 1, 9), (1, 1, 3), (8, 1, 17), (2, 3, 15)]
)
def test_queued_steps(n: int, iterations: int, expected: int) -> None:
    assert queued_steps(RunOptions(num_results=n, max_iterations=iterations)) == expected


def test_run_ids_are_subject_tokens() -> None:
    ids = {new_run_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 30 and i.startswith("run_") for i in ids)
