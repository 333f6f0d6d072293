"""The run's state machine as one pure function: what is the next step, given what is stored?

`next_step(run, tasks, artifacts)` reads only the run store's view of a run and returns the
next `Step` (tasks to insert, events to publish, then one run update), or None when the run
waits for a worker. The planner applies a step and asks again until None; any event of the
run is merely the cue to ask. Because the answer depends only on stored state and every id in
it is deterministic, a redelivered event or a second planner instance makes the same decision,
and the run update's `expected_version` lets exactly one of them record it.

    created  ──plan──▶ planning ──requests sent──▶ running
    running: phase generate ──every image registered──▶ evaluate ──every score in──▶
             stop? (threshold, max_iterations, budget_exhausted, in that order)
               yes ──▶ export (the best of every iteration) ──bundle written──▶ completed
               no  ──▶ refine: deltas from the best candidate's findings ──▶ generate (i + 1)
    any task failed ──▶ failed (a generate task failed with budget_exhausted after a finished
    iteration ──▶ export what there is);   a final run not yet announced ──▶ publish run.<final>

The refine deltas come from a `RefinePlanner` (`deltas.FinitePlanner` unless one is passed);
they are applied through `deltas.apply_deltas`, which never touches a locked field, and are
recorded on the plan (`Plan.refine`) and on every generate task of the iteration they made
(`GenerateParams.refine`).
A cancelled run records `stop_reason: cancelled` with the best candidate so far
(`cancelled_result`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from prolight.contracts.events import (
    Event,
    RunCancelled,
    RunCompleted,
    RunFailed,
    RunOptions,
)
from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import (
    Candidate,
    EvaluateParams,
    EvaluateResult,
    ExportParams,
    ExportResult,
    GenerateParams,
    GenerateResult,
    IterationDeltas,
    Ranked,
    RefineDelta,
    StopReason,
    TaskParams,
)
from prolight.domain.render_report import RenderReport
from prolight.platform.store import (
    ArtifactRecord,
    EvaluatedCandidate,
    Iteration,
    Plan,
    RunRecord,
    RunResult,
    RunStatus,
    TaskRecord,
    TaskStatus,
)
from prolight_planner.deltas import FinitePlanner, RefinePlanner, apply_deltas
from prolight_planner.plan import build_plan, planned_event, task_request

__all__ = [
    "BUDGET_EXHAUSTED",
    "DEFAULT_PLANNER",
    "DONE_TASK",
    "Step",
    "cancelled_result",
    "finish",
    "next_step",
    "rank",
    "spent_usd",
    "stop_reason",
]

BUDGET_EXHAUSTED = "budget_exhausted"
"""The stop reason (and the generator's failure reason) when the run's budget is spent."""

DEFAULT_PLANNER: RefinePlanner = FinitePlanner()
"""The refine planner `next_step` uses unless given another."""

DONE_TASK = frozenset({TaskStatus.COMPLETED, TaskStatus.CACHED})
"""Task statuses that carry a usable result."""


@dataclass(frozen=True)
class Step:
    """One decision: insert `tasks`, publish `events`, then apply `changes` to the run.

    `changes` is never empty, so applying a step always moves the run's version and the next
    call to `next_step` sees the effect.
    """

    what: str
    changes: dict[str, Any]
    tasks: tuple[TaskRecord, ...] = ()
    events: tuple[Event, ...] = field(default=())


def rank(scores: Sequence[Ranked]) -> list[Ranked]:
    """Best first: highest score, ties to the earlier iteration, then the lower index."""
    return sorted(scores, key=lambda r: (-r.score, r.iteration, r.index))


def stop_reason(
    best_score: float | None, options: RunOptions, iteration: int = 1, spent: float = 0.0
) -> StopReason | None:
    """Why the run stops after `iteration`, checked in this order, or None to refine on.

    `threshold` when the best score reached `options.score_threshold`; `max_iterations` when
    `iteration` ≥ `options.max_iterations`; `budget_exhausted` when `spent` (USD, the run's
    generate tasks' `cost_usd`) reached `options.budget_usd`. (`cancelled` is the fourth: a
    cancel request ends the run wherever it is; see `cancelled_result`.)
    """
    threshold = options.score_threshold
    if threshold is not None and best_score is not None and best_score >= threshold:
        return "threshold"
    if iteration >= options.max_iterations:
        return "max_iterations"
    if options.budget_usd is not None and spent >= options.budget_usd:
        return "budget_exhausted"
    return None


def spent_usd(tasks: Mapping[str, TaskRecord]) -> float:
    """What the run's generate tasks cost so far: the sum of their results' `cost_usd`."""
    total = sum(
        t.result.cost_usd or 0.0 for t in tasks.values() if isinstance(t.result, GenerateResult)
    )
    return round(total, 6)


def _best_so_far(plan: Plan | None) -> Ranked | None:
    rankings = rank([r for h in (plan.history if plan else []) for r in h.ranking])
    return rankings[0] if rankings else None


def cancelled_result(run: RunRecord) -> RunResult:
    """The result a cancelled run records: `stop_reason: cancelled`, the best candidate of the
    iterations that finished (None before the first did) and how many did."""
    best = _best_so_far(run.plan)
    return RunResult(
        stop_reason="cancelled",
        best_artifact_id=best.artifact_id if best else None,
        best_score=best.score if best else None,
        iterations=len(run.plan.history) if run.plan else 0,
    )


def finish(run: RunRecord, status: RunStatus, reason: str) -> Step | None:
    """The step that ends `run` as failed or cancelled for `reason` (a cancel request, a dead
    letter, a task nobody could record); None once the run is final. `next_step` announces it."""
    if run.status.is_final:
        return None
    changes: dict[str, Any] = {"status": status, "error": reason}
    if status == RunStatus.CANCELLED:
        changes["result"] = cancelled_result(run)
    return Step(f"{status.value}: {reason}", changes)


def _announcement(run: RunRecord) -> Step:
    payload: RunCompleted | RunFailed | RunCancelled
    if run.status == RunStatus.COMPLETED:
        result = run.result or RunResult()
        payload = RunCompleted(
            best_artifact_id=result.best_artifact_id,
            best_score=result.best_score,
            artifact_ids=result.artifact_ids,
            bundle_artifact_id=result.bundle_artifact_id,
            stop_reason=result.stop_reason,
        )
    elif run.status == RunStatus.FAILED:
        payload = RunFailed(reason=run.error or "the run failed")
    else:
        payload = RunCancelled(reason=run.error or "cancelled on request")
    event = planned_event(run.run_id, payload, f"{run.run_id}:{run.status.value}")
    return Step(f"announce run.{run.status.value}", {"announced": True}, events=(event,))


def _fail(reason: str) -> Step:
    return Step("fail the run", {"status": RunStatus.FAILED, "error": reason})


def _plan(run: RunRecord) -> Step:
    if run.prompt is None:
        return _fail("the run has no prompt")
    plan = build_plan(run.run_id, run.prompt, run.options)
    return Step("plan", {"status": RunStatus.PLANNING, "plan": plan})


def _request(
    run: RunRecord, tool: Tool, specs: Sequence[tuple[str, TaskParams]]
) -> tuple[tuple[TaskRecord, ...], tuple[Event, ...]]:
    tasks = tuple(
        TaskRecord(task_id=tid, run_id=run.run_id, tool=tool, params=params)
        for tid, params in specs
    )
    return tasks, tuple(task_request(t) for t in tasks)


def _generate_requests(run: RunRecord, plan: Plan) -> Step:
    specs = [
        (
            c.generate_task_id,
            GenerateParams(
                prompt=c.prompt,
                seed=c.seed,
                index=c.index,
                iteration=plan.iteration,
                delta=c.delta,
                refine=plan.refine,
            ),
        )
        for c in plan.candidates
    ]
    return Step(
        "request generate", {"status": RunStatus.RUNNING}, *_request(run, Tool.GENERATE, specs)
    )


def _images(artifacts: Mapping[str, ArtifactRecord]) -> dict[str, ArtifactRecord]:
    """Image artifacts by the task that made them."""
    return {a.task_id: a for a in artifacts.values() if a.kind == "image" and a.task_id}


def _measured_ratio(task: TaskRecord) -> float | None:
    """The local renderer's face meter of a generate task's image (None from BRIA)."""
    result = task.result
    if isinstance(result, GenerateResult) and isinstance(result.render_report, RenderReport):
        return result.render_report.measured_ratio_stops
    return None


def _evaluate_requests(
    run: RunRecord,
    plan: Plan,
    tasks: Mapping[str, TaskRecord],
    images: Mapping[str, ArtifactRecord],
) -> Step:
    reference = run.options.reference_artifact_id
    specs: list[tuple[str, TaskParams]] = []
    for c in plan.candidates:
        image = images[c.generate_task_id]
        params = EvaluateParams(
            artifact_id=image.artifact_id,
            sha256=image.sha256,
            prompt=c.prompt,
            seed=c.seed,
            index=c.index,
            model=image.model,
            measured_ratio_stops=_measured_ratio(tasks[c.generate_task_id]),
            reference_artifact_id=reference,
        )
        specs.append((c.evaluate_task_id, params))
    new_tasks, events = _request(run, Tool.EVALUATE, specs)
    changes = {"plan": plan.model_copy(update={"phase": "evaluate"})}
    return Step("request evaluate", changes, new_tasks, events)


def _evaluation(task: TaskRecord) -> EvaluateResult:
    if not isinstance(task.result, EvaluateResult):  # DONE_TASK evaluate tasks have one
        raise TypeError(f"task {task.task_id} has no evaluation")
    return task.result


def _finished(plan: Plan, tasks: Mapping[str, TaskRecord]) -> Iteration:
    """The history entry of the plan's current iteration (every evaluation is in)."""
    candidates, ranking = [], []
    for c in plan.candidates:
        result = _evaluation(tasks[c.evaluate_task_id])
        candidates.append(EvaluatedCandidate(**dict(c), evaluation=result.lighting))
        ranking.append(Ranked(index=c.index, artifact_id=result.artifact_id,
                              score=result.final, iteration=plan.iteration))  # fmt: skip
    return Iteration(
        iteration=plan.iteration, refine=plan.refine, candidates=candidates, ranking=rank(ranking)
    )


def _export_request(run: RunRecord, plan: Plan, reason: StopReason) -> Step:
    """Export the best of every finished iteration (`plan.history`), recording `reason`."""
    history = plan.history
    ranking = rank([r for h in history for r in h.ranking])
    # The findings stay on the plan: the export reads them from the evaluate tasks, and the
    # request stays well under NATS's payload limit at 8 candidates × 20 iterations.
    candidates = [
        Candidate(**{k: v for k, v in dict(c).items() if k != "evaluation"})
        for h in history
        for c in h.candidates
    ]
    params = ExportParams(
        iteration=history[-1].iteration,
        best_artifact_id=ranking[0].artifact_id,
        ranking=ranking,
        candidates=candidates,
        stop_reason=reason,
        refine=[IterationDeltas(iteration=h.iteration, deltas=h.refine) for h in history],
    )
    new_tasks, events = _request(run, Tool.EXPORT, [(plan.export_task_id, params)])
    new_plan = plan.model_copy(
        update={"phase": "export", "ranking": ranking, "stop_reason": reason}
    )
    return Step("request export", {"plan": new_plan}, new_tasks, events)


def _refine(run: RunRecord, plan: Plan, options: RunOptions, planner: RefinePlanner) -> Step:
    """Plan iteration i + 1 from the best candidate so far and its evaluator findings."""
    best = _best_so_far(plan)
    assert best is not None  # only called with a finished iteration in the history
    entry = next(h for h in plan.history if h.iteration == best.iteration)
    chosen = next(c for c in entry.candidates if c.index == best.index)
    proposed = planner.propose(chosen.prompt, chosen.evaluation)
    refined, record = apply_deltas(chosen.prompt, proposed)
    iteration = plan.iteration + 1
    new = build_plan(run.run_id, refined, options, iteration, base_seed=plan.base_seed)
    refine = [
        RefineDelta(**a.as_dict(), planner=planner.name, from_artifact_id=best.artifact_id)
        for a in record
    ]
    new = new.model_copy(update={"history": plan.history, "refine": refine})
    step = _generate_requests(run, new)
    return Step(
        f"refine: iteration {iteration} from {best.artifact_id}",
        {"plan": new},
        step.tasks,
        step.events,
    )


def _after_evaluation(
    run: RunRecord, plan: Plan, tasks: Mapping[str, TaskRecord], planner: RefinePlanner
) -> Step:
    plan = plan.model_copy(update={"history": [*plan.history, _finished(plan, tasks)]})
    best = _best_so_far(plan)
    reason = stop_reason(
        best.score if best else None, run.options, plan.iteration, spent_usd(tasks)
    )
    if reason is not None:
        return _export_request(run, plan, reason)
    return _refine(run, plan, run.options, planner)


def _complete(run: RunRecord, plan: Plan, export: TaskRecord) -> Step:
    ranking = plan.ranking
    exported = export.result if isinstance(export.result, ExportResult) else None
    result = RunResult(
        best_artifact_id=ranking[0].artifact_id,
        best_score=ranking[0].score,
        artifact_ids=[r.artifact_id for r in ranking],
        bundle_artifact_id=exported.bundle_artifact_id if exported else None,
        contact_sheet_artifact_id=exported.contact_sheet_artifact_id if exported else None,
        diagram_artifact_id=exported.diagram_artifact_id if exported else None,
        stop_reason=plan.stop_reason,
        iterations=len(plan.history),
        ranking=ranking,
    )
    changes = {
        "status": RunStatus.COMPLETED,
        "result": result,
        "plan": plan.model_copy(update={"phase": "done"}),
    }
    return Step("complete", changes)


def _plan_task_ids(plan: Plan) -> list[str]:
    """The tasks whose failure fails the run now: the current iteration's, then the export's
    alone (an iteration abandoned for the budget may still see a task fail)."""
    if plan.phase in ("export", "done"):
        return [plan.export_task_id]
    ids = [tid for c in plan.candidates for tid in (c.generate_task_id, c.evaluate_task_id)]
    return [*ids, plan.export_task_id]


def next_step(
    run: RunRecord,
    tasks: Mapping[str, TaskRecord],
    artifacts: Mapping[str, ArtifactRecord],
    planner: RefinePlanner = DEFAULT_PLANNER,
) -> Step | None:
    """The next step of `run` (module doc); `tasks` and `artifacts` are the run's, by id."""
    if run.status.is_final:
        return None if run.announced else _announcement(run)
    if run.status == RunStatus.CREATED:
        return _plan(run)
    plan = run.plan
    if plan is None:  # planning without a plan cannot happen through this module
        return _fail("the run has no plan")
    if run.status == RunStatus.PLANNING:
        return _generate_requests(run, plan)
    for tid in _plan_task_ids(plan):
        task = tasks.get(tid)
        if task is not None and task.status == TaskStatus.FAILED:
            error = task.error or "no reason given"
            if (
                BUDGET_EXHAUSTED in error
                and plan.history
                and plan.phase in ("generate", "evaluate")
            ):
                return _export_request(run, plan, "budget_exhausted")
            return _fail(f"{task.tool.value} task {tid} failed: {error}")
    if plan.phase == "generate":
        images = _images(artifacts)
        if all(c.generate_task_id in images for c in plan.candidates):
            return _evaluate_requests(run, plan, tasks, images)
    elif plan.phase == "evaluate":
        evaluations = [tasks.get(c.evaluate_task_id) for c in plan.candidates]
        if all(t is not None and t.status in DONE_TASK for t in evaluations):
            return _after_evaluation(run, plan, tasks, planner)
    elif plan.phase == "export":
        export = tasks.get(plan.export_task_id)
        if export is not None and export.status in DONE_TASK:
            return _complete(run, plan, export)
    return None
