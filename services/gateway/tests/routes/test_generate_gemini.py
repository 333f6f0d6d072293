"""POST /api/generate/natural-language with PROLIGHT_TRANSLATOR=gemini, against the fake Gemini:
Gemini's setup is used, its call is audited on the run, and a failure falls back to the rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_utils.app import gateway_settings
from pydantic import SecretStr

from prolight_gateway.app import create_app
from prolight_testing.fakes import FakeGemini, serve

pytestmark = pytest.mark.integration

KEY = "gemini-gateway-key-5e5e5e5e"
BODY = {"lighting_description": "rembrandt, softbox key camera-right", "num_results": 1}


@pytest.fixture
async def gemini_gateway(
    nats_server: Any, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, FakeGemini]]:
    fake = FakeGemini(api_key=KEY)
    async with serve(fake) as url:
        settings = gateway_settings(nats_server.url, tmp_path).model_copy(
            update={
                "translator": "gemini",
                "gemini_api_key": SecretStr(KEY),
                "gemini_base_url": url,
                "gemini_timeout_s": 2.0,
            }
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as c:
                yield c, fake


async def test_gemini_translates_and_its_call_is_audited(gemini_gateway: Any) -> None:
    client, fake = gemini_gateway
    r = await client.post("/api/generate/natural-language", json=BODY)

    assert r.status_code == 202, r.text
    out = r.json()
    assert out["translation"]["notes"][0] == "translated by Gemini (gemini-2.5-flash)"
    key = out["prompt"]["scene"]["lighting"]["key"]
    assert (key["modifier"], key["direction"]["azimuth"]) == ("softbox", 45)
    assert len(fake.requests) == 1

    audit = await client.get(f"/api/runs/{out['run_id']}/audit")
    assert audit.status_code == 200, audit.text
    (entry,) = audit.json()["items"]
    assert entry["action"] == "gemini.call"
    assert entry["details"]["status"] == 200
    assert entry["details"]["cost_usd"] > 0
    assert KEY not in r.text + audit.text


async def test_a_failing_gemini_falls_back_to_the_rules(gemini_gateway: Any) -> None:
    client, fake = gemini_gateway
    fake.script["generate"] = ["500", "500"]
    r = await client.post("/api/generate/natural-language", json=BODY)

    assert r.status_code == 202, r.text
    translation = r.json()["translation"]
    assert translation["preset"] == "rembrandt"
    assert translation["notes"][0].startswith("Gemini's answer could not be used (Gemini answered")
    audit = await client.get(f"/api/runs/{r.json()['run_id']}/audit")
    assert [e["details"]["status"] for e in audit.json()["items"]] == [500, 500]


def test_gemini_without_a_key_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from prolight.platform.settings import ConfigurationError
    from prolight_gateway.settings import GatewaySettings

    monkeypatch.setenv("PROLIGHT_STREAM_TOKEN_SECRET", "x" * 40)
    monkeypatch.setenv("PROLIGHT_TRANSLATOR", "gemini")
    monkeypatch.setenv("PROLIGHT_LOCAL_DEV", "true")  # keys off
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="GEMINI_API_KEY"):
        GatewaySettings.load()
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    assert GatewaySettings.load().translator == "gemini"
