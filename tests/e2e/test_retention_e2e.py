"""Bounded and deletable data on the six services as processes, with a stack of this module's
own whose events stream keeps an event `MAX_AGE_S` seconds (`PROLIGHT_EVENTS_MAX_AGE_S`, read
by every service).

- A finished run's events really expire (the test waits, with a deadline, until the stream
  holds none of them); its status, steps and artifacts are still read from the store, its
  images still download, and the notifier ends its stream with `gone` instead of hanging.
- `DELETE /api/runs/{id}` of a run whose image a later run got from the prompt cache keeps
  that image's bytes; once every run is deleted, no blob and no cache entry is left.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from e2e_kit import finished
from websockets.exceptions import ConnectionClosed

from prolight.contracts.subjects import EVENTS_STREAM
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.bus import Bus
from prolight.platform.store import SqliteRunStore
from prolight_testing.stack import running_stack
from prolight_tools.stack import Stack

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MAX_AGE_S = 15
"""Long enough for each event to reach its consumers on a loaded machine, short enough to wait
out."""
EXPIRY_TIMEOUT_S = 120.0


@pytest.fixture(scope="module")
def short_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Path]]:
    """The six services with `PROLIGHT_EVENTS_MAX_AGE_S=MAX_AGE_S`, and the stack's root."""
    root = tmp_path_factory.mktemp("short-events")
    with running_stack(root, PROLIGHT_EVENTS_MAX_AGE_S=str(MAX_AGE_S)) as running:
        yield running, root


@pytest.fixture
async def bus(short_stack: tuple[Stack, Path]) -> AsyncIterator[Bus]:
    async with await Bus.connect(short_stack[0].nats_url) as b:
        yield b


def _body(seed: int) -> dict[str, Any]:
    prompt = FiboPrompt(scene=get_preset("loop").setup)
    return {**prompt.model_dump(mode="json"), "num_results": 1, "seed": seed}


async def _completed_run(client: httpx.AsyncClient, seed: int) -> str:
    response = await client.post("/api/generate/lighting-setup", json=_body(seed))
    assert response.status_code == 202, response.text
    accepted = response.json()
    last = await finished(accepted["links"]["ws"])
    assert last["type"] == "run.completed", last
    run_id: str = accepted["run_id"]
    return run_id


async def _until_expired(bus: Bus, run_id: str) -> None:
    """Return once the events stream holds none of the run's events (fails past the deadline)."""
    async with asyncio.timeout(EXPIRY_TIMEOUT_S):
        while await bus.history(run_id):
            await asyncio.sleep(0.5)


async def test_a_run_stays_readable_after_its_events_expire(
    short_stack: tuple[Stack, Path], bus: Bus
) -> None:
    stack, _ = short_stack
    info = await bus.jetstream.stream_info(EVENTS_STREAM)
    assert info.config.max_age == MAX_AGE_S  # the setting reached the stream
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        run_id = await _completed_run(client, seed=5)
        await _until_expired(bus, run_id)
        assert await bus.created(run_id) is None

        response = await client.get(f"/api/status/{run_id}")
        assert response.status_code == 200, response.text
        status = response.json()
        assert (status["status"], status["progress"]) == ("completed", 1.0)
        assert status["steps"]
        assert all(s["status"] in ("completed", "cached") for s in status["steps"])
        assert {a["kind"] for a in status["artifacts"]} >= {"image", "bundle"}
        for artifact in status["artifacts"]:
            download = await client.get(artifact["url"])
            assert download.status_code == 200
            assert hashlib.sha256(download.content).hexdigest() == artifact["sha256"]

        # The notifier ends both streams at once: the run's final state is in the status.
        async with client.stream("GET", status["links"]["stream"]) as sse:
            lines = [line async for line in sse.aiter_lines() if line]
        gone = json.loads(lines[lines.index("event: gone") + 1].removeprefix("data: "))
        assert gone["code"] == "run_gone"
        assert gone["status_url"].endswith(f"/api/status/{run_id}")
        async with websockets.connect(status["links"]["ws"]) as socket:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 30)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4410


async def test_deleting_every_run_leaves_no_blob_and_no_cache_entry(
    short_stack: tuple[Stack, Path], bus: Bus
) -> None:
    stack, root = short_stack
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        first = await _completed_run(client, seed=9)
        again = await _completed_run(client, seed=9)  # the same image, from the prompt cache
        kept = (await client.get(f"/api/status/{again}")).json()
        [image] = [a for a in kept["artifacts"] if a["kind"] == "image"]
        [step] = [s for s in kept["steps"] if s["tool"] == "generate"]
        assert step["status"] == "cached"

        assert (await client.delete(f"/api/runs/{first}")).status_code == 204
        assert (await client.get(f"/api/status/{first}")).status_code == 404
        assert await bus.history(first) == []
        # The cached run's image shares the deleted run's bytes: they are still there.
        download = await client.get(image["url"])
        assert download.status_code == 200
        assert hashlib.sha256(download.content).hexdigest() == image["sha256"]

        page = (await client.get("/api/runs", params={"limit": 100})).json()
        for run in page["items"]:  # the other test's run too
            deleted = await client.delete(f"/api/runs/{run['run_id']}")
            assert deleted.status_code == 204, deleted.text
        assert (await client.get("/api/runs")).json()["items"] == []

    blobs = [p for p in (root / "blobs").rglob("*") if p.is_file()]
    assert blobs == [], f"orphan blobs left: {blobs[:5]}"
    async with await SqliteRunStore.open(root / "store.db") as store:
        assert await store.list_prompt_cache() == []
        assert [e.action for e in await store.list_audit(run_id=first)][-1] == "run.deleted"
