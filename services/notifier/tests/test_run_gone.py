"""A finished run whose events the stream no longer holds (expired, or the run deleted: here
purged, as `DELETE /api/runs/{id}` does) ends at once with a clear word instead of waiting
forever: SSE `event: gone`, WebSocket close 4410, for a token that says the run had finished
(the status route's). A real nats-server and real sockets."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets
from notifier_testkit import SECRET, NotifierServer, publish_all, run_events
from websockets.exceptions import ConnectionClosed

from prolight.platform.bus import Bus
from prolight.platform.tokens import issue_stream_token

pytestmark = pytest.mark.integration

TIMEOUT = 10.0


async def _purged(bus: Bus, run_id: str) -> None:
    """Publish a whole finished run, then remove its events from the stream."""
    await publish_all(bus, run_events(run_id, n=2))
    await bus.purge_run(run_id)
    assert await bus.history(run_id) == []


async def test_sse_of_a_run_with_no_events_left_says_gone_and_ends(
    notifier: NotifierServer, bus: Bus
) -> None:
    await _purged(bus, "gone-sse")
    token = issue_stream_token("gone-sse", SECRET, finished=True)
    frames: list[str] = []
    async with (
        asyncio.timeout(TIMEOUT),
        httpx.AsyncClient() as client,
        client.stream("GET", f"{notifier.http}/api/stream/gone-sse?token={token}") as response,
    ):
        assert response.status_code == 200
        frames = [line async for line in response.aiter_lines() if line]
    assert "event: gone" in frames
    body = json.loads(frames[frames.index("event: gone") + 1].removeprefix("data: "))
    assert body["code"] == "run_gone"
    assert body["status_url"].endswith("/api/status/gone-sse")


async def test_a_socket_of_a_run_with_no_events_left_closes_4410(
    notifier: NotifierServer, bus: Bus
) -> None:
    await _purged(bus, "gone-ws")
    token = issue_stream_token("gone-ws", SECRET, finished=True)
    url = notifier.ws_url("gone-ws", token=token)
    async with asyncio.timeout(TIMEOUT), websockets.connect(url) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4410
    assert json.loads(closed.value.rcvd.reason) == {"code": "run_gone"}
