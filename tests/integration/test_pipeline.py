"""A run through planner → generator → storage → evaluator → storage (export) on a real
nats-server, real SQLite and a real blob directory, every service in this process."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import zipfile
from collections import Counter
from typing import Any

import pytest

from prolight.contracts.subjects import TASKS_STREAM, EventType, Tool
from prolight.domain.photoreal import render
from prolight.domain.render import RenderResult
from prolight.domain.schema import FiboPrompt
from prolight.platform.store import RunStatus, TaskStatus
from prolight_bria_generator.worker import GenerateWorker

pytestmark = pytest.mark.integration


async def test_a_run_goes_from_created_to_completed_with_a_bundle(pipeline: Any) -> None:
    await pipeline.start_all()
    await pipeline.submit("run-ok", num_results=3, seed=40)
    done = await pipeline.finish("run-ok")

    assert done.type == EventType.RUN_COMPLETED, done.payload
    run = await pipeline.store.get_run("run-ok")
    assert run.status == RunStatus.COMPLETED
    assert run.plan.total_tasks == 7
    assert [c.seed for c in run.plan.candidates] == [40, 41, 42]
    tasks = await pipeline.store.list_tasks("run-ok")
    assert Counter(t.tool for t in tasks) == {Tool.GENERATE: 3, Tool.EVALUATE: 3, Tool.EXPORT: 1}
    assert {t.status for t in tasks} == {TaskStatus.COMPLETED}

    artifacts = {a.artifact_id: a for a in await pipeline.store.list_artifacts("run-ok")}
    images = [a for a in artifacts.values() if a.kind == "image"]
    assert len(images) == 3
    for image in images:
        assert (image.width, image.height) == (96, 120)
        assert image.size_bytes == len(await pipeline.blobs.get(image.sha256))
        assert not any(
            k.startswith("thumbnail") for k in image.meta.model_dump()
        )  # the gateway makes them
    assert done.payload.best_artifact_id in artifacts
    assert sorted(done.payload.artifact_ids) == sorted(a.artifact_id for a in images)
    assert 0 <= done.payload.best_score <= 1
    assert done.payload.stop_reason == "max_iterations"

    bundle = artifacts[done.payload.bundle_artifact_id]
    assert bundle.kind == "bundle"
    with zipfile.ZipFile(io.BytesIO(await pipeline.blobs.get(bundle.sha256))) as zf:
        assert sorted(zf.namelist()) == [
            "chosen.png",
            "contact_sheet.png",
            "diagram.png",
            "manifest.json",
        ]
        manifest = json.loads(zf.read("manifest.json"))
        best = artifacts[done.payload.best_artifact_id]
        assert zf.read("chosen.png") == await pipeline.blobs.get(best.sha256)
    assert manifest["run_id"] == "run-ok"
    assert manifest["best_artifact_id"] == done.payload.best_artifact_id
    assert [c["seed"] for c in manifest["candidates"]] == [40, 41, 42]
    for c in manifest["candidates"]:
        assert c["prompt_hash"]
        assert c["model"]
        assert c["prompt"]["metadata"]["seed"] == c["seed"]
        assert 0 <= c["score"] <= 1
        assert c["timings_ms"]["render"] > 0
        assert set(c["lighting"]) >= {"exposure", "ratio", "colour"}
    kinds = Counter(a.kind for a in artifacts.values())
    assert kinds == {"image": 3, "bundle": 1, "contact_sheet": 1, "diagram": 1}


async def test_a_second_identical_run_is_served_from_the_prompt_cache(pipeline: Any) -> None:
    renders: list[int] = []

    def counting(prompt: FiboPrompt, seed: int, width: int, height: int) -> RenderResult:
        renders.append(seed)
        return render(prompt, seed, width, height)

    pipeline.renderer = counting
    await pipeline.start_all()
    await pipeline.submit("run-first", num_results=2, seed=7)
    assert (await pipeline.finish("run-first")).type == EventType.RUN_COMPLETED
    assert sorted(renders) == [7, 8]

    await pipeline.submit("run-again", num_results=2, seed=7)
    done = await pipeline.finish("run-again")

    assert done.type == EventType.RUN_COMPLETED
    assert sorted(renders) == [7, 8], "the second run rendered again"
    generated = [t for t in await pipeline.store.list_tasks("run-again") if t.tool == Tool.GENERATE]
    assert {t.status for t in generated} == {TaskStatus.CACHED}
    images = [a for a in await pipeline.store.list_artifacts("run-again") if a.kind == "image"]
    first = {a.sha256: a for a in await pipeline.store.list_artifacts("run-first")}
    assert len(images) == 2
    for image in images:
        assert image.meta.cached_from == first[image.sha256].artifact_id


async def test_the_generator_writes_the_cache_entry_before_storage_runs(pipeline: Any) -> None:
    await pipeline.start("planner")
    await pipeline.start("generator")
    await pipeline.submit("run-early", num_results=1, seed=5)
    done = await pipeline.wait_for("run-early", EventType.TASK_COMPLETED)

    result = done.payload.result
    entry = await pipeline.store.cached_artifact(result.prompt_hash, 5, result.model)
    assert entry is not None
    assert entry.artifact_id == f"{done.task_id}-image"
    assert entry.result == result.model_copy(update={"duration_ms": None})
    assert await pipeline.store.get_artifact(entry.artifact_id) is None  # storage is not up

    await pipeline.start("storage")
    await pipeline.start("evaluator")
    assert (await pipeline.finish("run-early")).type == EventType.RUN_COMPLETED


async def test_a_crash_after_reporting_is_redelivered_and_completes_exactly_once(
    pipeline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashed: list[str] = []
    report = GenerateWorker._report

    async def report_then_crash(self: GenerateWorker, task: Any) -> None:
        await report(self, task)
        if not crashed:  # the first completion: published, then the process "dies" before ack
            crashed.append(task.task_id)
            raise RuntimeError("injected crash between publish and ack")

    monkeypatch.setattr(GenerateWorker, "_report", report_then_crash)
    await pipeline.start_all()
    await pipeline.submit("run-crash", num_results=3, seed=1)
    done = await pipeline.finish("run-crash")

    assert done.type == EventType.RUN_COMPLETED
    assert crashed
    history = await pipeline.bus.history("run-crash")
    completions = Counter(e.task_id for e in history if e.type == EventType.TASK_COMPLETED)
    assert completions[crashed[0]] == 1, "the redelivery published a second completion"
    assert max(completions.values()) == 1
    starts = [e for e in history if e.type == EventType.TASK_STARTED and e.task_id == crashed[0]]
    assert len(starts) == 1, "the redelivered task started again instead of re-reporting"
    images = [a for a in await pipeline.store.list_artifacts("run-crash") if a.kind == "image"]
    assert len(images) == 3
    assert len({a.task_id for a in images}) == 3
    ready = Counter(e.payload.artifact_id for e in history if e.type == EventType.ARTIFACT_READY)
    assert max(ready.values()) == 1


async def test_a_render_that_crashes_on_its_first_delivery_is_redone(pipeline: Any) -> None:
    failed_once: list[int] = []

    def flaky(prompt: FiboPrompt, seed: int, width: int, height: int) -> RenderResult:
        if seed == 3 and not failed_once:
            failed_once.append(seed)
            raise RuntimeError("injected crash mid-render")
        return render(prompt, seed, width, height)

    pipeline.renderer = flaky
    await pipeline.start_all()
    await pipeline.submit("run-flaky", num_results=2, seed=2)
    done = await pipeline.finish("run-flaky")

    assert done.type == EventType.RUN_COMPLETED
    task = await pipeline.store.get_task("run-flaky-i1-generate-1")
    assert task.status == TaskStatus.COMPLETED
    assert task.attempts == 2
    images = [a for a in await pipeline.store.list_artifacts("run-flaky") if a.kind == "image"]
    assert len(images) == 2


async def test_a_task_that_exhausts_max_deliver_fails_its_run_with_a_reason(
    pipeline: Any,
) -> None:
    def broken(prompt: FiboPrompt, seed: int, width: int, height: int) -> RenderResult:
        raise RuntimeError("the GPU caught fire")

    pipeline.renderer = broken
    pipeline.env["PROLIGHT_MAX_DELIVER"] = "2"
    await pipeline.start_all()
    await pipeline.submit("run-dead", num_results=1, seed=5)
    done = await pipeline.finish("run-dead")

    assert done.type == EventType.RUN_FAILED
    reason = done.payload.reason
    assert "generate" in reason
    assert "delivered 2 times" in reason
    run = await pipeline.store.get_run("run-dead")
    assert run.status == RunStatus.FAILED
    assert run.error == reason
    task = await pipeline.store.get_task("run-dead-i1-generate-0")
    assert task.status == TaskStatus.FAILED
    assert "delivered 2 times" in (task.error or "")


async def test_cancel_stops_the_run_and_nothing_completes_after_it(pipeline: Any) -> None:
    release = threading.Event()

    def slow(prompt: FiboPrompt, seed: int, width: int, height: int) -> RenderResult:
        release.wait(10)  # held until the cancel is in
        return render(prompt, seed, width, height)

    pipeline.renderer = slow
    await pipeline.start_all()
    await pipeline.submit("run-cancel", num_results=3, seed=9)
    await pipeline.wait_for("run-cancel", EventType.TASK_STARTED)
    await pipeline.cancel("run-cancel")
    done = await pipeline.finish("run-cancel")
    release.set()

    assert done.type == EventType.RUN_CANCELLED
    assert (await pipeline.store.get_run("run-cancel")).status == RunStatus.CANCELLED

    async def queue_drained() -> None:
        while (await pipeline.bus.jetstream.stream_info(TASKS_STREAM)).state.messages:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(queue_drained(), 15)
    # Drain the generator so any in-flight render has returned before we look.
    await pipeline.stop("generator-a")
    history = await pipeline.bus.history("run-cancel")
    after = [e.type for e in history if e.sequence > done.sequence]
    assert EventType.TASK_COMPLETED not in after
    assert EventType.RUN_COMPLETED not in [e.type for e in history]
    tasks = await pipeline.store.list_tasks("run-cancel")
    assert {t.tool for t in tasks} == {Tool.GENERATE}
    assert not any(t.status in (TaskStatus.COMPLETED, TaskStatus.CACHED) for t in tasks)


async def test_two_planner_instances_on_one_durable_do_not_corrupt_runs(pipeline: Any) -> None:
    await pipeline.start_all()
    await pipeline.start("planner", instance="b")
    await pipeline.start("generator", instance="b")
    runs = [f"run-pair-{i}" for i in range(3)]
    for i, run_id in enumerate(runs):
        await pipeline.submit(run_id, num_results=3, seed=100 + 10 * i)
    finals = await asyncio.gather(*(pipeline.finish(r, timeout=60) for r in runs))

    for run_id, done in zip(runs, finals, strict=True):
        assert done.type == EventType.RUN_COMPLETED, (run_id, done.payload)
        run = await pipeline.store.get_run(run_id)
        assert run.status == RunStatus.COMPLETED
        assert run.result.best_artifact_id == done.payload.best_artifact_id
        tasks = await pipeline.store.list_tasks(run_id)
        assert len(tasks) == run.plan.total_tasks == 7
        assert {t.status for t in tasks} <= {TaskStatus.COMPLETED, TaskStatus.CACHED}
        history = await pipeline.bus.history(run_id)
        finals_seen = [e for e in history if e.type in (EventType.RUN_COMPLETED,)]
        assert len(finals_seen) == 1
        kinds = Counter(a.kind for a in await pipeline.store.list_artifacts(run_id))
        assert kinds == {"image": 3, "bundle": 1, "contact_sheet": 1, "diagram": 1}
