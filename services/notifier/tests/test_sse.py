"""The SSE endpoint on a real nats-server over real HTTP (httpx)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from notifier_testkit import SECRET, NotifierServer, filler, publish_all, run_events

from prolight.platform.bus import Bus
from prolight.platform.tokens import issue_stream_token

pytestmark = pytest.mark.integration

TIMEOUT = 10.0


async def frames(response: httpx.Response) -> AsyncIterator[dict[str, str]]:
    """SSE frames as dicts of field → value; a comment line arrives as {"comment": …}."""
    frame: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line == "":
            if frame:
                yield frame
            frame = {}
        elif line.startswith(":"):
            yield {"comment": line[1:].strip()}
        else:
            name, _, value = line.partition(":")
            frame[name] = value.removeprefix(" ")


async def read_stream(
    client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """Every event frame until the server ends the stream."""
    out = []
    async with asyncio.timeout(TIMEOUT), client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for frame in frames(response):
            if "event" in frame:
                out.append(frame)
    return out


def url(
    server: NotifierServer, run_id: str, token: str | None = "", after: int | None = None
) -> str:
    base = f"{server.http}/api/stream/{run_id}"
    params: dict[str, Any] = {}
    if token is not None:
        params["token"] = token or issue_stream_token(run_id, SECRET)
    if after is not None:
        params["after"] = after
    return str(httpx.URL(base, params=params))


async def test_sse_streams_the_run_in_order_and_ends_after_completion(
    notifier: NotifierServer, bus: Bus
) -> None:
    events = run_events("sse-a", n=2)
    async with httpx.AsyncClient() as client:
        reader = asyncio.create_task(read_stream(client, url(notifier, "sse-a")))
        # The run is published only once the stream is open (it has sent its first line).
        await asyncio.wait_for(_wait_clients(client, notifier, 1), TIMEOUT)
        stored = await publish_all(bus, events)
        got = await reader
    assert [int(f["id"]) for f in got] == [r.sequence for r in stored]
    assert [f["event"] for f in got] == [e.type.value for e in events]
    bodies = [json.loads(f["data"]) for f in got]
    assert [b["event_id"] for b in bodies] == [str(e.event_id) for e in events]
    assert bodies[-1]["progress"] == 1.0


async def _wait_clients(client: httpx.AsyncClient, server: NotifierServer, n: int) -> None:
    # /readyz counts connected clients; polled against the caller's timeout.
    while (await client.get(f"{server.http}/readyz")).json().get("clients", 0) < n:
        await asyncio.sleep(0.02)


async def test_last_event_id_resumes_after_it(notifier: NotifierServer, bus: Bus) -> None:
    events = run_events("sse-r", n=3)
    stored = await publish_all(bus, events)
    resume_after = stored[5].sequence
    async with httpx.AsyncClient() as client:
        got = await read_stream(
            client, url(notifier, "sse-r", after=1), headers={"Last-Event-ID": str(resume_after)}
        )
    assert [int(f["id"]) for f in got] == [r.sequence for r in stored[6:]]


async def test_after_resumes_without_last_event_id(notifier: NotifierServer, bus: Bus) -> None:
    stored = await publish_all(bus, run_events("sse-q", n=2))
    async with httpx.AsyncClient() as client:
        got = await read_stream(client, url(notifier, "sse-q", after=stored[2].sequence))
    assert [int(f["id"]) for f in got] == [r.sequence for r in stored[3:]]


# Tokens are made inside the test (see test_ws.py): a 60-second token made at collection time
# can expire before a long suite gets here.
@pytest.mark.parametrize(
    ("make_token", "status", "code"),
    [
        pytest.param(lambda: None, 401, "unauthorized", id="missing"),
        pytest.param(
            lambda: issue_stream_token("sse-t", SECRET, now=time.time() - 120),
            401,
            "unauthorized",
            id="expired",
        ),
        pytest.param(
            lambda: issue_stream_token("sse-t", SECRET)[:-3] + "xyz",
            401,
            "unauthorized",
            id="tampered",
        ),
        pytest.param(
            lambda: issue_stream_token("someone-else", SECRET), 403, "forbidden", id="other-run"
        ),
    ],
)
async def test_sse_token_failures_are_json_errors(
    notifier: NotifierServer, make_token: Callable[[], str | None], status: int, code: str
) -> None:
    token = make_token()
    async with httpx.AsyncClient() as client:
        response = await client.get(url(notifier, "sse-t", token=token))
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert body["field"] == "token"
    assert body["message"]


async def test_a_bad_last_event_id_is_422(notifier: NotifierServer) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(url(notifier, "sse-t"), headers={"Last-Event-ID": "abc"})
    assert response.status_code == 422
    assert response.json()["field"] == "Last-Event-ID"


async def test_sse_heartbeat_comment(notifier: NotifierServer) -> None:
    async with (
        httpx.AsyncClient() as client,
        asyncio.timeout(TIMEOUT),
        client.stream("GET", url(notifier, "sse-idle")) as response,
    ):
        async for frame in frames(response):
            if frame.get("comment") == "ping":
                break


async def test_a_slow_sse_client_is_told_to_resume(make_notifier: Any, bus: Bus) -> None:
    server: NotifierServer = await make_notifier(
        notifier_client_buffer=2, notifier_heartbeat_s=60, send_buffer=65536
    )
    run_id = "sse-slow"
    events = [filler(run_id, i, size=32_000) for i in range(60)]
    got: list[dict[str, str]] = []
    # A small receive window, so the kernel cannot buffer the whole run for this client.
    transport = httpx.AsyncHTTPTransport(
        socket_options=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)]
    )
    async with (
        httpx.AsyncClient(transport=transport) as client,
        asyncio.timeout(TIMEOUT),
        client.stream("GET", url(server, run_id)) as response,
    ):
        stream = frames(response)
        await anext(stream)  # retry: — the stream is open
        await publish_all(bus, events)  # all published while this client reads nothing
        async for frame in stream:
            if "event" in frame:
                got.append(frame)
    assert got[-1]["event"] == "resume"
    hint = json.loads(got[-1]["data"])
    assert hint["code"] == "too_slow"
    delivered = [int(f["id"]) for f in got[:-1]]
    assert len(delivered) < len(events)
    assert hint["after"] == delivered[-1] if delivered else hint["after"] == 0


async def test_health_and_readiness(notifier: NotifierServer) -> None:
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{notifier.http}/healthz")).json() == {"status": "ok"}
        ready = await client.get(f"{notifier.http}/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
