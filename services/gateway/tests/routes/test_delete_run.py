"""DELETE /api/runs/{run_id}: a finished run's records, events, cache entries and unshared
bytes go; a running run is a 409, another key's run a 404; the audit log records the delete."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_utils.app import SECRET, gateway_settings
from gateway_utils.bodies import readme_body
from gateway_utils.runs import record_run
from gateway_utils.tasks import generate_params, generated

from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import image_artifact_id
from prolight.platform.api_keys import add_key
from prolight.platform.store import ArtifactMeta, ArtifactRecord, RunStatus, TaskRecord
from prolight.platform.tokens import verify_stream_token
from prolight_gateway.app import create_app

pytestmark = pytest.mark.integration


async def _start(gateway: Any, headers: dict[str, str] | None = None) -> str:
    r = await gateway.client.post(
        "/api/generate/lighting-setup", json=readme_body(), headers=headers
    )
    assert r.status_code == 202, r.text
    run_id: str = r.json()["run_id"]
    return run_id


async def _finish_with_image(
    resources: Any, run_id: str, data: bytes, *, cached_from: str | None = None
) -> ArtifactRecord:
    """Record the accepted run as the planner would, give it a generated image (bytes,
    artifact record and, for a fresh image, the generator's cache entry) and complete it."""
    store, blobs = resources.store, resources.blobs
    run = await record_run(resources, run_id)
    task_id = f"{run_id}-g0"
    await store.put_task(
        TaskRecord(task_id=task_id, run_id=run_id, tool=Tool.GENERATE, params=generate_params())
    )
    info = await blobs.put(data, "image/png")
    artifact = await store.put_artifact(
        ArtifactRecord(
            artifact_id=image_artifact_id(task_id),
            run_id=run_id,
            task_id=task_id,
            sha256=info.key,
            url=info.url,
            size_bytes=info.size,
            meta=ArtifactMeta(cached_from=cached_from),
        )
    )
    if cached_from is None:
        result = generated(0).model_copy(update={"sha256": info.key, "artifact_key": info.key})
        await store.cache_artifact("h", len(data), "m", artifact.artifact_id, result=result)
    await store.update_run(run_id, run.version, {"status": RunStatus.COMPLETED})
    return artifact


async def test_delete_removes_the_run_its_events_and_its_own_bytes(gateway: Any) -> None:
    resources = gateway.resources
    first, later = await _start(gateway), await _start(gateway)
    original = await _finish_with_image(resources, first, b"shared image")
    hit = await _finish_with_image(
        resources, later, b"shared image", cached_from=original.artifact_id
    )

    status = (await gateway.client.get(f"/api/status/{first}")).json()
    claims = verify_stream_token(status["stream_token"], first, SECRET)
    assert claims["finished"] is True  # so the notifier says `gone` once its events are

    r = await gateway.client.delete(f"/api/runs/{first}")

    assert r.status_code == 204, r.text
    assert r.content == b""
    assert (await gateway.client.get(f"/api/status/{first}")).status_code == 404
    assert await resources.store.get_run(first) is None
    assert await resources.store.list_tasks(first) == []
    assert await resources.store.list_artifacts(first) == []
    assert await resources.bus.history(first) == []  # no run.created left to revive it
    assert await resources.store.cached_artifact("h", len(b"shared image"), "m") is None
    # The later run's cached image shares the bytes: it still downloads.
    download = await gateway.client.get(f"/api/artifacts/{hit.artifact_id}")
    assert download.status_code == 200
    assert download.content == b"shared image"
    assert [e.action for e in await resources.store.list_audit(run_id=first)] == ["run.deleted"]
    assert (await resources.store.list_audit(run_id=first))[0].actor == "anonymous"
    assert (await gateway.client.delete(f"/api/runs/{first}")).status_code == 404

    assert (await gateway.client.delete(f"/api/runs/{later}")).status_code == 204
    assert not await resources.blobs.exists(hit.sha256)  # the last user gone: no orphan blob
    assert await resources.bus.history(later) == []


async def test_a_run_not_finished_is_a_409_asking_to_cancel_first(gateway: Any) -> None:
    run_id = await _start(gateway)  # accepted, not yet recorded: read from its run.created

    r = await gateway.client.delete(f"/api/runs/{run_id}")

    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "run_not_finished"
    assert f"/api/runs/{run_id}/cancel" in body["message"]
    assert await gateway.resources.bus.created(run_id) is not None  # nothing was deleted


async def test_unknown_and_malformed_runs_are_404s(gateway: Any) -> None:
    assert (await gateway.client.delete("/api/runs/run_nope")).status_code == 404
    assert (await gateway.client.delete("/api/runs/not.a.run")).status_code == 404


@pytest.fixture
async def keyed(nats_server: Any, tmp_path: Path) -> AsyncIterator[tuple[Any, str, str]]:
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
            yield app, ana, ben


async def test_only_the_owner_deletes_and_the_audit_names_them(
    keyed: tuple[Any, str, str],
) -> None:
    app, ana, ben = keyed
    client, resources = app.state.client, app.state.resources
    r = await client.post(
        "/api/generate/lighting-setup", json=readme_body(), headers={"X-API-Key": ana}
    )
    assert r.status_code == 202, r.text
    run_id = r.json()["run_id"]
    await _finish_with_image(resources, run_id, b"ana's image")

    refused = await client.delete(f"/api/runs/{run_id}", headers={"X-API-Key": ben})
    assert refused.status_code == 404  # another key's run is not there, as everywhere
    assert await resources.store.get_run(run_id) is not None

    done = await client.delete(f"/api/runs/{run_id}", headers={"X-API-Key": ana})
    assert done.status_code == 204
    [entry] = await resources.store.list_audit(run_id=run_id)
    assert (entry.action, entry.actor) == ("run.deleted", "ana")
