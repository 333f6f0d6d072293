"""The WebSocket endpoint on a real nats-server and real sockets (websockets client library)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import websockets
from notifier_testkit import (
    SECRET,
    NotifierServer,
    filler,
    publish_all,
    run_events,
    small_window_socket,
)
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed
from websockets.frames import Opcode

from prolight.platform.bus import Bus
from prolight.platform.tokens import issue_stream_token
from prolight_notifier import ws as ws_module

pytestmark = pytest.mark.integration

TIMEOUT = 10.0


async def receive(ws: ClientConnection, count: int) -> list[dict[str, Any]]:
    """The next `count` messages, parsed."""
    async with asyncio.timeout(TIMEOUT):
        return [json.loads(await ws.recv()) for _ in range(count)]


async def receive_until_closed(ws: ClientConnection) -> tuple[list[dict[str, Any]], int, str]:
    """Every message until the server closes; (messages, close code, close reason)."""
    out = []
    async with asyncio.timeout(TIMEOUT):
        try:
            while True:
                out.append(json.loads(await ws.recv()))
        except ConnectionClosed as exc:
            closed = exc
    if closed.rcvd is None:
        pytest.fail("closed without a close frame")
    return out, closed.rcvd.code, closed.rcvd.reason


def sequences(messages: list[dict[str, Any]]) -> list[int]:
    return [m["sequence"] for m in messages]


async def test_events_arrive_in_order_with_progress_then_a_normal_close(
    notifier: NotifierServer, bus: Bus
) -> None:
    events = run_events("run-a", n=2)
    async with websockets.connect(notifier.ws_url("run-a")) as ws:
        stored = await publish_all(bus, events)
        messages, code, _ = await receive_until_closed(ws)
    assert code == 1000
    assert [m["event_id"] for m in messages] == [str(e.event_id) for e in events]
    assert sequences(messages) == [r.sequence for r in stored]
    progress = [m["progress"] for m in messages]
    assert progress == sorted(progress)
    assert progress[-1] == 1.0
    artifact = next(m for m in messages if m["type"] == "artifact.ready")
    assert artifact["artifact_url"].endswith("/api/artifacts/run-a-art-0")
    assert artifact["thumbnail_url"].endswith("/api/artifacts/run-a-art-0?size=256")


async def test_frames_go_out_through_the_push_fast_path(
    notifier: NotifierServer, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_asgi_send(*_: Any) -> tuple[int, str]:
        raise AssertionError("the plain ASGI send path was used")

    monkeypatch.setattr(ws_module, "_send", no_asgi_send)
    events = run_events("run-push", n=3)
    async with websockets.connect(notifier.ws_url("run-push")) as ws:
        stored = await publish_all(bus, events)
        messages, code, _ = await receive_until_closed(ws)
    assert code == 1000
    assert sequences(messages) == [r.sequence for r in stored]


async def test_without_the_fast_path_the_asgi_send_path_delivers_the_same(
    make_notifier: Any, bus: Bus
) -> None:
    server: NotifierServer = await make_notifier(ws="websockets-sansio")
    events = run_events("run-asgi", n=3)
    async with websockets.connect(server.ws_url("run-asgi")) as ws:
        stored = await publish_all(bus, events)
        messages, code, _ = await receive_until_closed(ws)
    assert code == 1000
    assert sequences(messages) == [r.sequence for r in stored]
    assert [m["event_id"] for m in messages] == [str(e.event_id) for e in events]


async def test_a_client_after_the_run_ended_gets_the_history_then_a_normal_close(
    notifier: NotifierServer, bus: Bus
) -> None:
    events = run_events("run-done", n=3)
    await publish_all(bus, events)
    async with websockets.connect(notifier.ws_url("run-done")) as ws:
        messages, code, _ = await receive_until_closed(ws)
    assert code == 1000
    assert [m["event_id"] for m in messages] == [str(e.event_id) for e in events]
    assert messages[-1]["progress"] == 1.0


async def test_resume_after_a_dropped_connection_loses_and_doubles_nothing(
    notifier: NotifierServer, bus: Bus
) -> None:
    events = run_events("run-r", n=4)
    await publish_all(bus, events[:6])
    async with websockets.connect(notifier.ws_url("run-r")) as ws:
        first = await receive(ws, 4)
        ws.transport.abort()  # the network drops: no close handshake
    await publish_all(bus, events[6:12])  # missed while away
    last = first[-1]["sequence"]
    async with websockets.connect(notifier.ws_url("run-r", after=last)) as ws:
        await publish_all(bus, events[12:])  # live after the resume
        rest, code, _ = await receive_until_closed(ws)
    assert code == 1000
    got = first + rest
    assert [m["event_id"] for m in got] == [str(e.event_id) for e in events]
    assert sequences(got) == sorted(set(sequences(got)))


async def test_resume_across_a_notifier_restart(make_notifier: Any, bus: Bus) -> None:
    server: NotifierServer = await make_notifier()
    events = run_events("run-restart", n=3)
    await publish_all(bus, events[:5])
    async with websockets.connect(server.ws_url("run-restart")) as ws:
        await publish_all(bus, events[5:7])
        first = await receive(ws, 7)
        await server.stop()
        _, code, _ = await receive_until_closed(ws)
    assert code == 1012  # service restart: reconnect
    await publish_all(bus, events[7:])  # while the notifier is down
    await server.start()
    async with websockets.connect(server.ws_url("run-restart", after=first[-1]["sequence"])) as ws:
        rest, code, _ = await receive_until_closed(ws)
    assert code == 1000
    assert [m["event_id"] for m in first + rest] == [str(e.event_id) for e in events]


async def test_a_second_notifier_instance_serves_the_same_run(make_notifier: Any, bus: Bus) -> None:
    one: NotifierServer = await make_notifier()
    two: NotifierServer = await make_notifier()
    events = run_events("run-two", n=2)
    async with (
        websockets.connect(one.ws_url("run-two")) as a,
        websockets.connect(two.ws_url("run-two")) as b,
    ):
        await publish_all(bus, events)
        got_a, _, _ = await receive_until_closed(a)
        got_b, _, _ = await receive_until_closed(b)
    assert got_a == got_b
    assert len(got_a) == len(events)


async def test_a_client_only_receives_its_own_run(notifier: NotifierServer, bus: Bus) -> None:
    a, b = run_events("iso-a", n=2), run_events("iso-b", n=2)
    interleaved = [e for pair in zip(a, b, strict=True) for e in pair]
    async with (
        websockets.connect(notifier.ws_url("iso-a")) as wa,
        websockets.connect(notifier.ws_url("iso-b")) as wb,
    ):
        await publish_all(bus, interleaved)
        got_a, _, _ = await receive_until_closed(wa)
        got_b, _, _ = await receive_until_closed(wb)
    assert {m["run_id"] for m in got_a} == {"iso-a"}
    assert {m["run_id"] for m in got_b} == {"iso-b"}
    assert len(got_a) == len(a)
    assert len(got_b) == len(b)


def _tampered(run_id: str) -> str:
    header, claims, signature = issue_stream_token(run_id, SECRET).split(".")
    return f"{header}.{claims}.{signature[:-4]}AAAA"


# Tokens are made inside the test: made at collection time, a 60-second token could expire
# before a long suite reaches this test and turn a 403 case into a 401.
@pytest.mark.parametrize(
    ("make_token", "code", "error"),
    [
        pytest.param(lambda: None, 4401, "unauthorized", id="missing"),
        pytest.param(
            lambda: issue_stream_token("run-t", SECRET, now=time.time() - 120),
            4401,
            "unauthorized",
            id="expired",
        ),
        pytest.param(lambda: _tampered("run-t"), 4401, "unauthorized", id="tampered"),
        pytest.param(lambda: "not-a-jwt", 4401, "unauthorized", id="malformed"),
        pytest.param(
            lambda: issue_stream_token("run-t", "another-secret-of-at-least-32-bytes!!"),
            4401,
            "unauthorized",
            id="wrong-secret",
        ),
        pytest.param(
            lambda: issue_stream_token("other-run", SECRET), 4403, "forbidden", id="other-run"
        ),
    ],
)
async def test_token_failures_close_with_4401_or_4403_and_a_json_reason(
    notifier: NotifierServer, make_token: Callable[[], str | None], code: int, error: str
) -> None:
    url = notifier.ws_url("run-t", token=make_token())
    async with websockets.connect(url) as ws:
        messages, got_code, reason = await receive_until_closed(ws)
    assert messages == []
    assert got_code == code
    body = json.loads(reason)
    assert body["code"] == error
    assert body["message"]


async def test_a_bad_after_closes_with_4422(notifier: NotifierServer) -> None:
    url = notifier.ws_url("run-t") + "&after=-3"
    async with websockets.connect(url) as ws:
        _, code, reason = await receive_until_closed(ws)
    assert code == 4422
    assert json.loads(reason)["field"] == "after"


async def test_a_slow_client_is_evicted_with_4008_and_resumes_losslessly(
    make_notifier: Any, bus: Bus
) -> None:
    server: NotifierServer = await make_notifier(notifier_client_buffer=8, send_buffer=65536)
    run_id = "run-slow"
    events = [filler(run_id, i, size=32_000) for i in range(60)]
    async with (
        websockets.connect(
            server.ws_url(run_id),
            sock=small_window_socket(server.port),
            max_queue=1,  # stop reading from the socket after one buffered message
            max_size=2**20,
        ) as slow,
        websockets.connect(server.ws_url(run_id), max_size=2**20) as fast,
    ):
        fast_reader = asyncio.create_task(receive(fast, len(events)))
        await publish_all(bus, events)
        # The fast client gets everything while the slow one reads nothing.
        fast_got = await fast_reader
        # Now the slow client reads: a prefix of the run, then the eviction close.
        got, code, reason = await receive_until_closed(slow)
    assert sequences(fast_got) == sorted(sequences(fast_got))
    assert code == 4008
    hint = json.loads(reason)
    assert hint["code"] == "too_slow"
    assert 0 < len(got) < len(events)
    assert sequences(got) == sequences(fast_got)[: len(got)]
    assert hint["after"] == got[-1]["sequence"]
    async with websockets.connect(
        server.ws_url(run_id, after=hint["after"]), max_size=2**20
    ) as again:
        rest = await receive(again, len(events) - len(got))
    assert sequences(got + rest) == sequences(fast_got)


class _PingRecorder(ClientConnection):
    pinged: asyncio.Event

    def process_event(self, event: Any) -> None:
        if getattr(event, "opcode", None) is Opcode.PING:
            self.pinged.set()
        super().process_event(event)


async def test_the_server_pings_idle_sockets(notifier: NotifierServer) -> None:
    _PingRecorder.pinged = asyncio.Event()
    async with websockets.connect(notifier.ws_url("run-idle"), create_connection=_PingRecorder):
        await asyncio.wait_for(_PingRecorder.pinged.wait(), TIMEOUT)
