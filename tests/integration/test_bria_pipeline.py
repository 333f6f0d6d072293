"""Runs with PROLIGHT_GENERATOR_BACKEND=bria through the real bus against the fake BRIA:
end to end, the failure modes as the run's events show them, the budget, and the token never
appearing in logs, events, the store, the blobs or the gateway's answers."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from prolight.contracts.events import TaskFailed
from prolight.contracts.subjects import EventType, Tool
from prolight.domain.bria_fibo import DEFAULT_NEGATIVE_PROMPT
from prolight.domain.photoreal import render
from prolight.platform.store import CallDetails, TaskStatus
from prolight_gateway.app import create_app
from prolight_gateway.settings import GatewaySettings
from prolight_testing.fakes import FakeBria, serve

from .conftest import Pipeline, portrait
from .test_generator_kill import start_generator, stop

pytestmark = pytest.mark.integration

TOKEN = "bria-integration-token-4b1d8e"


def bria_env(base_url: str, **extra: str) -> dict[str, str]:
    """The generator on the bria backend, with millisecond pacing."""
    return {
        "PROLIGHT_GENERATOR_BACKEND": "bria",
        "BRIA_API_TOKEN": TOKEN,
        "PROLIGHT_BRIA_BASE_URL": base_url,
        "PROLIGHT_BRIA_POLL_INTERVAL_S": "0.01",
        "PROLIGHT_BRIA_POLL_MAX_INTERVAL_S": "0.02",
        "PROLIGHT_BRIA_RETRY_BASE_S": "0.01",
        "PROLIGHT_BRIA_RETRY_CAP_S": "0.02",
        "PROLIGHT_BRIA_REQUEST_TIMEOUT_S": "2",
        **extra,
    }


@pytest.fixture
async def bria(pipeline: Pipeline) -> AsyncIterator[FakeBria]:
    """The fake BRIA on a loopback port; the pipeline's generator pointed at it."""
    fake = FakeBria(token=TOKEN, image=render(portrait(), 1, 96, 120).png, in_progress_polls=2)
    async with serve(fake) as url:
        pipeline.env.update(bria_env(url))
        yield fake


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_bria_run_completes_and_its_images_carry_brias_seed_and_prompt(
    pipeline: Pipeline, bria: FakeBria
) -> None:
    calls = _metric("prolight_generator_calls_total", backend="bria", outcome="ok")
    spent = _metric("prolight_generator_cost_usd_total", backend="bria")
    await pipeline.start_all()
    await pipeline.submit("run-bria", num_results=2, seed=40)
    done = await pipeline.finish("run-bria", timeout=60)

    assert done.type == EventType.RUN_COMPLETED, done.payload
    images = [a for a in await pipeline.store.list_artifacts("run-bria") if a.kind == "image"]
    assert sorted(a.seed for a in images) == [40, 41]
    for image in images:
        report = image.meta.render_report
        assert report is not None
        assert report.backend == "bria"
        assert report.request_id in bria.jobs
        assert report.seed == image.seed
        assert report.structured_prompt["aesthetics"]["aesthetic_score"] == "very high"
        assert image.model.startswith("bria-fibo@steps50-cfg5-neg")  # FIBO's negative prompt
        assert await pipeline.blobs.get(image.sha256) == bria.image
    assert bria.submits == 2
    for job in bria.jobs.values():  # FIBO's order and default negative prompt, integer guidance
        assert list(json.loads(job.body["structured_prompt"]))[:2] == [
            "short_description",
            "objects",
        ]
        assert job.body["negative_prompt"] == DEFAULT_NEGATIVE_PROMPT
        assert job.body["guidance_scale"] == 5

    tasks = [t for t in await pipeline.store.list_tasks("run-bria") if t.tool == Tool.GENERATE]
    assert [t.result.cost_usd for t in tasks if t.result] == [0.04, 0.04]
    run = await pipeline.store.get_run("run-bria")
    assert run.cost_usd == pytest.approx(0.08)
    audit = await pipeline.store.list_audit(run_id="run-bria")
    endpoints = [e.details.endpoint for e in audit if isinstance(e.details, CallDetails)]
    assert endpoints.count("POST /image/generate") == 2
    assert endpoints.count("GET image_url") == 2
    assert endpoints.count("GET /status/{request_id}") == 6
    assert _metric("prolight_generator_calls_total", backend="bria", outcome="ok") == calls + 2
    assert _metric("prolight_generator_cost_usd_total", backend="bria") == pytest.approx(
        spent + 0.08
    )


async def test_one_generator_keeps_a_runs_bria_jobs_in_flight_together(
    pipeline: Pipeline,
) -> None:
    # BRIA answers nothing until four jobs are in: one job at a time would never finish (and
    # would fail on the poll timeout), four at once finish together.
    fake = FakeBria(
        token=TOKEN, image=render(portrait(), 1, 96, 120).png, in_progress_polls=1,
        hold_until_submits=4,
    )  # fmt: skip
    async with serve(fake) as url:
        pipeline.env.update(
            bria_env(url, PROLIGHT_BRIA_CONCURRENCY="4", PROLIGHT_BRIA_POLL_TIMEOUT_S="20")
        )
        await pipeline.start_all()
        await pipeline.submit("run-together", num_results=4, seed=7)
        done = await pipeline.finish("run-together", timeout=60)

    assert done.type == EventType.RUN_COMPLETED, done.payload
    assert fake.submits == 4
    assert fake.max_in_flight == 4


async def test_a_second_identical_bria_run_is_served_from_the_cache(
    pipeline: Pipeline, bria: FakeBria
) -> None:
    await pipeline.start_all()
    await pipeline.submit("run-b1", num_results=1, seed=5)
    assert (await pipeline.finish("run-b1", timeout=60)).type == EventType.RUN_COMPLETED
    await pipeline.submit("run-b2", num_results=1, seed=5)
    assert (await pipeline.finish("run-b2", timeout=60)).type == EventType.RUN_COMPLETED

    assert bria.submits == 1
    (task,) = [t for t in await pipeline.store.list_tasks("run-b2") if t.tool == Tool.GENERATE]
    assert task.status == TaskStatus.CACHED
    assert task.result.cost_usd == 0.0
    assert (await pipeline.store.get_run("run-b2")).cost_usd == 0


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        pytest.param({"submit": ["401"]}, "BRIA rejected the API token", id="401"),
        pytest.param(
            {"submit": ["422"]},
            "BRIA refused the request: 422: Content moderation: the prompt was flagged",
            id="422-moderation",
        ),
        pytest.param({"status": ["503"] * 10}, "BRIA answered 503", id="5xx-exhausted"),
        pytest.param(
            {"outcome": "ERROR"}, "BRIA could not generate the image: 500: generation", id="error"
        ),
        pytest.param({"outcome": "UNKNOWN"}, "reported status UNKNOWN 3 times", id="unknown"),
    ],
)
async def test_a_bria_failure_fails_the_task_with_a_readable_reason(
    pipeline: Pipeline, bria: FakeBria, setup: dict[str, Any], reason: str
) -> None:
    for route, troubles in setup.items():
        if route == "outcome":
            bria.outcome = troubles
        else:
            bria.script[route] = list(troubles)
    await pipeline.start_all()
    await pipeline.submit("run-fail", num_results=1, seed=1)

    failed = await pipeline.wait_for("run-fail", EventType.TASK_FAILED, timeout=60)
    done = await pipeline.finish("run-fail", timeout=60)

    assert isinstance(failed.payload, TaskFailed)
    assert reason in failed.payload.reason
    assert done.type == EventType.RUN_FAILED
    assert reason in done.payload.reason
    assert (await pipeline.store.get_run("run-fail")).cost_usd == 0  # nothing billed


@pytest.mark.parametrize(
    ("trouble", "cause"),
    [
        pytest.param("accept:503", "BRIA answered 503", id="accepted-then-5xx"),
        pytest.param("accept:hang", "did not answer in time (ReadTimeout)", id="read-timeout"),
    ],
)
async def test_a_submit_bria_may_have_taken_fails_the_task_without_a_second_one(
    pipeline: Pipeline, bria: FakeBria, trouble: str, cause: str
) -> None:
    bria.script["submit"] = [trouble] * 10
    await pipeline.start_all()
    await pipeline.submit("run-doubt", num_results=1, seed=1)

    failed = await pipeline.wait_for("run-doubt", EventType.TASK_FAILED, timeout=60)
    done = await pipeline.finish("run-doubt", timeout=60)

    assert isinstance(failed.payload, TaskFailed)
    assert failed.payload.reason.startswith("BRIA may have accepted the generation request")
    assert cause in failed.payload.reason
    assert "try again later" in failed.payload.reason
    assert done.type == EventType.RUN_FAILED
    assert sum(r.method == "POST" for r in bria.requests) == 1  # one submit, never two
    assert bria.submits == 1
    run = await pipeline.store.get_run("run-doubt")
    assert run.cost_usd == pytest.approx(0.04)  # BRIA may bill it: counted
    assert [c.state for c in run.costs.values()] == ["unconfirmed"]


async def test_the_circuit_breaker_is_reported_in_the_runs_events(
    pipeline: Pipeline, bria: FakeBria
) -> None:
    pipeline.env["PROLIGHT_BRIA_BREAKER_THRESHOLD"] = "2"
    bria.script["status"] = ["500"] * 10
    await pipeline.start_all()
    await pipeline.submit("run-breaker", num_results=1, seed=1)

    failed = await pipeline.wait_for("run-breaker", EventType.TASK_FAILED, timeout=60)

    assert "circuit breaker is open" in failed.payload.reason
    assert len(bria.requests) == 1 + 2  # the submit, then two polls that opened it


async def test_the_budget_stops_generation_with_budget_exhausted(
    pipeline: Pipeline, bria: FakeBria
) -> None:
    await pipeline.start_all()
    await pipeline.submit("run-budget", num_results=3, seed=1, budget_usd=0.05)

    failed = await pipeline.wait_for("run-budget", EventType.TASK_FAILED, timeout=60)
    await pipeline.finish("run-budget", timeout=60)

    assert failed.payload.reason.startswith("budget_exhausted: ")
    assert bria.submits == 1
    run = await pipeline.store.get_run("run-budget")
    assert run.cost_usd == pytest.approx(0.04)
    actions = [e.action for e in await pipeline.store.list_audit(run_id="run-budget")]
    assert "budget.exhausted" in actions


async def test_the_token_appears_nowhere(
    pipeline: Pipeline, bria: FakeBria, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    await pipeline.start_all()
    await pipeline.submit("run-ok", num_results=1, seed=3)
    assert (await pipeline.finish("run-ok", timeout=60)).type == EventType.RUN_COMPLETED
    bria.script["submit"] = ["401"]  # the fake echoes the token back in its error body
    await pipeline.submit("run-401", num_results=1, seed=4)
    assert (await pipeline.finish("run-401", timeout=60)).type == EventType.RUN_FAILED
    bria.script["submit"] = ["422"]
    await pipeline.submit("run-422", num_results=1, seed=5)
    assert (await pipeline.finish("run-422", timeout=60)).type == EventType.RUN_FAILED
    await pipeline.stop_all()
    run_ids = ("run-ok", "run-401", "run-422")

    # The fake did get the token, where it belongs (and echoed it once).
    assert any(r.headers.get("api_token") == TOKEN for r in bria.requests)

    seen: dict[str, str] = {"logs": caplog.text}
    seen["log args"] = repr([(r.msg, r.args) for r in caplog.records])
    for run_id in run_ids:
        events = await pipeline.bus.history(run_id)
        assert events
        seen[f"events {run_id}"] = "".join(e.model_dump_json() for e in events)
        run = await pipeline.store.get_run(run_id)
        seen[f"run {run_id}"] = run.model_dump_json()
        seen[f"tasks {run_id}"] = repr(await pipeline.store.list_tasks(run_id))
        seen[f"audit {run_id}"] = repr(await pipeline.store.list_audit(run_id=run_id))
    errors = [t.error for r in run_ids for t in await pipeline.store.list_tasks(r) if t.error]
    assert len(errors) == 2
    seen["errors"] = repr(errors)
    # The store's files, byte for byte (SQLite and its WAL), and every blob.
    for path in tmp_path.rglob("*"):
        if path.is_file():
            seen[str(path)] = path.read_bytes().decode("latin-1")

    settings = GatewaySettings(
        nats_url=pipeline.env["PROLIGHT_NATS_URL"],
        store_url=pipeline.env["PROLIGHT_STORE_URL"],
        blob_url=pipeline.env["PROLIGHT_BLOB_URL"],
        stream_token_secret="secret-of-the-gateway-in-this-test-32-bytes",  # type: ignore[arg-type]
        local_dev=True,  # keys off
        gateway_metrics_port=0,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as client:
            for run_id in run_ids:
                for path in (f"/api/status/{run_id}", f"/api/runs/{run_id}/audit"):
                    r = await client.get(path)
                    assert r.status_code == 200, (path, r.text)
                    seen[path] = r.text
            seen["/api/runs"] = (await client.get("/api/runs")).text

    leaks = [where for where, text in seen.items() if TOKEN in text]
    assert leaks == []
    assert "BRIA rejected the API token" in seen["errors"]
    assert "req-0001" in seen["/api/runs/run-ok/audit"]


@pytest.mark.slow
async def test_a_generator_killed_while_polling_never_submits_twice(
    pipeline: Pipeline, bria: FakeBria, tmp_path: Path
) -> None:
    bria.in_progress_polls = 10_000  # BRIA keeps working until the first generator is dead
    env = {**pipeline.env, "PROLIGHT_ACK_WAIT_S": "2", "PROLIGHT_INSTANCE_ID": "gen-first"}
    log = tmp_path / "generator.log"
    for name in ("planner", "storage", "evaluator"):
        await pipeline.start(name)
    first = start_generator(env, log)
    second = None
    try:
        await pipeline.submit("run-kill", num_results=1, seed=9)
        await asyncio.wait_for(bria.polled.wait(), 30)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        bria.in_progress_polls = 0  # the job is done by the time anyone asks again
        second = start_generator({**env, "PROLIGHT_INSTANCE_ID": "gen-second"}, log)
        done = await pipeline.finish("run-kill", timeout=60)
    finally:
        stop(first)
        if second is not None:
            stop(second)

    assert done.type == EventType.RUN_COMPLETED, (done.payload, log.read_text()[-3000:])
    assert bria.submits == 1
    run = await pipeline.store.get_run("run-kill")
    assert run.cost_usd == pytest.approx(0.04)
    assert run.costs["run-kill-i1-generate-0"].request_id == "req-0001"
    assert "resuming BRIA request req-0001" in log.read_text()
