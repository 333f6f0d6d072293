"""POST /api/runs/{run_id}/refine: the child run, its diff, the locks and the refusals."""

from __future__ import annotations

from typing import Any

import pytest
from gateway_utils.runs import accepted_run, seed_parent

from prolight.domain.schema import Role
from prolight.platform.store import RunStatus

pytestmark = pytest.mark.integration


async def test_an_instruction_starts_a_child_run_changing_only_what_it_addresses(
    gateway: Any,
) -> None:
    chosen = await seed_parent(gateway.resources.store)
    r = await gateway.client.post(
        "/api/runs/run_parent/refine", json={"instruction": "one stop less fill"}
    )
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["parent_run_id"] == "run_parent"
    assert body["parent_artifact_id"] == "run_parent-best"
    assert body["seed"] == 42
    fill = chosen.scene.lighting[Role.FILL].intensity
    assert body["changes"] == [
        {"path": "lighting.fill.intensity", "before": fill, "after": round(fill / 2, 4)}
    ]
    child = await accepted_run(gateway.resources, body["run_id"])
    assert child.parent_run_id == "run_parent"
    assert child.options.seed == 42
    assert child.options.num_results == 1
    prompt = child.prompt
    assert prompt.metadata.seed == 42
    assert prompt.scene.lighting[Role.KEY] == chosen.scene.lighting[Role.KEY]
    status = await gateway.client.get(f"/api/status/{body['run_id']}")
    assert status.json()["parent_run_id"] == "run_parent"


async def test_a_json_patch_is_applied_and_the_diff_shown(gateway: Any) -> None:
    await seed_parent(gateway.resources.store)
    patch = [
        {"op": "test", "path": "/scene/lighting/key/kelvin", "value": 5600.0},
        {"op": "replace", "path": "/scene/lighting/key/kelvin", "value": 4300},
    ]
    r = await gateway.client.post("/api/runs/run_parent/refine", json={"patch": patch})
    assert r.status_code == 202, r.text
    assert r.json()["changes"] == [
        {"path": "lighting.key.kelvin", "before": 5600.0, "after": 4300.0}
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(
            {"instruction": "one stop less fill", "locked_fields": ["lighting.fill"]},
            "lighting.fill.intensity",
            id="locked-by-the-request",
        ),
        pytest.param(
            {
                "patch": [{"op": "replace", "path": "/scene/camera/aperture", "value": 2.8}],
                "locked_fields": ["camera"],
            },
            "camera.aperture",
            id="patch-on-a-locked-path",
        ),
        pytest.param({"instruction": "please be nicer"}, "instruction", id="not-understood"),
        pytest.param(
            {"patch": [{"op": "replace", "path": "/scene/lighting/key/intensity", "value": 7}]},
            "patch.scene.lighting.key.intensity",
            id="invalid-value",
        ),
        pytest.param({"instruction": "cooler rim"}, "instruction", id="a-light-the-setup-lacks"),
    ],
)
async def test_bad_or_locked_edits_are_422_naming_the_field(
    gateway: Any, body: dict[str, Any], field: str
) -> None:
    await seed_parent(gateway.resources.store)
    r = await gateway.client.post("/api/runs/run_parent/refine", json=body)
    assert r.status_code == 422, r.text
    error = r.json()
    fields = [error.get("field"), *[e["field"] for e in error.get("errors") or []]]
    assert field in fields, error
    runs = await gateway.resources.store.list_runs(status=None, limit=10, cursor=None)
    assert [run.run_id for run in runs.items] == ["run_parent"]  # no child was started


async def test_both_or_neither_edit_is_422(gateway: Any) -> None:
    await seed_parent(gateway.resources.store)
    for body in ({}, {"instruction": "warmer key", "patch": []}):
        r = await gateway.client.post("/api/runs/run_parent/refine", json=body)
        assert r.status_code == 422, r.text


async def test_an_unfinished_parent_is_409_and_an_unknown_one_404(gateway: Any) -> None:
    await seed_parent(gateway.resources.store, "run_busy", RunStatus.RUNNING)
    r = await gateway.client.post("/api/runs/run_busy/refine", json={"instruction": "warmer"})
    assert r.status_code == 409
    assert r.json()["code"] == "run_not_completed"
    r = await gateway.client.post("/api/runs/run_nope/refine", json={"instruction": "warmer"})
    assert r.status_code == 404
