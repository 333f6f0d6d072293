"""API keys on the gateway: 401 without a key, runs and artifacts private to their owner (404
for anyone else), keys re-read when their file changes (a key revoked or rotated with `prolight
keys` is refused on the next request; an unusable file keeps the last good keys), a per-key rate
limit on starting runs and translating (429 + Retry-After) that every replica shares through
NATS's key-value store (503 when NATS is gone), keys off = open."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_utils.app import gateway_settings
from gateway_utils.bodies import readme_body
from gateway_utils.runs import accepted_run, record_run
from gateway_utils.waiting import wait_until
from typer.testing import CliRunner

from prolight.contracts.subjects import EVENTS_STREAM
from prolight.platform.api_keys import KeyFileError, add_key, key_hash
from prolight.platform.bus import Bus
from prolight.platform.store import ArtifactRecord
from prolight_gateway.access import RATE_LIMITS_BUCKET, SharedRateLimit, spend
from prolight_gateway.app import create_app
from prolight_gateway.resources import Resources
from prolight_gateway.settings import GatewaySettings
from prolight_tools.cli import app as prolight_cli

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


def keyed_settings(
    nats_url: str, tmp_path: Path, keys_file: Path, **update: Any
) -> GatewaySettings:
    """The tests' gateway with keys on (`keys_file`), a burst of 2 runs refilled at 1 a second."""
    changes = {"api_keys_file": keys_file, "generate_rate_per_min": 60.0, "generate_burst": 2}
    return gateway_settings(nats_url, tmp_path).model_copy(update={**changes, **update})


@asynccontextmanager
async def started(settings: GatewaySettings) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """A gateway app on `settings`, its lifespan run, and a client for it."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield app, client


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    return tmp_path / "api-keys"


@pytest.fixture
async def keyed(nats_server: Any, tmp_path: Path, keys_file: Path) -> AsyncIterator[KeyedGateway]:
    ana, ben = add_key(keys_file, "ana"), add_key(keys_file, "ben")
    async with started(keyed_settings(nats_server.url, tmp_path, keys_file)) as (app, client):
        yield KeyedGateway(
            app,
            client,
            app.state.resources,
            app.state.resources.store,
            app.state.resources.blobs,
            {"X-API-Key": ana},
            {"X-API-Key": ben},
        )


def keys_cli(*args: str) -> str:
    """`prolight keys ARGS`; its stdout (fails the test on a non-zero exit)."""
    result = CliRunner().invoke(prolight_cli, ["keys", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


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


# -- keys changed while the gateway serves ---------------------------------------------------


async def test_a_key_revoked_mid_session_is_refused_on_the_next_request(
    keyed: KeyedGateway, keys_file: Path
) -> None:
    url = "/api/generate/lighting-setup"
    assert (await keyed.client.get("/api/runs", headers=keyed.ana)).status_code == 200

    out = keys_cli("revoke", "ana", "--file", str(keys_file))

    assert out.startswith("revoked\tana\tsha256:")
    for answer in (
        await keyed.client.get("/api/runs", headers=keyed.ana),
        await keyed.client.post(url, json=readme_body(num_results=1), headers=keyed.ana),
    ):
        assert answer.status_code == 401
        assert answer.json()["code"] == "api_key_invalid"
    assert (await keyed.client.get("/api/runs", headers=keyed.ben)).status_code == 200


async def test_rotate_revoke_by_fingerprint_and_new_keys_apply_without_a_restart(
    keyed: KeyedGateway, keys_file: Path
) -> None:
    new_ben = keys_cli("rotate", "ben", "--file", str(keys_file)).strip()
    assert (await keyed.client.get("/api/runs", headers=keyed.ben)).status_code == 401
    assert (await keyed.client.get("/api/runs", headers={"X-API-Key": new_ben})).status_code == 200

    cy = keys_cli("new", "cy", "--file", str(keys_file)).strip()
    assert (await keyed.client.get("/api/runs", headers={"X-API-Key": cy})).status_code == 200

    listed = dict(
        line.split("\t") for line in keys_cli("list", "--file", str(keys_file)).split("\n") if line
    )
    assert set(listed) == {"ana", "ben", "cy"}
    assert listed["cy"] == "sha256:" + key_hash(cy)[:12]
    assert cy not in keys_file.read_text()
    assert new_ben not in keys_cli("list", "--file", str(keys_file))
    keys_cli("revoke", listed["cy"], "--file", str(keys_file))
    assert (await keyed.client.get("/api/runs", headers={"X-API-Key": cy})).status_code == 401
    assert (await keyed.client.get("/api/runs", headers=keyed.ana)).status_code == 200


async def test_a_keys_file_broken_while_serving_keeps_the_last_good_keys(
    keyed: KeyedGateway, keys_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = keys_file.read_text()
    with caplog.at_level(logging.ERROR, logger="prolight.platform.api_keys"):
        keys_file.write_text(good + "cy not-a-hash\n")  # a hand edit gone wrong
        assert (await keyed.client.get("/api/runs", headers=keyed.ana)).status_code == 200
        assert (await keyed.client.get("/api/runs", headers=keyed.ana)).status_code == 200
        [broken] = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert "api-keys:3: expected 'OWNER SHA256-HEX'" in broken.getMessage()
        assert "the 2 keys read last stay in force" in broken.getMessage()  # logged once

        keys_file.unlink()  # gone, e.g. a volume unmounted
        assert (await keyed.client.get("/api/runs", headers=keyed.ben)).status_code == 200
        assert "gone or cannot be reached" in caplog.records[-1].getMessage()

    # Fixed (ana's line only): taken at once.
    keys_file.write_text(good.splitlines()[0] + "\n")
    assert (await keyed.client.get("/api/runs", headers=keyed.ana)).status_code == 200
    assert (await keyed.client.get("/api/runs", headers=keyed.ben)).status_code == 401


async def test_a_secret_volume_update_is_seen_through_its_symlinks(
    nats_server: Any, tmp_path: Path
) -> None:
    # A Kubernetes Secret volume: api-keys → ..data/api-keys, ..data → a timestamped directory
    # that the kubelet replaces by swapping the ..data link atomically.
    mount = tmp_path / "secret"
    first, second = mount / "..2026_01_01", mount / "..2026_01_02"
    first.mkdir(parents=True)
    second.mkdir()
    ana = add_key(first / "api-keys", "ana")
    ben = add_key(second / "api-keys", "ben")
    (mount / "..data").symlink_to(first.name)
    (mount / "api-keys").symlink_to("..data/api-keys")
    settings = keyed_settings(nats_server.url, tmp_path, mount / "api-keys")
    async with started(settings) as (_, client):
        assert (await client.get("/api/runs", headers={"X-API-Key": ana})).status_code == 200
        (mount / "..data_tmp").symlink_to(second.name)
        os.replace(mount / "..data_tmp", mount / "..data")
        assert (await client.get("/api/runs", headers={"X-API-Key": ana})).status_code == 401
        assert (await client.get("/api/runs", headers={"X-API-Key": ben})).status_code == 200


# -- the rate limit, shared ------------------------------------------------------------------


async def test_two_replicas_share_one_rate_limit(
    nats_server: Any, tmp_path: Path, keys_file: Path
) -> None:
    ana, ben = {"X-API-Key": add_key(keys_file, "ana")}, {"X-API-Key": add_key(keys_file, "ben")}
    # One nats-server and one store, two gateway apps: replicas, as behind a Service.
    settings = keyed_settings(
        nats_server.url, tmp_path, keys_file, generate_rate_per_min=1.0, generate_burst=3
    )
    url, body = "/api/generate/lighting-setup", readme_body(num_results=1)
    async with started(settings) as (app_a, a), started(settings) as (_, b):
        for client in (a, b, a):  # the burst, spent across both
            assert (await client.post(url, json=body, headers=ana)).status_code == 202

        for client in (a, b):
            refused = await client.post(url, json=body, headers=ana)
            assert refused.status_code == 429
            assert refused.json()["code"] == "rate_limited"
            assert 55 <= int(refused.headers["Retry-After"]) <= 60  # one a minute
        assert (await b.post(url, json=body, headers=ben)).status_code == 202  # ben's own

        kv = await app_a.state.resources.bus.key_value(RATE_LIMITS_BUCKET)
        assert len(await kv.keys()) == 2  # one entry per owner, in NATS


async def test_translate_and_natural_language_spend_from_the_same_limit(
    nats_server: Any, tmp_path: Path, keys_file: Path
) -> None:
    ana = {"X-API-Key": add_key(keys_file, "ana")}
    settings = keyed_settings(
        nats_server.url, tmp_path, keys_file, generate_rate_per_min=1.0, generate_burst=2
    )
    description = {"lighting_description": "soft butterfly light, warm tones"}
    async with started(settings) as (_, client):
        translated = await client.post("/api/translate", json=description, headers=ana)
        assert translated.status_code == 200
        started_run = await client.post(
            "/api/generate/natural-language", json=description, headers=ana
        )
        assert started_run.status_code == 202

        for path in ("/api/translate", "/api/generate/natural-language"):
            refused = await client.post(path, json=description, headers=ana)
            assert refused.status_code == 429, path
            assert refused.json()["code"] == "rate_limited"
            assert int(refused.headers["Retry-After"]) >= 1


async def test_the_rate_limit_answers_503_when_nats_is_gone(
    stoppable_nats: Any, tmp_path: Path, keys_file: Path
) -> None:
    ana = {"X-API-Key": add_key(keys_file, "ana")}
    async with started(keyed_settings(stoppable_nats.url, tmp_path, keys_file)) as (app, client):
        stoppable_nats.stop()
        bus = app.state.resources.bus
        await wait_until(lambda: not bus.is_connected, timeout=5)
        description = {"lighting_description": "soft butterfly light"}
        for path, body in (
            ("/api/generate/lighting-setup", readme_body(num_results=1)),
            ("/api/translate", description),
        ):
            r = await client.post(path, json=body, headers=ana)
            assert r.status_code == 503, (path, r.text)
            assert r.json()["code"] == "bus_unavailable"


async def test_concurrent_spends_from_many_replicas_take_exactly_the_burst(
    nats_server: Any,
) -> None:
    bus = await Bus.connect(nats_server.url, name="rate-limit-test")
    try:
        kv = await bus.key_value("test-rate-limits")
        replicas = [SharedRateLimit(kv, per_min=0.001, burst=5) for _ in range(4)]
        waits = await asyncio.gather(*(r.take("ana") for r in replicas for _ in range(5)))
    finally:
        await bus.close()
    assert sorted(waits)[:5] == [0.0] * 5  # compare-and-set: never more than the burst
    assert all(w > 0 for w in sorted(waits)[5:])


@pytest.mark.parametrize(
    ("tokens", "at", "now", "expected"),
    [
        pytest.param(2.0, 100.0, 100.0, (0.0, 1.0, 100.0), id="spends-one"),
        pytest.param(0.0, 100.0, 100.0, (10.0, 0.0, 100.0), id="empty-waits-a-token"),
        pytest.param(0.0, 100.0, 104.0, (6.0, 0.4, 104.0), id="refills-by-time"),
        pytest.param(0.0, 100.0, 110.0, (0.0, 0.0, 110.0), id="a-token-after-10-s"),
        pytest.param(1.5, 100.0, 5000.0, (0.0, 1.0, 5000.0), id="never-beyond-the-burst"),
        # Another replica's clock is ahead: time stored never goes back, nothing refills.
        pytest.param(0.5, 100.0, 90.0, (5.0, 0.5, 100.0), id="a-lagging-clock"),
    ],
)
def test_spend_refills_at_its_rate(
    tokens: float, at: float, now: float, expected: tuple[float, float, float]
) -> None:
    # 6 a minute: one token per 10 s; a burst of 2.
    assert spend(tokens, at, now, per_min=6.0, burst=2) == pytest.approx(expected)
