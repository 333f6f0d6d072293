"""The evaluator service in a whole run (tiny models loaded from files through its settings),
and its /eval endpoints over real HTTP giving the same numbers as the bus path."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from prolight.contracts.subjects import EventType, Tool
from prolight.platform.store import TaskStatus
from prolight_testing.fakes import free_port

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services" / "evaluator" / "tests"))
from evaluator_testkit import build_tiny_weights

pytestmark = pytest.mark.integration


async def test_a_run_scores_with_the_models_and_http_agrees(pipeline: Any, tmp_path: Path) -> None:
    weights = build_tiny_weights(tmp_path / "tiny-models")
    port = free_port()
    pipeline.env.update(weights.env())
    pipeline.env["PROLIGHT_EVALUATOR_HEALTH_PORT"] = str(port)
    pipeline.env["PROLIGHT_EVALUATOR_HOST"] = "127.0.0.1"
    await pipeline.start_all()
    await pipeline.submit("run-eval", num_results=2, seed=5)
    done = await pipeline.finish("run-eval", timeout=90)
    assert done.type == EventType.RUN_COMPLETED, done.payload

    run = await pipeline.store.get_run("run-eval")
    evaluations = [
        t for t in await pipeline.store.list_tasks("run-eval") if t.tool == Tool.EVALUATE
    ]
    assert {t.status for t in evaluations} == {TaskStatus.COMPLETED}
    # The API's socket listens since before the evaluator took its first task: no wait needed.
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for task in evaluations:
            assert task.result is not None
            bus = task.result.model_dump(mode="json")
            assert bus["available"] == ["lighting", "clip"]
            assert set(bus["unavailable"]) == {"lpips", "ssim"}
            assert {"exposure", "ratio", "colour", "weights"} <= set(bus["lighting"])
            form = {
                "artifact_id": bus["artifact_id"],
                "prompt": run.prompt.model_dump_json() if run.prompt else "",
                "candidate_prompt": task.params.prompt.model_dump_json(),
                "measured_ratio_stops": str(task.params.measured_ratio_stops),
            }
            response = await client.post("/eval/ensemble", data=form)  # urlencoded: ids only
            assert response.status_code == 200, response.text
            http = response.json()["scores"][0]
            assert http["lighting"] == bus["lighting"]
            assert http["clip"] == pytest.approx(bus["clip"], abs=1e-5)
            assert http["final"] == pytest.approx(bus["final"], abs=2e-4)
        assert run.prompt is not None
