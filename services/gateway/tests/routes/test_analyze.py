"""POST /api/analyze/lighting."""

from __future__ import annotations

from typing import Any

import pytest
from gateway_utils.bodies import readme_body

from prolight.domain.presets import PRESETS

pytestmark = pytest.mark.integration


async def test_analysis_of_a_readme_setup(gateway: Any) -> None:
    body = {"lighting_setup": readme_body()["lighting_setup"]}
    r = await gateway.client.post("/api/analyze/lighting", json=body)

    assert r.status_code == 200, r.text
    out = r.json()
    assert out["key_role"] == "key"
    assert out["ratios"]["key_fill"]["stops"] > 0
    assert 1 <= out["rating"]["score"] <= 10
    assert {"ratios", "rating", "colour", "recommendations", "pattern"} <= set(out)


async def test_a_subject_object_carries_the_head_turn_into_the_pattern(gateway: Any) -> None:
    short = PRESETS["short"].setup
    lights = short.model_dump(mode="json", exclude_none=True)["lighting"]
    facing = await gateway.client.post("/api/analyze/lighting", json={"lighting_setup": lights})
    turned = await gateway.client.post(
        "/api/analyze/lighting",
        json={"lighting_setup": lights, "subject": {"head_turn_deg": short.subject.head_turn_deg}},
    )

    assert turned.status_code == facing.status_code == 200, turned.text
    assert turned.json()["pattern"]["name"] == "short"
    assert facing.json()["pattern"]["name"] != "short"


async def test_a_bad_subject_field_is_named_as_typed(gateway: Any) -> None:
    body = {"lighting_setup": {"key": {}}, "subject": {"head_turn_deg": 400}}
    r = await gateway.client.post("/api/analyze/lighting", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "subject.head_turn_deg"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({}, "lighting_setup", id="missing"),
        pytest.param(
            {"lighting_setup": {"key": {"intensity": 7}}},
            "lighting_setup.key.intensity",
            id="range",
        ),
        pytest.param({"lighting_setup": {"key": {}}, "extra": 1}, "extra", id="unknown-field"),
    ],
)
async def test_bad_setup_is_422_named(gateway: Any, body: dict[str, Any], field: str) -> None:
    r = await gateway.client.post("/api/analyze/lighting", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
