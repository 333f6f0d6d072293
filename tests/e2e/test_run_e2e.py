"""A run through the six services as separate processes, over real HTTP and WebSocket.

Submitted to the gateway, watched on the notifier's WebSocket until `run.completed` (awaited
with a timeout, no sleeps), then checked from the outside only: the images download from the
gateway as PNGs, the bundle holds what it promises, and the same run again is served from the
prompt cache.
"""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from typing import Any

import httpx
import pytest
import websockets

from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight_tools.stack import Stack

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RUN_TIMEOUT_S = 120.0
PNG = b"\x89PNG\r\n\x1a\n"
CANDIDATES = 4


def _body(seed: int) -> dict[str, Any]:
    prompt = FiboPrompt(scene=get_preset("rembrandt").setup)
    return {**prompt.model_dump(mode="json"), "num_results": CANDIDATES, "seed": seed}


async def _submit(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/generate/lighting-setup", json=body)
    assert response.status_code == 202, response.text
    accepted: dict[str, Any] = response.json()
    assert accepted["status"] == "created"
    assert accepted["queued_steps"] == 2 * CANDIDATES + 1
    return accepted


async def _watch(ws_url: str) -> list[dict[str, Any]]:
    """Every message of the run's socket until the server closes it after the run's end."""
    messages: list[dict[str, Any]] = []

    async def read() -> None:
        async with websockets.connect(ws_url, max_size=2**22) as socket:
            async for raw in socket:  # ends on the normal close after the terminal event
                messages.append(json.loads(raw))
            assert socket.close_code == 1000

    await asyncio.wait_for(read(), RUN_TIMEOUT_S)
    return messages


def _of(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in messages if m["type"] == kind]


async def _run(client: httpx.AsyncClient, seed: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    accepted = await _submit(client, _body(seed))
    messages = await _watch(accepted["links"]["ws"])
    return accepted, messages


async def test_a_run_goes_through_the_six_processes_and_a_repeat_is_cached(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        accepted, messages = await _run(client, seed=11)
        run_id = accepted["run_id"]

        # The stream: this run only, in order, ending with run.completed at 100 %.
        assert {m["run_id"] for m in messages} == {run_id}
        sequences = [m["sequence"] for m in messages]
        assert sequences == sorted(set(sequences))
        assert messages[0]["type"] == "run.created"
        assert messages[-1]["type"] == "run.completed"
        assert messages[-1]["progress"] == 1.0
        progress = [m["progress"] for m in messages]
        assert progress == sorted(progress)

        # The candidates: four PNGs from the gateway, thumbnails too.
        images = [m for m in _of(messages, "artifact.ready") if m["payload"]["kind"] == "image"]
        assert len(images) == CANDIDATES
        assert sorted(m["payload"]["seed"] for m in images) == [11, 12, 13, 14]
        for image in images:
            data = (await client.get(image["artifact_url"])).content
            assert data.startswith(PNG)
            thumb = await client.get(image["thumbnail_url"])
            assert thumb.status_code == 200
            assert thumb.content.startswith(PNG)

        # The bundle: manifest, contact sheet, diagram and the chosen image.
        completed = messages[-1]["payload"]
        bundle_id = completed["bundle_artifact_id"]
        assert bundle_id
        bundle = (await client.get(f"/api/artifacts/{bundle_id}")).content
        with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
            names = set(archive.namelist())
            assert {"manifest.json", "contact_sheet.png", "diagram.png", "chosen.png"} <= names
            manifest = json.loads(archive.read("manifest.json"))
            assert archive.read("chosen.png").startswith(PNG)
        assert len(manifest["candidates"]) == CANDIDATES
        best = (await client.get(f"/api/artifacts/{completed['best_artifact_id']}")).content
        with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
            assert archive.read("chosen.png") == best

        # The status endpoint agrees.
        status = (await client.get(f"/api/status/{run_id}")).json()
        assert status["status"] == "completed"
        assert status["progress"] == 1.0

        # The same run again: every generate task is answered from the prompt cache.
        _, again = await _run(client, seed=11)
        generated = [m for m in _of(again, "task.completed") if m["payload"]["tool"] == "generate"]
        assert len(generated) == CANDIDATES
        assert {m["payload"]["status"] for m in generated} == {"cached"}
        assert again[-1]["type"] == "run.completed"


async def test_a_late_client_gets_the_whole_history_over_sse(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        accepted, messages = await _run(client, seed=40)
        fresh = (await client.get(f"/api/status/{accepted['run_id']}")).json()
        frames: list[str] = []
        async with (
            asyncio.timeout(RUN_TIMEOUT_S),
            client.stream("GET", fresh["links"]["stream"]) as response,
        ):
            assert response.status_code == 200
            async for line in response.aiter_lines():
                if line.startswith("id: "):
                    frames.append(line.removeprefix("id: "))
    assert [int(f) for f in frames] == [m["sequence"] for m in messages]
