"""The refine loop on the real bus: planner, generator, storage and evaluator over a real
nats-server, SQLite and a blob directory; every stop condition, the locks and determinism."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from prolight.contracts.events import RunCompleted
from prolight.contracts.subjects import EventType, Tool
from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.refine import changed_paths, is_locked
from prolight.domain.schema import FiboPrompt
from prolight.platform.store import RunStatus, TaskRecord

pytestmark = pytest.mark.integration

LOOP_TIMEOUT = 90.0


def locked_prompt(locked: list[str], preset: str = "rembrandt") -> FiboPrompt:
    base = FiboPrompt(scene=get_preset(preset).setup)
    return base.model_copy(
        update={"metadata": base.metadata.model_copy(update={"locked_fields": locked})}
    )


async def generate_tasks(pipeline: Any, run_id: str) -> list[TaskRecord]:
    tasks = await pipeline.store.list_tasks(run_id)
    return sorted(
        (t for t in tasks if t.tool == Tool.GENERATE),
        key=lambda t: (t.params.iteration, t.params.index),
    )


def deltas(task: TaskRecord) -> list[tuple[str, Any, Any, str]]:
    """The refine record of a generate task, without the (run-specific) artifact ids."""
    return [(d.path, d.before, d.after, d.reason) for d in task.params.refine]


async def completed(pipeline: Any, run_id: str) -> RunCompleted:
    done = await pipeline.finish(run_id, timeout=LOOP_TIMEOUT)
    assert done.type == EventType.RUN_COMPLETED, done.payload
    assert isinstance(done.payload, RunCompleted)
    return done.payload


async def test_an_unreachable_threshold_stops_at_max_iterations(pipeline: Any) -> None:
    await pipeline.start_all()
    await pipeline.submit("loop-max", num_results=2, seed=7, max_iterations=3, score_threshold=1.0)
    done = await completed(pipeline, "loop-max")
    assert done.stop_reason == "max_iterations"
    run = await pipeline.store.get_run("loop-max")
    assert run.result.stop_reason == "max_iterations"
    assert run.result.iterations == 3
    tasks = await generate_tasks(pipeline, "loop-max")
    assert [t.params.iteration for t in tasks] == [1, 1, 2, 2, 3, 3]
    # every refine step says why; the later iterations carry the deltas that made them
    assert tasks[0].params.refine == []
    for t in tasks[2:]:
        assert t.params.refine, t.params
        assert all(d.reason and d.status for d in t.params.refine)
    # the bundle lists every candidate of every iteration and the reason it stopped
    artifacts = {a.artifact_id: a for a in await pipeline.store.list_artifacts("loop-max")}
    bundle = artifacts[done.bundle_artifact_id]
    with zipfile.ZipFile(io.BytesIO(await pipeline.blobs.get(bundle.sha256))) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert len(manifest["candidates"]) == 6
    assert manifest["iteration"] == 3
    assert manifest["stop_reason"] == "max_iterations"
    assert sorted(c["iteration"] for c in manifest["candidates"]) == [1, 1, 2, 2, 3, 3]
    assert [r["iteration"] for r in manifest["refine"]] == [1, 2, 3]


async def test_a_reachable_threshold_stops_after_the_first_iteration(pipeline: Any) -> None:
    await pipeline.start_all()
    await pipeline.submit(
        "loop-early", num_results=2, seed=7, max_iterations=4, score_threshold=0.05
    )
    done = await completed(pipeline, "loop-early")
    assert done.stop_reason == "threshold"
    assert {t.params.iteration for t in await generate_tasks(pipeline, "loop-early")} == {1}


async def test_the_budget_stops_the_loop(pipeline: Any) -> None:
    # The local renderer costs nothing, so a zero budget is spent after the first iteration.
    await pipeline.start_all()
    await pipeline.submit(
        "loop-budget", num_results=2, seed=7, max_iterations=4, score_threshold=1.0, budget_usd=0
    )
    done = await completed(pipeline, "loop-budget")
    assert done.stop_reason == "budget_exhausted"
    assert {t.params.iteration for t in await generate_tasks(pipeline, "loop-budget")} == {1}


@pytest.mark.parametrize(
    "locked",
    [
        pytest.param(["lighting.fill", "camera", "composition"], id="fill-camera-composition"),
        pytest.param(["lighting.key", "subject", "background"], id="key-subject-background"),
    ],
)
async def test_locked_fields_never_change(pipeline: Any, locked: list[str]) -> None:
    await pipeline.start_all()
    prompt = locked_prompt(locked)
    await pipeline.submit(
        "loop-locked", prompt, num_results=3, seed=3, max_iterations=3, score_threshold=1.0
    )
    await completed(pipeline, "loop-locked")
    tasks = await generate_tasks(pipeline, "loop-locked")
    assert len(tasks) == 9
    changed_any = False
    for t in tasks:
        sent = t.params.prompt
        paths = changed_paths(prompt, sent)
        assert [p for p in paths if is_locked(p, locked)] == [], (t.task_id, paths)
        changed_any |= t.params.iteration > 1 and bool(paths)
    assert changed_any, "the loop never changed anything it was allowed to"


async def test_the_same_input_twice_gives_byte_identical_final_images(pipeline: Any) -> None:
    await pipeline.start_all()
    options = {"num_results": 2, "seed": 11, "max_iterations": 3, "score_threshold": 1.0}
    finals = []
    for run_id in ("loop-same-a", "loop-same-b"):
        await pipeline.submit(run_id, **options)
        done = await completed(pipeline, run_id)
        best = await pipeline.store.get_artifact(done.best_artifact_id)
        tasks = await generate_tasks(pipeline, run_id)
        finals.append(
            (
                await pipeline.blobs.get(best.sha256),
                [(t.params.prompt, t.params.seed, deltas(t)) for t in tasks],
                best,
            )
        )
    (png_a, steps_a, best_a), (png_b, steps_b, _) = finals
    for a, b in zip(steps_a, steps_b, strict=True):
        assert a == b
    assert png_a == png_b
    # …and not merely because the second run reused the first one's cache: the chosen prompt
    # renders to these very bytes again.
    tasks_a = await generate_tasks(pipeline, "loop-same-a")
    task = next(t for t in tasks_a if t.task_id == best_a.task_id)
    again = render(task.params.prompt, task.params.seed, 96, 120)
    assert again.png == png_a


async def test_a_cancel_between_iterations_records_cancelled(pipeline: Any) -> None:
    await pipeline.start_all()
    await pipeline.submit(
        "loop-cancel", num_results=2, seed=7, max_iterations=20, score_threshold=1.0
    )
    # Cancel once a task of the second iteration started: the first iteration is finished.
    seen = 0
    while True:
        event = await pipeline.wait_for(
            "loop-cancel", EventType.TASK_STARTED, timeout=LOOP_TIMEOUT, after=seen
        )
        seen = event.sequence or seen
        if event.task_id and "-i2-" in event.task_id:
            break
    await pipeline.cancel("loop-cancel")
    done = await pipeline.finish("loop-cancel", timeout=LOOP_TIMEOUT)
    assert done.type == EventType.RUN_CANCELLED
    run = await pipeline.store.get_run("loop-cancel")
    assert run.status == RunStatus.CANCELLED
    assert run.result.stop_reason == "cancelled"
    assert run.result.iterations >= 1
    assert run.result.best_artifact_id
