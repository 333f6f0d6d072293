"""POST /api/translate: a description becomes a setup and notes; no run is started."""

from __future__ import annotations

from typing import Any

import pytest

from prolight.domain.schema import FiboPrompt, Role

pytestmark = pytest.mark.integration


async def test_a_description_becomes_a_setup_without_a_run(gateway: Any) -> None:
    body = {"lighting_description": "soft butterfly light, warm tones", "subject": "dancer"}
    r = await gateway.client.post("/api/translate", json=body)

    assert r.status_code == 200, r.text
    out = r.json()
    prompt = FiboPrompt.model_validate(out["prompt"])
    key = prompt.scene.lighting[Role.KEY]
    assert abs(key.direction.azimuth) < 10  # butterfly: the key on the face axis
    assert key.kelvin < 5000  # warm
    assert prompt.scene.subject.description == "dancer"
    assert out["translation"]["preset"] == "butterfly"
    assert out["translation"]["notes"]
    assert (await gateway.resources.store.list_runs()).items == []


async def test_an_empty_description_is_422_named(gateway: Any) -> None:
    r = await gateway.client.post("/api/translate", json={"lighting_description": ""})
    assert r.status_code == 422
    assert r.json()["field"] == "lighting_description"


async def test_run_options_are_not_accepted_here(gateway: Any) -> None:
    body = {"lighting_description": "split light", "num_results": 4}
    r = await gateway.client.post("/api/translate", json=body)
    assert r.status_code == 422
    assert r.json()["field"] == "num_results"
