"""The refine loop as a pure state machine: stop conditions in order, deltas, locks, budget."""

from __future__ import annotations

from typing import Any

import pytest
from planner_testkit import evaluated, exported, generated

from prolight.contracts.events import RunCompleted, RunOptions
from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import (
    ColourFinding,
    ExposureFinding,
    GenerateParams,
    LightingFindings,
    RatioFinding,
    TaskResult,
)
from prolight.domain.presets import get_preset
from prolight.domain.refine import changed_paths, is_locked
from prolight.domain.schema import FiboPrompt, Role
from prolight.platform.store import (
    ArtifactRecord,
    RunRecord,
    RunResult,
    RunStatus,
    TaskRecord,
    TaskStatus,
)
from prolight.platform.store.base import apply_run_changes
from prolight_planner.decide import cancelled_result, next_step, spent_usd, stop_reason
from prolight_planner.deltas import (
    MAX_STEP_MIRED,
    MAX_STEP_STOPS,
    Delta,
    FinitePlanner,
    apply_deltas,
)

SHA = "b" * 64


def exposure(clipped_pct: float = 0.0, score: float = 1.0) -> ExposureFinding:
    return ExposureFinding(clipped_pct=clipped_pct, crushed_pct=0.0, score=score, passed=True)


def colour(score: float, warm_shift: float) -> ColourFinding:
    return ColourFinding(
        against="prompt", measured_rgb=[1.0, 1.0, 1.0], expected_rgb=[1.0, 1.0, 1.0],
        cast=abs(warm_shift), warm_shift=warm_shift, score=score, passed=score >= 0.5,
    )  # fmt: skip


def findings(measured: float, requested: float, **extra: Any) -> LightingFindings:
    ratio = RatioFinding(measured_stops=measured, requested_stops=requested,
                         error_stops=abs(measured - requested), score=0.5, passed=True)  # fmt: skip
    return LightingFindings(**{"exposure": exposure(), "ratio": ratio, **extra})


def params(task: TaskRecord) -> GenerateParams:
    assert isinstance(task.params, GenerateParams)
    return task.params


class Loop:
    """A run driven through its iterations with scripted evaluator results."""

    def __init__(
        self, locked: list[str] | None = None, planner: Any = None, **options: Any
    ) -> None:
        self.planner = planner or FinitePlanner()
        prompt = FiboPrompt(scene=get_preset("loop").setup)
        prompt = prompt.model_copy(
            update={"metadata": prompt.metadata.model_copy(update={"locked_fields": locked or []})}
        )
        self.prompt = prompt
        self.run = RunRecord(
            run_id="r1",
            prompt=prompt.model_dump(mode="json"),
            options=RunOptions(num_results=2, **options).model_dump(mode="json"),
        )
        self.tasks: dict[str, TaskRecord] = {}
        self.artifacts: dict[str, ArtifactRecord] = {}
        self.steps: list[str] = []

    def settle(self) -> None:
        while (step := next_step(self.run, self.tasks, self.artifacts, self.planner)) is not None:
            for t in step.tasks:
                self.tasks.setdefault(t.task_id, t)
            self.run = apply_run_changes(self.run, step.changes)
            self.steps.append(step.what)
            assert len(self.steps) < 200

    def done(self, tid: str, result: TaskResult) -> None:
        self.tasks[tid] = self.tasks[tid].model_copy(
            update={"status": TaskStatus.COMPLETED, "result": result}
        )

    def iterate(self, scores: list[float], cost: float = 0.0, lighting: Any = None) -> None:
        """Finish the current iteration's generate and evaluate tasks."""
        self.settle()
        plan = self.run.plan
        assert plan is not None
        for c in plan.candidates:
            self.done(c.generate_task_id, generated(c.seed, cost_usd=cost))
            aid = f"{c.generate_task_id}-image"
            self.artifacts[aid] = ArtifactRecord(
                artifact_id=aid, run_id="r1", task_id=c.generate_task_id, sha256=SHA,
                url="file:///x", size_bytes=1,
            )  # fmt: skip
        self.settle()
        for c, score in zip(plan.candidates, scores, strict=True):
            aid = f"{c.generate_task_id}-image"
            self.done(c.evaluate_task_id, evaluated(aid, score, lighting or findings(0.6, 1.2)))
        self.settle()

    def export(self) -> None:
        plan = self.run.plan
        assert plan is not None
        assert plan.phase == "export"
        self.done(plan.export_task_id, exported())
        self.settle()

    def generate_prompts(self) -> list[FiboPrompt]:
        return [params(t).prompt for t in self.tasks.values() if t.tool == Tool.GENERATE]


def test_an_unmet_threshold_stops_at_max_iterations_with_the_reason() -> None:
    loop = Loop(score_threshold=0.99, max_iterations=3)
    for _ in range(3):
        loop.iterate([0.5, 0.6])
    loop.export()
    assert loop.run.status == RunStatus.COMPLETED
    assert loop.run.result is not None
    assert loop.run.result.stop_reason == "max_iterations"
    assert loop.run.result.iterations == 3
    iterations = {params(t).iteration for t in loop.tasks.values() if t.tool == Tool.GENERATE}
    assert iterations == {1, 2, 3}
    assert len(loop.run.result.ranking) == 6  # every candidate of every iteration


def test_a_met_threshold_stops_early() -> None:
    loop = Loop(score_threshold=0.8, max_iterations=5)
    loop.iterate([0.5, 0.6])
    loop.iterate([0.85, 0.7])
    loop.export()
    assert loop.run.result is not None
    assert loop.run.result.stop_reason == "threshold"
    assert loop.run.result.iterations == 2
    assert loop.run.result.best_artifact_id == "r1-i2-generate-0-image"


def test_the_budget_stops_the_loop_once_spent() -> None:
    loop = Loop(max_iterations=5, budget_usd=0.1)
    loop.iterate([0.5, 0.6], cost=0.04)  # 0.08 spent: go on
    assert loop.run.plan is not None
    assert loop.run.plan.iteration == 2
    loop.iterate([0.5, 0.6], cost=0.04)  # 0.16 spent: stop
    assert spent_usd(loop.tasks) == pytest.approx(0.16)
    loop.export()
    assert loop.run.result is not None
    assert loop.run.result.stop_reason == "budget_exhausted"


def test_a_generate_task_failing_on_the_budget_exports_what_is_finished() -> None:
    loop = Loop(max_iterations=5, budget_usd=1.0)
    loop.iterate([0.5, 0.6])
    plan = loop.run.plan
    assert plan is not None
    tid = plan.candidates[0].generate_task_id
    loop.tasks[tid] = loop.tasks[tid].model_copy(
        update={"status": TaskStatus.FAILED, "error": "budget_exhausted: 1.00 USD spent"}
    )
    loop.settle()
    loop.export()
    assert loop.run.status == RunStatus.COMPLETED
    assert loop.run.result is not None
    assert loop.run.result.stop_reason == "budget_exhausted"
    assert loop.run.result.best_artifact_id == "r1-i1-generate-1-image"


def test_the_stop_conditions_are_checked_in_order() -> None:
    options = RunOptions(score_threshold=0.5, max_iterations=2, budget_usd=0.0)
    assert stop_reason(0.6, options, 2, 1.0) == "threshold"
    assert stop_reason(0.4, options, 2, 1.0) == "max_iterations"
    assert stop_reason(0.4, options, 1, 0.0) == "budget_exhausted"
    assert stop_reason(0.4, RunOptions(max_iterations=2), 1, 5.0) is None


def test_a_cancelled_run_records_the_reason_and_the_best_so_far() -> None:
    loop = Loop(max_iterations=3)
    loop.iterate([0.5, 0.6])
    result = cancelled_result(loop.run)
    assert result == RunResult(
        stop_reason="cancelled",
        best_artifact_id="r1-i1-generate-1-image",
        best_score=0.6,
        iterations=1,
    )


def test_deltas_follow_the_findings_and_are_recorded_on_the_tasks() -> None:
    loop = Loop(max_iterations=2)
    loop.iterate([0.5, 0.6], lighting=findings(0.6, 1.2))  # 0.6 stop too flat
    second = [
        t for t in loop.tasks.values() if t.tool == Tool.GENERATE and params(t).iteration == 2
    ]
    assert second
    refine = params(second[0]).refine
    fill = next(d for d in refine if d.path == "lighting.fill.intensity")
    assert fill.status == "applied"  # 0.6 stop asked, bounded to 0.5 by the planner
    assert fill.before is not None
    assert fill.after == pytest.approx(fill.before * 2**-MAX_STEP_STOPS, abs=1e-4)
    assert "too flat" in fill.reason
    assert fill.from_artifact_id == "r1-i1-generate-1-image"
    assert fill.planner == "finite"
    assert loop.run.plan is not None
    assert loop.run.plan.refine == refine


def test_the_same_findings_give_the_same_iterations() -> None:
    a, b = Loop(max_iterations=3), Loop(max_iterations=3)
    for loop in (a, b):
        loop.iterate([0.5, 0.6])
        loop.iterate([0.7, 0.6])
    assert a.run.plan == b.run.plan
    assert [t.params for t in a.tasks.values()] == [t.params for t in b.tasks.values()]


@pytest.mark.parametrize(
    "locked",
    [
        pytest.param(["lighting.fill"], id="fill"),
        pytest.param(["lighting"], id="all-lighting"),
        pytest.param(["lighting.key", "lighting.fill.intensity"], id="key-and-fill-power"),
        pytest.param(["camera", "composition", "subject"], id="framing"),
    ],
)
def test_locked_fields_never_change_in_any_iteration(locked: list[str]) -> None:
    lighting = findings(2.5, 1.0, colour=colour(0.2, 0.8), exposure=exposure(5.0, 0.5))
    loop = Loop(locked=locked, max_iterations=4)
    for _ in range(4):
        loop.iterate([0.5, 0.6], lighting=lighting)
    prompts = loop.generate_prompts()
    assert len(prompts) == 8
    for p in prompts:
        touched = [path for path in changed_paths(loop.prompt, p) if is_locked(path, locked)]
        assert touched == []
    # and the loop did change what it may
    if locked != ["lighting"]:
        assert any(changed_paths(loop.prompt, p) for p in prompts[2:])


def test_the_finite_planner_proposes_per_finding() -> None:
    prompt = FiboPrompt(scene=get_preset("loop").setup)
    fill = prompt.scene.lighting[Role.FILL]
    key = prompt.scene.lighting[Role.KEY]
    flat = FinitePlanner().propose(prompt, findings(1.0, 1.3))
    assert [d.path for d in flat] == ["lighting.fill.intensity"]
    assert flat[0].value == pytest.approx(fill.intensity * 2**-0.3)
    warm = FinitePlanner().propose(
        prompt, LightingFindings(colour=colour(0.3, 0.5), exposure=exposure(3.0, 0.7))
    )
    assert [d.path for d in warm] == ["lighting.key.kelvin", "lighting.key.intensity"]
    assert warm[0].value > key.kelvin  # too warm → cooler key
    assert warm[1].value == pytest.approx(key.intensity * 2 ** (-1 / 3))
    assert FinitePlanner().propose(prompt, findings(1.25, 1.3)) == []  # inside the deadband
    assert FinitePlanner().propose(prompt, None) == []  # nothing judged, nothing to change


def test_apply_deltas_validates_clamps_and_refuses_locks_like_an_llm_proposal_needs() -> None:
    prompt = FiboPrompt(scene=get_preset("loop").setup)
    prompt = prompt.model_copy(
        update={"metadata": prompt.metadata.model_copy(update={"locked_fields": ["lighting.key"]})}
    )
    key = prompt.scene.lighting[Role.KEY]
    fill = prompt.scene.lighting[Role.FILL]
    out, record = apply_deltas(
        prompt,
        [
            Delta("lighting.key.intensity", 0.1, "locked"),
            Delta("lighting.fill.kelvin", 2000.0, "far too warm a step"),
            Delta("lighting.fill.intensity", 50.0, "out of range"),
            Delta("camera.aperture", 2.0, "not a lighting field"),
            Delta("lighting.rim.intensity", 0.3, "no rim in this setup"),
            Delta("lighting.fill.softness", float("nan"), "not a number"),
        ],
    )
    assert [r.status for r in record] == [
        "locked", "clamped", "clamped", "invalid", "invalid", "invalid",
    ]  # fmt: skip
    assert out.scene.lighting[Role.KEY] == key
    new_fill = out.scene.lighting[Role.FILL]
    assert 1e6 / new_fill.kelvin - 1e6 / fill.kelvin == pytest.approx(MAX_STEP_MIRED, abs=0.1)
    assert new_fill.intensity == pytest.approx(min(1.0, fill.intensity * 2**MAX_STEP_STOPS), 1e-3)
    assert out.scene.camera == prompt.scene.camera


def test_the_completed_event_carries_the_stop_reason() -> None:
    loop = Loop(score_threshold=0.99, max_iterations=2)
    loop.iterate([0.5, 0.6])
    loop.iterate([0.5, 0.6])
    plan = loop.run.plan
    assert plan is not None
    loop.done(plan.export_task_id, exported())
    events = []
    while (step := next_step(loop.run, loop.tasks, loop.artifacts)) is not None:
        events += step.events
        loop.run = apply_run_changes(loop.run, step.changes)
    (done,) = [e.payload for e in events if isinstance(e.payload, RunCompleted)]
    assert done.stop_reason == "max_iterations"


class RoguePlanner:
    """What an LLM planner might answer: wild values, locked paths, fields it may not touch."""

    name = "rogue"

    def propose(self, prompt: FiboPrompt, findings: LightingFindings | None) -> list[Delta]:
        return [
            Delta("lighting.key.intensity", 40.0, "much brighter"),
            Delta("lighting.fill.kelvin", 1.0, "candle light"),
            Delta("lighting.fill.distance", 0.01, "touching the nose"),
            Delta("camera.aperture", 1.4, "not a light"),
            Delta("subject.head_turn_deg", 45.0, "not a light either"),
            Delta("lighting.rim.softness", 0.9, "no rim here"),
        ]


def test_a_proposing_planner_goes_through_the_same_validation() -> None:
    loop = Loop(locked=["lighting.key"], planner=RoguePlanner(), max_iterations=3)
    for _ in range(3):
        loop.iterate([0.5, 0.6])
    base = loop.prompt
    fill = base.scene.lighting[Role.FILL]
    for p in loop.generate_prompts():
        paths = changed_paths(base, p)
        assert not [x for x in paths if is_locked(x, ["lighting.key"])]
        assert set(paths) <= {"lighting.fill.kelvin", "lighting.fill.intensity",
                              "lighting.fill.distance"}  # fmt: skip
    second = [
        t for t in loop.tasks.values() if t.tool == Tool.GENERATE and params(t).iteration == 2
    ]
    record = {d.path: d for d in params(second[0]).refine}
    assert record["lighting.key.intensity"].status == "locked"
    assert record["camera.aperture"].status == "invalid"
    assert record["subject.head_turn_deg"].status == "invalid"
    assert record["lighting.rim.softness"].status == "invalid"
    assert record["lighting.fill.kelvin"].status == "clamped"
    assert record["lighting.fill.distance"].after == pytest.approx(fill.distance / 1.25)
    assert all(d.planner == "rogue" for d in record.values())
