"""The one progress rule the gateway's status and the notifier's stream both use."""

from __future__ import annotations

import pytest

from prolight.contracts.events import RunOptions
from prolight.contracts.progress import RUNNING_CAP, planned_tasks, run_progress


@pytest.mark.parametrize(
    ("finished", "planned", "completed", "expected"),
    [
        pytest.param(0, 0, False, 0.0, id="nothing-planned"),
        pytest.param(3, 9, False, 0.3333, id="a-third"),
        pytest.param(9, 9, False, RUNNING_CAP, id="all-finished-but-not-completed"),
        pytest.param(2, 9, True, 1.0, id="completed-early-is-full"),
        pytest.param(0, 0, True, 1.0, id="completed-with-nothing-planned"),
    ],
)
def test_run_progress(finished: int, planned: int, completed: bool, expected: float) -> None:
    assert run_progress(finished=finished, planned=planned, completed=completed) == expected


def test_planned_tasks_come_from_the_options_or_what_was_seen() -> None:
    options = RunOptions(num_results=4, max_iterations=2)
    assert planned_tasks(options, 0) == (2 * 4 + 1) * 2
    assert planned_tasks(options, 30) == 30
    assert planned_tasks(None, 5) == 5
