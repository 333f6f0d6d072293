"""The run's state machine, from stored state only: no NATS, no store."""

from __future__ import annotations

from typing import Any

import pytest
from planner_testkit import evaluated, exported, generated

from prolight.contracts.events import (
    RunCancelled,
    RunCompleted,
    RunFailed,
    RunOptions,
    TaskRequested,
)
from prolight.contracts.subjects import EventType, Tool
from prolight.contracts.tasks import Ranked, TaskResult
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.store import ArtifactRecord, RunRecord, RunStatus, TaskRecord, TaskStatus
from prolight.platform.store.base import apply_run_changes
from prolight_planner.decide import Step, next_step, rank, stop_reason
from prolight_planner.plan import build_plan, event_id, task_id

SHA = "a" * 64


def new_run(n: int = 2, **options: Any) -> RunRecord:
    prompt = FiboPrompt(scene=get_preset("loop").setup)
    return RunRecord(
        run_id="r1",
        prompt=prompt.model_dump(mode="json"),
        options=RunOptions(num_results=n, **options).model_dump(mode="json"),
    )


class World:
    """A run, its tasks and artifacts, with steps applied the way the planner applies them."""

    def __init__(self, run: RunRecord) -> None:
        self.run = run
        self.tasks: dict[str, TaskRecord] = {}
        self.artifacts: dict[str, ArtifactRecord] = {}
        self.published: list[Any] = []

    def step(self) -> Step | None:
        step = next_step(self.run, self.tasks, self.artifacts)
        if step is not None:
            for t in step.tasks:
                self.tasks.setdefault(t.task_id, t)
            self.published += step.events
            self.run = apply_run_changes(self.run, step.changes)
        return step

    def settle(self) -> list[str]:
        done = []
        while (step := self.step()) is not None:
            done.append(step.what)
            assert len(done) < 20
        return done

    def finish(
        self, tid: str, result: TaskResult, status: TaskStatus = TaskStatus.COMPLETED
    ) -> None:
        self.tasks[tid] = self.tasks[tid].model_copy(update={"status": status, "result": result})

    def image(self, tid: str, n: int) -> None:
        self.artifacts[f"{tid}-image"] = ArtifactRecord(
            artifact_id=f"{tid}-image",
            run_id="r1",
            task_id=tid,
            sha256=SHA,
            url="file:///x",
            size_bytes=1,
            seed=n,
        )


def test_a_new_run_is_planned_then_its_generate_tasks_are_requested() -> None:
    world = World(new_run(3, seed=50))
    assert world.settle() == ["plan", "request generate"]
    assert world.run.status == RunStatus.RUNNING
    plan = world.run.plan
    assert plan is not None
    assert plan.total_tasks == 7
    assert [c.seed for c in plan.candidates] == [50, 51, 52]
    requests = [e.payload for e in world.published]
    assert all(isinstance(p, TaskRequested) and p.tool == Tool.GENERATE for p in requests)
    assert [p.task_id for p in requests] == [f"r1-i1-generate-{i}" for i in range(3)]
    assert requests[0].params.seed == 50


def test_the_plan_and_its_event_ids_are_deterministic() -> None:
    a, b = World(new_run()), World(new_run())
    a.settle()
    b.settle()
    assert a.run.plan == b.run.plan
    assert [e.event_id for e in a.published] == [e.event_id for e in b.published]
    assert a.published[0].event_id == event_id("r1-i1-generate-0:requested:1")
    assert task_id("r1", 1, Tool.EXPORT) == "r1-i1-export"


def test_the_prompt_seed_is_the_base_when_options_have_none() -> None:
    prompt = FiboPrompt(scene=get_preset("loop").setup)
    prompt = prompt.model_copy(update={"metadata": prompt.metadata.model_copy(update={"seed": 9})})
    plan = build_plan("r", prompt, RunOptions(num_results=2))
    assert [c.seed for c in plan.candidates] == [9, 10]


def test_evaluation_waits_for_every_image_then_carries_the_measured_ratio() -> None:
    world = World(new_run(2))
    world.settle()
    world.published.clear()
    world.finish("r1-i1-generate-0", generated(ratio=1.5))
    world.image("r1-i1-generate-0", 0)
    assert world.settle() == []
    world.finish("r1-i1-generate-1", generated(ratio=1.7))
    world.image("r1-i1-generate-1", 1)
    assert world.settle() == ["request evaluate"]
    params = [e.payload.params for e in world.published]
    assert [p.artifact_id for p in params] == [
        "r1-i1-generate-0-image",
        "r1-i1-generate-1-image",
    ]
    assert [p.measured_ratio_stops for p in params] == [1.5, 1.7]


@pytest.mark.parametrize("reference", [None, "parent-image"])
def test_evaluate_tasks_carry_the_runs_reference_image(reference: str | None) -> None:
    world = World(new_run(1, reference_artifact_id=reference))
    world.settle()
    world.published.clear()
    world.finish("r1-i1-generate-0", generated())
    world.image("r1-i1-generate-0", 0)
    assert world.settle() == ["request evaluate"]
    [request] = world.published
    assert request.payload.params.measured_ratio_stops is None  # no local render report
    assert request.payload.params.reference_artifact_id == reference


def advance_to_export(world: World, scores: list[float]) -> None:
    world.settle()
    for i in range(len(scores)):
        world.finish(f"r1-i1-generate-{i}", generated(i))
        world.image(f"r1-i1-generate-{i}", i)
    world.settle()
    for i, score in enumerate(scores):
        world.finish(f"r1-i1-evaluate-{i}", evaluated(f"r1-i1-generate-{i}-image", score))
    world.published.clear()


def test_the_best_score_is_exported_then_the_run_completes_and_is_announced_once() -> None:
    world = World(new_run(3, score_threshold=0.8))
    advance_to_export(world, [0.5, 0.9, 0.7])
    assert world.settle() == ["request export"]
    (export,) = world.published
    assert export.type == EventType.TASK_REQUESTED_EXPORT
    assert export.payload.params.best_artifact_id == "r1-i1-generate-1-image"
    assert [r.index for r in export.payload.params.ranking] == [1, 2, 0]
    world.finish("r1-i1-export", exported("b"))
    world.published.clear()
    assert world.settle() == ["complete", "announce run.completed"]
    (done,) = world.published
    assert isinstance(done.payload, RunCompleted)
    assert done.payload.best_artifact_id == "r1-i1-generate-1-image"
    assert done.payload.best_score == 0.9
    assert done.payload.bundle_artifact_id == "b"
    assert done.payload.stop_reason == "threshold"
    assert world.run.status == RunStatus.COMPLETED
    assert world.settle() == []


def test_a_failed_task_fails_the_run_with_its_reason() -> None:
    world = World(new_run(2))
    world.settle()
    world.tasks["r1-i1-generate-1"] = world.tasks["r1-i1-generate-1"].model_copy(
        update={"status": TaskStatus.FAILED, "error": "no light reaches the subject"}
    )
    world.published.clear()
    assert world.settle() == ["fail the run", "announce run.failed"]
    assert world.run.error == "generate task r1-i1-generate-1 failed: no light reaches the subject"
    assert isinstance(world.published[0].payload, RunFailed)
    assert not any(isinstance(e.payload, TaskRequested) for e in world.published)  # no retry


def test_the_plan_keeps_no_retry_counts() -> None:
    # A failed task is never asked for again (the planner module doc), so there is none to keep.
    world = World(new_run(2))
    world.settle()
    assert world.run.plan is not None
    assert "retries" not in world.run.plan.model_dump()


def test_a_cancelled_run_is_announced_and_then_ignores_everything() -> None:
    world = World(new_run(2))
    world.settle()
    world.run = apply_run_changes(world.run, {"status": RunStatus.CANCELLED, "error": "user"})
    world.published.clear()
    assert world.settle() == ["announce run.cancelled"]
    assert isinstance(world.published[0].payload, RunCancelled)
    world.finish("r1-i1-generate-0", generated())
    world.image("r1-i1-generate-0", 0)
    assert world.settle() == []


def test_a_run_without_a_prompt_fails_instead_of_crashing() -> None:
    run = new_run().model_copy(update={"prompt": None})
    world = World(run)
    assert world.settle() == ["fail the run", "announce run.failed"]
    assert "no prompt" in (world.run.error or "")


def test_rank_breaks_ties_by_index() -> None:
    ranked = rank(
        [
            Ranked(index=2, artifact_id="c", score=0.5),
            Ranked(index=0, artifact_id="a", score=0.5),
            Ranked(index=1, artifact_id="b", score=0.9),
        ]
    )
    assert [r.artifact_id for r in ranked] == ["b", "a", "c"]


@pytest.mark.parametrize(
    ("best", "threshold", "expected"),
    [
        pytest.param(0.9, 0.8, "threshold", id="reached"),
        pytest.param(0.7, 0.8, "max_iterations", id="missed"),
        pytest.param(0.7, None, "max_iterations", id="no-threshold"),
    ],
)
def test_stop_reason(best: float, threshold: float | None, expected: str) -> None:
    assert stop_reason(best, RunOptions(score_threshold=threshold)) == expected
