"""GET /api/status/{run_id}, GET /api/runs, POST /api/runs/{run_id}/cancel."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from gateway_utils.app import SECRET
from gateway_utils.bodies import readme_body
from gateway_utils.tasks import evaluate_params, evaluated, generate_params, generated, plan

from prolight.contracts.events import RunCancelRequested
from prolight.contracts.subjects import EventType, Tool
from prolight.platform.store import ArtifactRecord, RunRecord, RunStatus, TaskRecord, TaskStatus
from prolight.platform.tokens import verify_stream_token

pytestmark = pytest.mark.integration
SHA = "ab" * 32
T0 = datetime(2026, 1, 1, tzinfo=UTC)
_clock = itertools.count()


def _task(task_id: str, run_id: str, tool: Tool, **kw: Any) -> TaskRecord:
    # An explicit, distinct created_at per task: steps are listed by (created_at, task_id),
    # and tasks stored back to back can share a millisecond.
    at = T0 + timedelta(seconds=next(_clock))
    return TaskRecord(task_id=task_id, run_id=run_id, tool=tool, created_at=at, updated_at=at, **kw)


async def _seed_run(store: Any, run_id: str, status: RunStatus = RunStatus.RUNNING) -> None:
    """A run of 2 candidates (5 planned tasks): both generated, one evaluated, one image."""
    await store.create_run(
        RunRecord(run_id=run_id, parent_run_id="run_parent", options={"num_results": 2})
    )
    run = await store.get_run(run_id)
    await store.update_run(run_id, run.version, {"status": status, "plan": plan(5)})
    for i in range(2):
        await store.put_task(
            _task(f"{run_id}-g{i}", run_id, Tool.GENERATE, params=generate_params())
        )
        await store.set_task_status(f"{run_id}-g{i}", TaskStatus.STARTED)
        await store.set_task_status(f"{run_id}-g{i}", TaskStatus.COMPLETED, result=generated(i))
    await store.put_task(
        _task(f"{run_id}-e0", run_id, Tool.EVALUATE, params=evaluate_params(f"{run_id}-a0"))
    )
    scores = {"final": 0.81, "ratio": 0.9}
    await store.set_task_status(
        f"{run_id}-e0", TaskStatus.COMPLETED, result=evaluated(f"{run_id}-a0", scores)
    )
    await store.put_task(
        _task(f"{run_id}-e1", run_id, Tool.EVALUATE, params=evaluate_params(f"{run_id}-a1"))
    )
    await store.put_artifact(
        ArtifactRecord(
            artifact_id=f"{run_id}-a0",
            run_id=run_id,
            task_id=f"{run_id}-g0",
            sha256=SHA,
            url="file:///x",
            size_bytes=10,
            seed=42,
            width=64,
            height=80,
        )
    )


async def test_status_of_a_seeded_run(gateway: Any) -> None:
    await _seed_run(gateway.resources.store, "run_seeded")

    r = await gateway.client.get("/api/status/run_seeded")

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["run_id"] == "run_seeded"
    # The original README's words, and the finer state beside them.
    assert (body["status"], body["state"]) == ("in_progress", "running")
    assert body["parent_run_id"] == "run_parent"
    assert body["progress"] == pytest.approx(3 / 5)  # 2 generate + 1 evaluate of 5 planned
    assert [(s["id"], s["tool"], s["status"]) for s in body["steps"]] == [
        ("run_seeded-g0", "generate", "completed"),
        ("run_seeded-g1", "generate", "completed"),
        ("run_seeded-e0", "evaluate", "completed"),
        ("run_seeded-e1", "evaluate", "queued"),
    ]
    assert body["steps"][1]["result"] == generated(1).model_dump(mode="json")
    assert body["steps"][1]["result"]["seed"] == 1
    [artifact] = body["artifacts"]
    assert artifact == {
        "id": "run_seeded-a0",
        "url": "http://gateway.test/api/artifacts/run_seeded-a0",
        "type": "png",
        "kind": "image",
        "content_type": "image/png",
        "size_bytes": 10,
        "sha256": SHA,
        "seed": 42,
        "width": 64,
        "height": 80,
        "scores": {"final": 0.81, "ratio": 0.9},
    }
    assert verify_stream_token(body["stream_token"], "run_seeded", SECRET)
    assert body["links"]["ws"].startswith("ws://notifier.test:8001/ws/runs/run_seeded?token=")


async def test_completed_run_is_at_full_progress(gateway: Any) -> None:
    await _seed_run(gateway.resources.store, "run_done", RunStatus.COMPLETED)
    r = await gateway.client.get("/api/status/run_done")
    assert r.json()["progress"] == 1.0


async def test_new_run_has_no_progress(gateway: Any) -> None:
    created = await gateway.client.post("/api/generate/lighting-setup", json=readme_body())
    r = await gateway.client.get(f"/api/status/{created.json()['run_id']}")
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["progress"], r.json()["steps"]) == ("created", 0.0, [])
    # The prompt it was started with, so a client can show (or refine) the setup it ran.
    assert r.json()["prompt"]["schema_version"] == "fibo_v1"
    assert r.json()["prompt"]["scene"]["lighting"]["key"]["intensity"] == 0.8


async def test_status_shows_the_spend_of_calls_not_released(gateway: Any) -> None:
    store = gateway.resources.store
    await store.create_run(RunRecord(run_id="run_paid"))
    run = await store.get_run("run_paid")
    costs = {
        "t1": {"usd": 0.04, "state": "charged", "backend": "bria"},
        "t2": {"usd": 0.04, "state": "submitted", "backend": "bria"},
        "t3": {"usd": 0.04, "state": "released", "backend": "bria"},  # never sent: not spent
    }
    await store.update_run("run_paid", run.version, {"costs": costs})

    r = await gateway.client.get("/api/status/run_paid")

    assert r.json()["cost_usd"] == pytest.approx(0.08)


async def test_unknown_run_is_404(gateway: Any) -> None:
    r = await gateway.client.get("/api/status/run_nope")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert r.json()["field"] == "run_id"


async def test_runs_pages_and_filter(gateway: Any) -> None:
    store = gateway.resources.store
    for i in range(5):
        await store.create_run(RunRecord(run_id=f"run_{i}"))
    for i in (1, 3):
        run = await store.get_run(f"run_{i}")
        await store.update_run(f"run_{i}", run.version, {"status": RunStatus.FAILED})

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        r = await gateway.client.get("/api/runs", params=params)
        assert r.status_code == 200, r.text
        seen += [item["run_id"] for item in r.json()["items"]]
        pages += 1
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [f"run_{i}" for i in (4, 3, 2, 1, 0)]

    r = await gateway.client.get("/api/runs", params={"status": "failed"})
    assert [item["run_id"] for item in r.json()["items"]] == ["run_3", "run_1"]
    assert r.json()["items"][0]["status"] == "failed"


@pytest.mark.parametrize(
    ("cursor", "after"),
    [
        pytest.param("0.run_", [], id="before-everything"),
        pytest.param("999999999999999.zzz", ["run_2", "run_1", "run_0"], id="past-year-9999"),
        pytest.param(f"{int(T0.timestamp() * 1000)}.run_1", ["run_0"], id="made-by-hand"),
    ],
)
async def test_any_cursor_of_the_published_form_is_a_position(
    gateway: Any, cursor: str, after: list[str]
) -> None:
    # The schema publishes the cursor's pattern, so every cursor of that form gets a page.
    store = gateway.resources.store
    for i in range(3):
        await store.create_run(RunRecord(run_id=f"run_{i}", created_at=T0, updated_at=T0))

    r = await gateway.client.get("/api/runs", params={"cursor": cursor})

    assert r.status_code == 200, r.text
    assert [item["run_id"] for item in r.json()["items"]] == after


async def test_in_progress_lists_planning_and_running_runs(gateway: Any) -> None:
    store = gateway.resources.store
    for run_id, state in (("run_a", RunStatus.PLANNING), ("run_b", RunStatus.RUNNING)):
        await store.create_run(RunRecord(run_id=run_id, status=state))
    await store.create_run(RunRecord(run_id="run_c"))  # created

    r = await gateway.client.get("/api/runs", params={"status": "in_progress"})
    items = [(i["run_id"], i["status"], i["state"]) for i in r.json()["items"]]
    assert sorted(items) == [
        ("run_a", "in_progress", "planning"),
        ("run_b", "in_progress", "running"),
    ]
    r = await gateway.client.get("/api/runs", params={"status": "planning"})
    assert [i["run_id"] for i in r.json()["items"]] == ["run_a"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"status": "sleeping"}, "status", id="unknown-status"),
        pytest.param({"limit": 0}, "limit", id="limit-too-small"),
        pytest.param({"cursor": "!!not-ours!!"}, "cursor", id="foreign-cursor"),
        pytest.param({"cursor": ""}, "cursor", id="empty-cursor"),
        pytest.param({"cursor": "1767225600000"}, "cursor", id="cursor-without-key"),
    ],
)
async def test_runs_bad_query_is_422(gateway: Any, params: dict[str, Any], field: str) -> None:
    r = await gateway.client.get("/api/runs", params=params)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field


async def test_cancel_publishes_for_that_run_only(gateway: Any) -> None:
    first = (await gateway.client.post("/api/generate/lighting-setup", json=readme_body())).json()
    second = (await gateway.client.post("/api/generate/lighting-setup", json=readme_body())).json()

    r = await gateway.client.post(f"/api/runs/{first['run_id']}/cancel")

    assert r.status_code == 202, r.text
    assert r.json() == {"run_id": first["run_id"], "status": "cancel_requested"}
    bus = gateway.resources.bus
    cancelled = [e.type for e in await bus.history(first["run_id"], timeout=5)]
    assert cancelled == [EventType.RUN_CREATED, EventType.RUN_CANCEL_REQUESTED]
    events = await bus.history(first["run_id"], timeout=5)
    assert isinstance(events[1].payload, RunCancelRequested)
    untouched = [e.type for e in await bus.history(second["run_id"], timeout=5)]
    assert untouched == [EventType.RUN_CREATED]


async def test_cancel_finished_run_is_409(gateway: Any) -> None:
    await _seed_run(gateway.resources.store, "run_over", RunStatus.COMPLETED)
    r = await gateway.client.post("/api/runs/run_over/cancel")
    assert r.status_code == 409
    assert r.json()["code"] == "run_finished"
    assert await gateway.resources.bus.history("run_over", timeout=5) == []


async def test_cancel_unknown_run_is_404(gateway: Any) -> None:
    r = await gateway.client.post("/api/runs/run_ghost/cancel")
    assert r.status_code == 404


async def test_cancel_with_get_is_405(gateway: Any) -> None:
    r = await gateway.client.get("/api/runs/run_x/cancel")
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"
