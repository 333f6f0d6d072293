"""GET /api/runs/{run_id}/audit: the owner sees the run's calls and cost; anyone else a 404."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_utils.app import gateway_settings

from prolight.platform.api_keys import add_key
from prolight.platform.store import CallDetails, RunRecord
from prolight_gateway.app import create_app

pytestmark = pytest.mark.integration


@pytest.fixture
async def keyed(
    nats_server: Any, tmp_path: Path
) -> AsyncIterator[tuple[Any, dict[str, str], dict[str, str]]]:
    keys_file = tmp_path / "api-keys"
    ana, ben = add_key(keys_file, "ana"), add_key(keys_file, "ben")
    settings = gateway_settings(nats_server.url, tmp_path).model_copy(
        update={"api_keys_file": keys_file}
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            app.state.client = client
            yield app, {"X-API-Key": ana}, {"X-API-Key": ben}


async def _seed(store: Any) -> None:
    await store.create_run(
        RunRecord(
            run_id="run-a",
            owner="ana",
            costs={
                "t1": {"usd": 0.04, "state": "charged", "request_id": "req-1", "backend": "bria"}
            },
        )
    )
    await store.append_audit(
        "bria.call",
        actor="bria-generator g1",
        run_id="run-a",
        details=CallDetails(
            provider="BRIA",
            endpoint="POST /image/generate",
            request_id="req-1",
            status=202,
            cost_usd=0.04,
            request={"api_token": "never-shown"},
        ),
    )
    other = CallDetails(provider="BRIA", endpoint="x")
    await store.append_audit("bria.call", run_id="run-other", details=other)


async def test_the_owner_sees_the_runs_calls_and_cost(keyed: Any) -> None:
    app, ana, _ = keyed
    await _seed(app.state.resources.store)

    r = await app.state.client.get("/api/runs/run-a/audit", headers=ana)

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["run_id"] == "run-a"
    assert body["cost_usd"] == pytest.approx(0.04)
    assert [e["action"] for e in body["items"]] == ["bria.call"]
    details = body["items"][0]["details"]
    assert details["request_id"] == "req-1"
    assert details["request"]["api_token"] == "[redacted]"
    assert "never-shown" not in r.text


async def test_another_key_and_an_unknown_run_get_404(keyed: Any) -> None:
    app, _, ben = keyed
    await _seed(app.state.resources.store)

    other = await app.state.client.get("/api/runs/run-a/audit", headers=ben)
    unknown = await app.state.client.get("/api/runs/run-nope/audit", headers=ben)
    anonymous = await app.state.client.get("/api/runs/run-a/audit")

    assert other.status_code == 404
    assert unknown.status_code == 404
    assert other.json()["code"] == unknown.json()["code"]  # not yours looks like not there
    assert anonymous.status_code == 401


async def test_the_limit_is_checked(keyed: Any) -> None:
    app, ana, _ = keyed
    await _seed(app.state.resources.store)
    r = await app.state.client.get("/api/runs/run-a/audit?limit=0", headers=ana)
    assert r.status_code == 422
