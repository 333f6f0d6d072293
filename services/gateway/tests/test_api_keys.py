"""API keys on the gateway: 401 without a key, runs and artifacts private to their owner (404
for anyone else), a per-key rate limit on starting runs (429 + Retry-After), keys off = open."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_utils.app import gateway_settings
from gateway_utils.bodies import readme_body
from gateway_utils.runs import accepted_run, record_run

from prolight.contracts.subjects import EVENTS_STREAM
from prolight.platform.api_keys import KeyFileError, add_key
from prolight.platform.store import ArtifactRecord
from prolight_gateway.access import TokenBucket
from prolight_gateway.app import create_app
from prolight_gateway.resources import Resources

pytestmark = pytest.mark.integration


@dataclass
class KeyedGateway:
    """A gateway with keys on, its stores, and the headers of two issued keys: ana's, ben's."""

    app: Any
    client: httpx.AsyncClient
    resources: Resources
    store: Any
    blobs: Any
    ana: dict[str, str]
    ben: dict[str, str]


@pytest.fixture
async def keyed(nats_server: Any, tmp_path: Path) -> AsyncIterator[KeyedGateway]:
    keys_file = tmp_path / "api-keys"
    # Keys are read at start-up, so they are issued before the lifespan opens.
    ana, ben = add_key(keys_file, "ana"), add_key(keys_file, "ben")
    settings = gateway_settings(nats_server.url, tmp_path).model_copy(
        update={"api_keys_file": keys_file, "generate_rate_per_min": 60.0, "generate_burst": 2}
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield KeyedGateway(
                app,
                client,
                app.state.resources,
                app.state.resources.store,
                app.state.resources.blobs,
                {"X-API-Key": ana},
                {"X-API-Key": ben},
            )


async def test_every_api_route_needs_a_key_but_health_does_not(keyed: KeyedGateway) -> None:
    # Every /api operation the API documents, whichever way its router checks the key.
    operations = [
        (method.upper(), re.sub(r"\{[^}]+\}", "x", path))
        for path, item in keyed.app.openapi()["paths"].items()
        if path.startswith("/api/")
        for method in item
    ]
    assert ("POST", "/api/generate/lighting-setup") in operations
    assert ("POST", "/api/runs/x/refine") in operations
    for method, path in operations:
        r = await keyed.client.request(method, path)
        assert r.status_code == 401, (method, path)
        assert r.json()["code"] == "api_key_missing"

    r = await keyed.client.get("/api/runs", headers={"X-API-Key": "pl_not-a-key-anyone-issued"})
    assert r.status_code == 401
    assert r.json()["code"] == "api_key_invalid"
    assert "pl_not-a-key" not in r.text  # the key is never echoed

    assert (await keyed.client.get("/healthz")).status_code == 200
    assert (await keyed.client.get("/api/presets", headers=keyed.ana)).status_code == 200


async def test_a_run_is_visible_only_to_the_key_that_made_it(keyed: KeyedGateway) -> None:
    r = await keyed.client.post(
        "/api/generate/lighting-setup", json=readme_body(num_results=1), headers=keyed.ana
    )
    assert r.status_code == 202
    run_id = r.json()["run_id"]
    assert (await accepted_run(keyed.resources, run_id)).owner == "ana"
    # Before the planner records it, the run is read from its event: still ana's alone.
    assert (await keyed.client.get(f"/api/status/{run_id}", headers=keyed.ana)).status_code == 200
    assert (await keyed.client.get(f"/api/status/{run_id}", headers=keyed.ben)).status_code == 404
    await record_run(keyed.resources, run_id)
    blob = await keyed.blobs.put(b"\x89PNG fake bytes", "image/png")
    await keyed.store.put_artifact(
        ArtifactRecord(
            artifact_id="art_ana",
            run_id=run_id,
            sha256=blob.key,
            url=blob.url,
            size_bytes=16,
            content_type="application/octet-stream",
        )
    )

    assert (await keyed.client.get(f"/api/status/{run_id}", headers=keyed.ana)).status_code == 200
    assert (await keyed.client.get("/api/artifacts/art_ana", headers=keyed.ana)).status_code == 200
    mine = (await keyed.client.get("/api/runs", headers=keyed.ana)).json()["items"]
    assert [r["run_id"] for r in mine] == [run_id]

    unknown = await keyed.client.get("/api/status/run_nobody", headers=keyed.ben)
    theirs = await keyed.client.get(f"/api/status/{run_id}", headers=keyed.ben)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json()["code"] == unknown.json()["code"] == "not_found"
    cancel = await keyed.client.post(f"/api/runs/{run_id}/cancel", headers=keyed.ben)
    assert cancel.status_code == 404
    art = await keyed.client.get("/api/artifacts/art_ana", headers=keyed.ben)
    assert art.status_code == 404
    assert (await keyed.client.get("/api/runs", headers=keyed.ben)).json()["items"] == []


async def test_starting_runs_too_fast_is_429_per_key(keyed: KeyedGateway) -> None:
    url = "/api/generate/lighting-setup"
    body = readme_body(num_results=1)
    for _ in range(2):  # the burst
        assert (await keyed.client.post(url, json=body, headers=keyed.ana)).status_code == 202

    refused = await keyed.client.post(url, json=body, headers=keyed.ana)

    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    retry_after = int(refused.headers["Retry-After"])
    assert retry_after == 1  # 60 a minute: the next run may start within a second
    published = await keyed.resources.bus.jetstream.stream_info(EVENTS_STREAM)
    assert published.state.messages == 2  # the refused run was never published
    # Another key has its own bucket.
    assert (await keyed.client.post(url, json=body, headers=keyed.ben)).status_code == 202


async def test_with_keys_off_every_caller_sees_every_run(gateway: Any) -> None:
    r = await gateway.client.post("/api/generate/lighting-setup", json=readme_body(num_results=1))
    run_id = r.json()["run_id"]
    assert (await accepted_run(gateway.resources, run_id)).owner == "anonymous"
    # A header is ignored rather than refused: keys are simply off.
    seen = await gateway.client.get(f"/api/status/{run_id}", headers={"X-API-Key": "pl_x"})
    assert seen.status_code == 200


async def test_an_unusable_keys_file_stops_the_gateway_at_start_up(
    nats_server: Any, tmp_path: Path
) -> None:
    keys_file = tmp_path / "api-keys"
    keys_file.write_text("ana not-a-hash\n")
    settings = gateway_settings(nats_server.url, tmp_path).model_copy(
        update={"api_keys_file": keys_file}
    )
    app = create_app(settings)
    with pytest.raises(KeyFileError, match=r"api-keys:1: expected 'OWNER SHA256-HEX'"):
        async with app.router.lifespan_context(app):
            pass


def test_token_bucket_refills_at_its_rate() -> None:
    now = [100.0]
    bucket = TokenBucket(per_min=6.0, burst=2, clock=lambda: now[0])  # one token per 10 s
    assert bucket.take("ana") == 0
    assert bucket.take("ana") == 0
    assert bucket.take("ana") == pytest.approx(10.0)
    now[0] += 4.0
    assert bucket.take("ana") == pytest.approx(6.0)
    now[0] += 6.0
    assert bucket.take("ana") == 0
    assert bucket.take("ben") == 0  # per owner
    now[0] += 1000.0  # refills to the burst, never beyond
    assert [bucket.take("ana") for _ in range(3)][:2] == [0, 0]
