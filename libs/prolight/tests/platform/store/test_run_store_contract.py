"""The RunStore contract, run against every available backend (see conftest.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import (
    BriaReport,
    Candidate,
    ExportParams,
    ExportResult,
    GenerateResult,
    LightingFindings,
    Ranked,
    RatioFinding,
    ReportTimings,
)
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.store import (
    AlreadyExistsError,
    ArtifactRecord,
    CallDetails,
    ConcurrencyConflict,
    EvaluatedCandidate,
    InvalidCursorError,
    InvalidTransitionError,
    Iteration,
    Plan,
    RecordNotFoundError,
    RunRecord,
    RunStatus,
    RunStore,
    TaskRecord,
    TaskStatus,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def run(run_id: str, minutes: int = 0, **kw: object) -> RunRecord:
    at = T0 + timedelta(minutes=minutes)
    return RunRecord(run_id=run_id, created_at=at, updated_at=at, **kw)  # type: ignore[arg-type]


def plan() -> Plan:
    """A plan in its second iteration, with the first one's findings in the history."""
    prompt = FiboPrompt(scene=get_preset("rembrandt").setup)
    first = Candidate(iteration=1, index=0, seed=7, delta="as asked", prompt=prompt,
                      prompt_hash="h0", generate_task_id="g0", evaluate_task_id="e0")  # fmt: skip
    ratio = RatioFinding.model_validate(
        {
            "measured_stops": 2.0,
            "requested_stops": 1.5,
            "error_stops": 0.5,
            "score": 0.5,
            "pass": True,
        }
    )
    evaluated = EvaluatedCandidate(**dict(first), evaluation=LightingFindings(ratio=ratio))
    ranked = Ranked(index=0, artifact_id="a0", score=0.5, iteration=1)
    return Plan(
        iteration=2,
        base_seed=7,
        phase="evaluate",
        total_tasks=6,
        candidates=[first.model_copy(update={"iteration": 2, "generate_task_id": "g1"})],
        export_task_id="x",
        history=[Iteration(iteration=1, candidates=[evaluated], ranking=[ranked])],
    )


# -- runs --------------------------------------------------------------------------------


async def test_a_run_reads_back_equal(store: RunStore) -> None:
    prompt = FiboPrompt(scene=get_preset("loop").setup)
    created = await store.create_run(
        run("r1", prompt=prompt, options={"num_results": 2}, owner="ana")
    )
    assert created.prompt == prompt
    assert await store.get_run("r1") == created
    assert await store.get_run("nope") is None


async def test_a_run_id_is_created_once(store: RunStore) -> None:
    await store.create_run(run("r1"))
    with pytest.raises(AlreadyExistsError):
        await store.create_run(run("r1"))


async def test_update_run_bumps_the_version_and_refuses_a_stale_one(store: RunStore) -> None:
    await store.create_run(run("r1"))
    v2 = await store.update_run("r1", 1, {"status": RunStatus.PLANNING, "plan": plan()})
    assert (v2.version, v2.status, v2.plan) == (2, RunStatus.PLANNING, plan())
    assert await store.get_run("r1") == v2
    with pytest.raises(ConcurrencyConflict) as info:
        await store.update_run("r1", 1, {"status": RunStatus.RUNNING})
    assert (info.value.expected, info.value.actual) == (1, 2)
    assert (await store.get_run("r1")).status == RunStatus.PLANNING  # type: ignore[union-attr]


async def test_of_two_racing_updates_exactly_one_wins(store: RunStore) -> None:
    await store.create_run(run("r1"))
    results = await asyncio.gather(
        *(store.update_run("r1", 1, {"error": f"writer {i}"}) for i in range(5)),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, RunRecord)]
    assert len(winners) == 1
    assert all(isinstance(r, ConcurrencyConflict) for r in results if r not in winners)
    assert (await store.get_run("r1")) == winners[0]


async def test_update_run_refuses_unknown_runs_and_fixed_fields(store: RunStore) -> None:
    with pytest.raises(RecordNotFoundError):
        await store.update_run("nope", 1, {"status": RunStatus.RUNNING})
    await store.create_run(run("r1"))
    with pytest.raises(ValueError, match="version"):
        await store.update_run("r1", 1, {"version": 7})
    with pytest.raises(ValueError, match="colour"):
        await store.update_run("r1", 1, {"colour": "red"})


async def test_list_runs_pages_newest_first_without_gaps_or_repeats(store: RunStore) -> None:
    for i in range(7):
        await store.create_run(run(f"r{i}", minutes=i))
    await store.create_run(run("tie-a", minutes=3))  # same created_at as r3
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await store.list_runs(limit=3, cursor=cursor)
        seen += [r.run_id for r in page.items]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
        if pages == 1:  # a run created meanwhile is newer than the cursor: not on later pages
            await store.create_run(run("late", minutes=99))
    assert seen == ["r6", "r5", "r4", "tie-a", "r3", "r2", "r1", "r0"]
    assert pages == 3


async def test_list_runs_filters_by_status_and_owner(store: RunStore) -> None:
    await store.create_run(run("a", 1, status=RunStatus.RUNNING, owner="ana"))
    await store.create_run(run("b", 2, status=RunStatus.COMPLETED, owner="ana"))
    await store.create_run(run("c", 3, status=RunStatus.RUNNING, owner="bo"))
    running = await store.list_runs(status=RunStatus.RUNNING)
    assert [r.run_id for r in running.items] == ["c", "a"]
    assert running.next_cursor is None
    mine = await store.list_runs(owner="ana", status=RunStatus.RUNNING)
    assert [r.run_id for r in mine.items] == ["a"]
    either = await store.list_runs(status=frozenset({RunStatus.RUNNING, RunStatus.COMPLETED}))
    assert [r.run_id for r in either.items] == ["c", "b", "a"]


async def test_a_bad_cursor_or_limit_is_refused(store: RunStore) -> None:
    with pytest.raises(InvalidCursorError):
        await store.list_runs(cursor="not-a-cursor")
    with pytest.raises(ValueError, match="limit"):
        await store.list_runs(limit=0)


async def test_a_stored_plan_reads_back_equal_and_with_its_json_keys(store: RunStore) -> None:
    await store.create_run(run("r1", plan=plan()))
    stored = await store.get_run("r1")
    assert stored is not None
    assert stored.plan == plan()
    finding = stored.model_dump(mode="json")["plan"]["history"][0]["candidates"][0]
    assert finding["evaluation"]["ratio"]["pass"] is True  # the evaluator's key, not `passed`
    moved = await store.update_run("r1", 1, {"plan": plan().model_copy(update={"phase": "export"})})
    assert (await store.get_run("r1")) == moved


def test_a_run_stored_before_plans_were_typed_still_reads() -> None:
    document = plan().model_dump(mode="json")
    announced = RunRecord.model_validate({"run_id": "r", "plan": {**document, "announced": True}})
    assert (announced.plan, announced.announced) == (plan(), True)
    unplanned = RunRecord.model_validate({"run_id": "r", "plan": {"announced": True}})
    assert (unplanned.plan, unplanned.announced) == (None, True)


# -- tasks -------------------------------------------------------------------------------


def export(chosen: str = "a1") -> ExportParams:
    return ExportParams(
        iteration=1, best_artifact_id=chosen, ranking=[], candidates=[], stop_reason="threshold"
    )


def bundle(name: str = "b1") -> ExportResult:
    return ExportResult(
        bundle_artifact_id=name,
        bundle_sha256="0" * 64,
        bundle_url=f"/blobs/{name}",
        contact_sheet_artifact_id="c1",
        diagram_artifact_id="d1",
        chosen_artifact_id="a1",
        files=["manifest.json"],
    )


def task(task_id: str, **kw: object) -> TaskRecord:
    kw.setdefault("params", export())
    return TaskRecord(task_id=task_id, run_id="r1", tool=Tool.EXPORT, **kw)  # type: ignore[arg-type]


def test_a_task_refuses_params_or_a_result_of_another_tool() -> None:
    with pytest.raises(
        ValueError, match="a generate task carries GenerateParams, not ExportParams"
    ):
        TaskRecord(task_id="t", run_id="r1", tool=Tool.GENERATE, params=export())
    with pytest.raises(ValueError, match="prompt"):  # a dict is read as the tool's model
        TaskRecord.model_validate(
            {"task_id": "t", "run_id": "r1", "tool": "generate", "params": export().model_dump()}
        )


async def test_put_task_is_idempotent_by_task_id(store: RunStore) -> None:
    first = await store.put_task(task("t1", params=export("a1")))
    again = await store.put_task(task("t1", params=export("a999")))
    assert again == first
    assert (await store.get_task("t1")) == first
    assert await store.get_task("nope") is None


async def test_task_status_moves_forward_only(store: RunStore) -> None:
    await store.put_task(task("t1"))
    started = await store.set_task_status("t1", TaskStatus.STARTED)
    assert (started.status, started.attempts) == (TaskStatus.STARTED, 1)
    redelivered = await store.set_task_status("t1", TaskStatus.STARTED)
    assert redelivered.attempts == 2
    done = await store.set_task_status("t1", TaskStatus.COMPLETED, result=bundle("b1"))
    assert (done.status, done.result) == (TaskStatus.COMPLETED, bundle("b1"))
    assert await store.set_task_status("t1", TaskStatus.COMPLETED, result=bundle("b2")) == done
    with pytest.raises(InvalidTransitionError):
        await store.set_task_status("t1", TaskStatus.STARTED)
    with pytest.raises(InvalidTransitionError):
        await store.set_task_status("t1", TaskStatus.FAILED, error="late")
    assert await store.get_task("t1") == done


async def test_a_cache_hit_goes_straight_from_queued_to_cached(store: RunStore) -> None:
    await store.put_task(task("t1"))
    cached = await store.set_task_status("t1", TaskStatus.CACHED, result=bundle())
    assert cached.status == TaskStatus.CACHED
    with pytest.raises(RecordNotFoundError):
        await store.set_task_status("nope", TaskStatus.STARTED)


async def test_list_tasks_keeps_creation_order(store: RunStore) -> None:
    for i in range(4):
        at = T0 + timedelta(seconds=i)
        await store.put_task(task(f"t{i}", created_at=at, updated_at=at))
    await store.put_task(
        TaskRecord(task_id="other", run_id="r2", tool=Tool.EXPORT, params=export())
    )
    assert [t.task_id for t in await store.list_tasks("r1")] == ["t0", "t1", "t2", "t3"]


# -- artifacts and the prompt cache ------------------------------------------------------


def artifact(artifact_id: str, run_id: str = "r1") -> ArtifactRecord:
    return ArtifactRecord(
        artifact_id=artifact_id,
        run_id=run_id,
        sha256="ab" * 32,
        url="file://x",
        size_bytes=10,
        width=64,
        height=64,
        seed=3,
    )


async def test_artifacts_are_registered_once(store: RunStore) -> None:
    first = await store.put_artifact(artifact("a1"))
    assert await store.put_artifact(artifact("a1").model_copy(update={"seed": 9})) == first
    await store.put_artifact(artifact("a2"))
    await store.put_artifact(artifact("b1", run_id="r2"))
    assert [a.artifact_id for a in await store.list_artifacts("r1")] == ["a1", "a2"]
    assert await store.get_artifact("a2") is not None
    assert await store.get_artifact("zz") is None


async def test_the_prompt_cache_keeps_the_first_writer(store: RunStore) -> None:
    assert await store.cached_artifact("h", 1, "local") is None
    first = await store.cache_artifact("h", 1, "local", "a1")
    assert (await store.cache_artifact("h", 1, "local", "a2")).artifact_id == "a1"
    assert await store.cached_artifact("h", 1, "local") == first
    assert await store.cached_artifact("h", 2, "local") is None
    assert await store.cached_artifact("h", 1, "bria") is None


async def test_a_cache_entry_keeps_the_result_a_hit_needs(store: RunStore) -> None:
    result = GenerateResult(
        artifact_key="ab" * 32,
        sha256="ab" * 32,
        url="file:///blobs/ab",
        width=512,
        height=640,
        seed=11,
        prompt_hash="h",
        model="bria-fibo@steps50-cfg5",
        render_report=BriaReport(
            request_id="req-1",
            seed=11,
            structured_prompt={"lighting": {"conditions": "soft key"}},
            timings=ReportTimings(total_ms=812.5),
        ),
        requested_seed=3,
        cost_usd=0.04,
    )
    stored = await store.cache_artifact("h", 3, result.model, "t1-image", result=result)
    assert stored.result == result
    later = await store.cache_artifact("h", 3, result.model, "t2-image", result=None)
    assert later == stored  # the first writer's result too, not only its artifact
    read = await store.cached_artifact("h", 3, result.model)
    assert read is not None
    assert read.result == result
    assert isinstance(read.result.render_report, BriaReport)
    assert read == stored


async def test_the_prompt_cache_lists_every_entry_page_by_page(store: RunStore) -> None:
    keys = [("h2", 1, "local"), ("h1", 10, "local"), ("h1", 9, "local"), ("h1", 9, "bria")]
    for prompt_hash, seed, model in keys:
        await store.cache_artifact(prompt_hash, seed, model, f"a-{prompt_hash}-{seed}-{model}")
    listed: list[tuple[str, int, str]] = []
    after = None
    while page := await store.list_prompt_cache(limit=3, after=after):
        assert len(page) <= 3
        listed += [(e.prompt_hash, e.seed, e.model) for e in page]
        after = page[-1]
    assert sorted(listed) == sorted(keys)  # each once, in an order of the store's own
    with pytest.raises(ValueError, match="limit"):
        await store.list_prompt_cache(limit=0)


async def test_racing_cache_writers_all_see_one_winner(store: RunStore) -> None:
    entries = await asyncio.gather(
        *(store.cache_artifact("h", 7, "local", f"a{i}") for i in range(6))
    )
    assert len({e.artifact_id for e in entries}) == 1


# -- audit -------------------------------------------------------------------------------


async def test_the_audit_log_strips_secrets_and_keeps_order(store: RunStore) -> None:
    await store.append_audit(
        "run.create",
        actor="key:ana",
        run_id="r1",
        details=CallDetails(
            provider="BRIA",
            endpoint="POST /image/generate",
            request={
                "api_key": "sk-123",
                "headers": {"Authorization": "Bearer abc"},
                "store": "mongodb://u:hunter2@db/prolight",
                "note": "auth was Bearer xyz.1",
                "seeds": [1, 2],
            },
        ),
    )
    for i in range(3):
        await store.append_audit(f"step {i}", run_id="r1")
    await store.append_audit("other", run_id="r2")
    entries = await store.list_audit(run_id="r1")
    assert [e.action for e in entries] == ["run.create", "step 0", "step 1", "step 2"]
    assert isinstance(entries[0].details, CallDetails)
    details = entries[0].details.request
    assert details["api_key"] == "[redacted]"
    assert details["headers"] == {"Authorization": "[redacted]"}
    assert details["store"] == "mongodb://u:***@db/prolight"
    assert "xyz" not in details["note"]
    assert details["seeds"] == [1, 2]
    assert len(await store.list_audit()) == 5
    assert len(await store.list_audit(limit=2)) == 2


async def test_the_audit_log_reads_page_by_page_after_an_entry(store: RunStore) -> None:
    for i in range(5):
        await store.append_audit(f"step {i}", run_id="r1" if i % 2 else "r2")
    everything = await store.list_audit()
    pages: list[str] = []
    after = None
    while page := await store.list_audit(limit=2, after=after):
        pages += [e.action for e in page]
        after = page[-1].entry_id
    assert pages == [e.action for e in everything] == [f"step {i}" for i in range(5)]
    first = (await store.list_audit(run_id="r1", limit=1))[0]
    later = await store.list_audit(run_id="r1", after=first.entry_id)
    assert [e.action for e in later] == ["step 3"]


async def test_the_interface_has_no_way_to_change_the_audit_log(store: RunStore) -> None:
    names = {n for n in dir(store) if "audit" in n and not n.startswith("_")}
    assert names == {"append_audit", "put_audit", "list_audit"}
    entry = await store.append_audit("run.created", actor="a", run_id="r1")
    # put_audit stores an entry as it is, once: the same id again changes nothing.
    assert not await store.put_audit(entry.model_copy(update={"action": "run.deleted"}))
    assert await store.list_audit() == [entry]


async def test_put_audit_keeps_an_entrys_id_and_time(store: RunStore) -> None:
    entry = (await store.append_audit("keys.issued", actor="admin")).model_copy(
        update={"entry_id": "00000000000000000001-00001-000001"}
    )
    assert await store.put_audit(entry)
    assert (await store.list_audit())[0] == entry


async def test_ping(store: RunStore) -> None:
    await store.ping()


async def test_a_run_stored_before_prompts_were_typed_reads_back(store: RunStore) -> None:
    """Older documents kept an empty dict for "no prompt yet"."""
    assert RunRecord.model_validate({"run_id": "r0", "prompt": {}, "options": {}}).prompt is None
