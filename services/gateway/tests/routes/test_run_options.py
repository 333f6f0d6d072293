"""The run options of every run-starting body are JSON numbers, as the OpenAPI document says."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gateway_utils.bodies import fibo_body, readme_body

pytestmark = pytest.mark.integration

DESCRIBED = {"lighting_description": "soft butterfly light, warm tones"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("/api/generate/natural-language", DESCRIBED, id="natural-language"),
        pytest.param("/api/generate/lighting-setup", readme_body(), id="readme-body"),
        pytest.param("/api/generate/lighting-setup", fibo_body(), id="fibo-prompt"),
    ],
)
@pytest.mark.parametrize(
    "budget", [False, "1", -1, float("inf")], ids=["false", "text", "negative", "infinite"]
)
async def test_a_budget_that_is_not_a_usd_amount_is_422(
    gateway: Any, path: str, body: dict[str, Any], budget: Any
) -> None:
    # json.dumps writes inf as Infinity, which is what a careless client sends
    content = json.dumps({**body, "budget_usd": budget})
    r = await gateway.client.post(
        path, content=content, headers={"content-type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "budget_usd"
