"""POST /api/runs/{run_id}/final: the chosen image rendered again in the final quality."""

from __future__ import annotations

from typing import Any

import pytest
from gateway_utils.runs import accepted_run, seed_parent

from prolight.platform.store import ArtifactRecord, RunStatus

pytestmark = pytest.mark.integration


async def test_the_best_image_is_rendered_again_final_with_its_prompt_and_seed(
    gateway: Any,
) -> None:
    chosen = await seed_parent(gateway.resources.store)
    assert chosen.output.quality == "draft"
    r = await gateway.client.post("/api/runs/run_parent/final")
    assert r.status_code == 202, r.text
    body = r.json()
    assert (body["parent_run_id"], body["parent_artifact_id"], body["seed"]) == (
        "run_parent",
        "run_parent-best",
        42,
    )
    assert body["prompt"]["output"]["quality"] == "final"
    child = await accepted_run(gateway.resources, body["run_id"])
    assert child.parent_run_id == "run_parent"
    assert (child.options.num_results, child.options.seed) == (1, 42)
    assert child.options.reference_artifact_id == "run_parent-best"
    assert child.prompt.output.quality == "final"
    # Only the quality differs from the image it renders again.
    as_drafted = child.prompt.model_copy(
        update={"output": child.prompt.output.model_copy(update={"quality": "draft"})}
    )
    assert as_drafted == chosen


async def test_another_of_the_runs_images_can_be_named(gateway: Any) -> None:
    store = gateway.resources.store
    await seed_parent(store)
    await store.put_artifact(
        ArtifactRecord(
            artifact_id="run_parent-second",
            run_id="run_parent",
            task_id="run_parent-i1-generate-1",
            sha256="ab" * 32,
            url="file:///y",
            size_bytes=1,
            seed=42,
        )
    )
    r = await gateway.client.post(
        "/api/runs/run_parent/final", json={"artifact_id": "run_parent-second"}
    )
    assert r.status_code == 202, r.text
    assert r.json()["parent_artifact_id"] == "run_parent-second"


async def test_refusals_name_the_reason_and_start_nothing(gateway: Any) -> None:
    store = gateway.resources.store
    await seed_parent(store)
    await seed_parent(store, "run_other")
    await seed_parent(store, "run_busy", RunStatus.RUNNING)
    cases = [
        ("/api/runs/run_busy/final", None, 409, "run_not_completed"),
        ("/api/runs/run_nope/final", None, 404, "not_found"),
        ("/api/runs/run_parent/final", {"artifact_id": "run_other-best"}, 404, "not_found"),
        ("/api/runs/run_parent/final", {"artifact_id": "nothing-here"}, 404, "not_found"),
        ("/api/runs/run_parent/final", {"artifact_id": None}, 422, "invalid_input"),
        ("/api/runs/run_parent/final", {"quality": "final"}, 422, "invalid_input"),
    ]
    for path, body, status, code in cases:
        r = await gateway.client.post(path, json=body)
        assert r.status_code == status, (path, body, r.text)
        assert r.json()["code"] == code, (path, body, r.json())
    runs = await store.list_runs(status=None, limit=10, cursor=None)
    assert {run.run_id for run in runs.items} == {"run_parent", "run_other", "run_busy"}
