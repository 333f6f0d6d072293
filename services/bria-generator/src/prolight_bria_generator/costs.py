"""The run's ledger of paid calls (`RunRecord.costs`) and its budget.

One `CostEntry` per generate task (usd, state, request_id, backend), where state moves
reserved → submitted → charged, or → released when the provider made no image (nothing is
billed then), or reserved → unconfirmed when the submit may have reached BRIA but its answer
was lost: BRIA may bill a job whose id we never learnt, so the entry counts and the task never
submits again (docs/decisions/bria-submit-retries.md). The run's cost is the sum of the entries
not released (`RunRecord.cost_usd`).

- `reserve` runs *before* a paid call: it refuses with `BudgetExhausted` when the run's
  `budget_usd` cannot pay for one more image, so the budget is never overspent even when
  several generators work on one run at once (the reservation is one optimistic-concurrency
  update of the run, so two of them cannot both take the last dollars).
- The entry remembers BRIA's `request_id` as soon as BRIA accepts the job, so a redelivered
  task polls that job instead of paying for a second one.
- `reserve` says whether the entry is new: a redelivered task that finds its entry `reserved`
  with no request id cannot tell whether its first attempt's request reached BRIA.
"""

from __future__ import annotations

from collections.abc import Callable

from prolight.domain.errors import ProLightError
from prolight.platform.store import (
    ConcurrencyConflict,
    CostEntry,
    CostState,
    RecordNotFoundError,
    RunRecord,
    RunStore,
)

__all__ = [
    "BUDGET_EXHAUSTED",
    "LIVE_ENTRY",
    "BudgetExhausted",
    "mark",
    "reserve",
]

BUDGET_EXHAUSTED = "budget_exhausted"
"""The reason code a task fails with when the budget stops it (the planner's stop signal)."""

LIVE_ENTRY: frozenset[CostState] = frozenset({"reserved", "submitted", "charged", "unconfirmed"})
"""Entry states that count towards the run's cost."""

_TRIES = 50  # optimistic-concurrency retries; the planner and sibling tasks update the run too


class BudgetExhausted(ProLightError):
    """Raised by `reserve` when the run's budget cannot pay for the call; the message starts
    with `budget_exhausted:`."""


async def _update(
    store: RunStore,
    run_id: str,
    change: Callable[[RunRecord], dict[str, CostEntry] | None],
) -> RunRecord:
    """Apply `change` (the run → its new `costs`, None for no change) with version checks."""
    conflict: ConcurrencyConflict | None = None
    for _ in range(_TRIES):
        run = await store.get_run(run_id)
        if run is None:
            raise RecordNotFoundError(f"no run {run_id!r}")
        costs = change(run)
        if costs is None:
            return run
        try:
            return await store.update_run(run_id, run.version, {"costs": costs})
        except ConcurrencyConflict as exc:
            conflict = exc
    assert conflict is not None
    raise conflict  # the run kept changing: let the task be redelivered


async def reserve(
    store: RunStore, run_id: str, task_id: str, *, usd: float, backend: str
) -> tuple[CostEntry, bool]:
    """The task's live entry and whether it is new: the one already there (a redelivery,
    False), or a new reservation of `usd` if the budget allows it (True); raises
    `BudgetExhausted` otherwise."""
    found = False

    def change(run: RunRecord) -> dict[str, CostEntry] | None:
        nonlocal found
        entry = run.costs.get(task_id)
        found = entry is not None and entry.state in LIVE_ENTRY
        if found:
            return None
        budget = run.options.budget_usd
        spent = run.cost_usd
        if budget is not None and spent + usd > budget + 1e-9:
            raise BudgetExhausted(
                f"{BUDGET_EXHAUSTED}: the run has spent ${spent:.2f} of its ${budget:.2f} "
                f"budget and one more image costs about ${usd:.2f}"
            )
        new = CostEntry(usd=usd, state="reserved", backend=backend)
        return {**run.costs, task_id: new}

    run = await _update(store, run_id, change)
    return run.costs[task_id], not found


async def mark(
    store: RunStore, run_id: str, task_id: str, state: CostState, request_id: str | None = None
) -> None:
    """Move the task's entry to `state` and, if given, remember `request_id`; no-op if it
    has no entry or is there already."""

    def change(run: RunRecord) -> dict[str, CostEntry] | None:
        entry = run.costs.get(task_id)
        if entry is None:
            return None
        new = entry.model_copy(
            update={"state": state, "request_id": request_id or entry.request_id}
        )
        return None if new == entry else {**run.costs, task_id: new}

    await _update(store, run_id, change)
