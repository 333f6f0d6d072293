"""The run's state machine as one pure function: what is the next step, given what is stored?

`next_step(run, tasks, artifacts)` reads only the run store's view of a run and returns the
next `Step` (tasks to insert, events to publish, then one run update), or None when the run
waits for a worker. The planner applies a step and asks again until None; any event of the
run is merely the cue to ask. Because the answer depends only on stored state and every id in
it is deterministic, a redelivered event or a second planner instance makes the same decision,
and the run update's `expected_version` lets exactly one of them record it.

    created  ──plan──▶ planning ──requests sent──▶ running
    running: phase generate ──every image registered──▶ evaluate ──every score in──▶ export
             ──bundle written──▶ completed
    any task failed ──▶ failed;   a final run not yet announced ──▶ publish run.<final>
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from prolight.errors import describe_errors
from prolight.events import (
    Event,
    RunCancelled,
    RunCompleted,
    RunFailed,
    RunOptions,
)
from prolight.schema import FiboPrompt
from prolight.store import ArtifactRecord, RunRecord, RunStatus, TaskRecord, TaskStatus
from prolight.subjects import Tool
from prolight_planner.plan import build_plan, planned_event, task_request

__all__ = [
    "DONE_TASK",
    "FINAL_RUN",
    "Ranked",
    "Step",
    "next_step",
    "rank",
    "stop_reason",
]

FINAL_RUN = frozenset({RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED})
"""Run statuses nothing moves on from."""

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


@dataclass(frozen=True)
class Ranked:
    """One scored candidate: its index in the plan, artifact and final score (0–1)."""

    index: int
    artifact_id: str
    score: float


def rank(scores: Sequence[Ranked]) -> list[Ranked]:
    """Best first: highest score, ties to the lower candidate index (the one asked first)."""
    return sorted(scores, key=lambda r: (-r.score, r.index))


def stop_reason(best_score: float | None, options: RunOptions) -> str:
    """Why the run stops after this iteration.

    `threshold` when a score reached `options.score_threshold`; otherwise `max_iterations`
    (the refine loop is a later issue: one iteration is all there is, which is also the
    default `max_iterations`).
    """
    threshold = options.score_threshold
    if threshold is not None and best_score is not None and best_score >= threshold:
        return "threshold"
    return "max_iterations"


def _announcement(run: RunRecord) -> Step:
    payload: RunCompleted | RunFailed | RunCancelled
    if run.status == RunStatus.COMPLETED:
        result = run.result or {}
        payload = RunCompleted(
            best_artifact_id=result.get("best_artifact_id"),
            best_score=result.get("best_score"),
            artifact_ids=list(result.get("artifact_ids", [])),
            bundle_artifact_id=result.get("bundle_artifact_id"),
            stop_reason=result.get("stop_reason"),
        )
    elif run.status == RunStatus.FAILED:
        payload = RunFailed(reason=run.error or "the run failed")
    else:
        payload = RunCancelled(reason=run.error or "cancelled on request")
    event = planned_event(run.run_id, payload, f"{run.run_id}:{run.status.value}")
    plan = {**(run.plan or {}), "announced": True}
    return Step(f"announce run.{run.status.value}", {"plan": plan}, events=(event,))


def _fail(reason: str) -> Step:
    return Step("fail the run", {"status": RunStatus.FAILED, "error": reason})


def _plan(run: RunRecord) -> Step:
    try:
        prompt = FiboPrompt.model_validate(run.prompt)
        options = RunOptions.model_validate(run.options)
    except ValidationError as exc:
        problems = "; ".join(str(e) for e in describe_errors(exc))
        return _fail(f"the run's prompt or options are invalid: {problems}")
    plan = build_plan(run.run_id, prompt, options)
    return Step("plan", {"status": RunStatus.PLANNING, "plan": plan})


def _request(
    run: RunRecord, tool: Tool, specs: Sequence[tuple[str, dict[str, Any]]]
) -> tuple[tuple[TaskRecord, ...], tuple[Event, ...]]:
    tasks = tuple(
        TaskRecord(task_id=tid, run_id=run.run_id, tool=tool, params=params)
        for tid, params in specs
    )
    return tasks, tuple(task_request(t) for t in tasks)


def _generate_requests(run: RunRecord, plan: dict[str, Any]) -> Step:
    specs = [
        (
            c["generate_task_id"],
            {
                "prompt": c["prompt"],
                "seed": c["seed"],
                "index": c["index"],
                "iteration": plan["iteration"],
                "delta": c["delta"],
            },
        )
        for c in plan["candidates"]
    ]
    tasks, events = _request(run, Tool.GENERATE, specs)
    return Step("request generate", {"status": RunStatus.RUNNING}, tasks, events)


def _images(artifacts: Mapping[str, ArtifactRecord]) -> dict[str, ArtifactRecord]:
    """Image artifacts by the task that made them."""
    return {a.task_id: a for a in artifacts.values() if a.kind == "image" and a.task_id}


def _evaluate_requests(
    run: RunRecord,
    plan: dict[str, Any],
    tasks: Mapping[str, TaskRecord],
    images: Mapping[str, ArtifactRecord],
) -> Step:
    specs = []
    for c in plan["candidates"]:
        image = images[c["generate_task_id"]]
        generated = tasks[c["generate_task_id"]].result or {}
        report = generated.get("render_report") or {}
        specs.append(
            (
                c["evaluate_task_id"],
                {
                    "artifact_id": image.artifact_id,
                    "sha256": image.sha256,
                    "prompt": c["prompt"],
                    "seed": c["seed"],
                    "index": c["index"],
                    "model": image.model,
                    "measured_ratio_stops": report.get("measured_ratio_stops"),
                },
            )
        )
    new_tasks, events = _request(run, Tool.EVALUATE, specs)
    return Step("request evaluate", {"plan": {**plan, "phase": "evaluate"}}, new_tasks, events)


def _export_request(run: RunRecord, plan: dict[str, Any], tasks: Mapping[str, TaskRecord]) -> Step:
    scored = []
    for c in plan["candidates"]:
        result = tasks[c["evaluate_task_id"]].result or {}
        scored.append(Ranked(c["index"], str(result["artifact_id"]), float(result["final"])))
    ranking = [r.__dict__ for r in rank(scored)]
    params = {
        "iteration": plan["iteration"],
        "best_artifact_id": ranking[0]["artifact_id"],
        "ranking": ranking,
        "candidates": plan["candidates"],
    }
    new_tasks, events = _request(run, Tool.EXPORT, [(plan["export_task_id"], params)])
    changes = {"plan": {**plan, "phase": "export", "ranking": ranking}}
    return Step("request export", changes, new_tasks, events)


def _complete(run: RunRecord, plan: dict[str, Any], export: TaskRecord) -> Step:
    ranking = plan["ranking"]
    best = ranking[0]
    options = RunOptions.model_validate(run.options)
    exported = export.result or {}
    result = {
        "best_artifact_id": best["artifact_id"],
        "best_score": best["score"],
        "artifact_ids": [r["artifact_id"] for r in ranking],
        "bundle_artifact_id": exported.get("bundle_artifact_id"),
        "contact_sheet_artifact_id": exported.get("contact_sheet_artifact_id"),
        "diagram_artifact_id": exported.get("diagram_artifact_id"),
        "stop_reason": stop_reason(best["score"], options),
        "ranking": ranking,
    }
    changes = {"status": RunStatus.COMPLETED, "result": result, "plan": {**plan, "phase": "done"}}
    return Step("complete", changes)


def _plan_task_ids(plan: dict[str, Any]) -> list[str]:
    ids = [c[k] for c in plan["candidates"] for k in ("generate_task_id", "evaluate_task_id")]
    return [*ids, plan["export_task_id"]]


def next_step(
    run: RunRecord,
    tasks: Mapping[str, TaskRecord],
    artifacts: Mapping[str, ArtifactRecord],
) -> Step | None:
    """The next step of `run` (module doc); `tasks` and `artifacts` are the run's, by id."""
    if run.status in FINAL_RUN:
        return None if (run.plan or {}).get("announced") else _announcement(run)
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
            return _fail(f"{task.tool.value} task {tid} failed: {task.error or 'no reason given'}")
    phase = plan["phase"]
    if phase == "generate":
        images = _images(artifacts)
        if all(c["generate_task_id"] in images for c in plan["candidates"]):
            return _evaluate_requests(run, plan, tasks, images)
    elif phase == "evaluate":
        evaluations = [tasks.get(c["evaluate_task_id"]) for c in plan["candidates"]]
        if all(t is not None and t.status in DONE_TASK for t in evaluations):
            return _export_request(run, plan, tasks)
    elif phase == "export":
        export = tasks.get(plan["export_task_id"])
        if export is not None and export.status in DONE_TASK:
            return _complete(run, plan, export)
    return None
