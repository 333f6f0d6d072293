"""GET /api/presets and /api/presets/{name}."""

from __future__ import annotations

from typing import Any

import pytest

from prolight.domain.presets import PRESETS

pytestmark = pytest.mark.integration


async def test_list(gateway: Any) -> None:
    r = await gateway.client.get("/api/presets")
    assert r.status_code == 200
    assert [p["name"] for p in r.json()] == list(PRESETS)
    assert set(r.json()[0]) == {"name", "title", "description"}


@pytest.mark.parametrize("name", ["rembrandt", "Paramount", "high-key"])
async def test_one_by_any_spelling(gateway: Any, name: str) -> None:
    r = await gateway.client.get(f"/api/presets/{name}")
    assert r.status_code == 200
    assert r.json()["name"] in PRESETS
    assert "key" in r.json()["setup"]["lighting"]


async def test_unknown_is_404_with_the_names(gateway: Any) -> None:
    r = await gateway.client.get("/api/presets/disco")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert r.json()["choices"] == list(PRESETS)
