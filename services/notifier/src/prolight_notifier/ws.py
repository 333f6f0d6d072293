"""`WS /ws/runs/{run_id}?token=…[&after=SEQ]`: a run's events as JSON text frames.

The socket first carries every event of the run after `after` (default 0: the whole history),
then live events, each once and in order (see `prolight_notifier.messages` for the message).
Close codes:

    1000  the run ended (run.completed / failed / cancelled was the last message)
    1011  the run's history could not be read (NATS trouble); reconnect later
    1012  the notifier is restarting; reconnect with after=<last sequence>
    4008  the client fell too far behind; reconnect with after=<last sequence> — the reason is
          JSON `{"code":"too_slow","after":N}`
    4401  token missing, malformed, tampered or expired (reason: JSON `{code, message}`)
    4410  the run had finished (its token says so) and the stream holds none of its events any
          more (expired, or the run deleted): read its final state from
          `GET /api/status/{run_id}` — the reason is `{"code":"run_gone"}`
    4403  token for another run
    4422  `after` is not a sequence number

Heartbeat: the server pings every `PROLIGHT_NOTIFIER_HEARTBEAT_S` seconds (uvicorn's keepalive);
a client that does not answer within max(2 × that, 20 s) is dropped.

Under `python -m prolight_notifier` frames go out through the fast path of
`prolight_notifier.push` (one pre-encoded frame per event, written synchronously to every
socket of the run); under any other ASGI server through `websocket.send_text`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from prolight.platform.bus import BusError
from prolight.platform.http_errors import ApiError
from prolight_notifier.auth import check_token, close_code, close_reason, parse_after
from prolight_notifier.deps import HubDep, SettingsDep
from prolight_notifier.hub import Evicted, RunGone, Subscriber
from prolight_notifier.push import FramePush, frame_push

__all__ = ["CLOSE_ERROR", "CLOSE_GONE", "CLOSE_NORMAL", "CLOSE_TOO_SLOW", "router"]

CLOSE_NORMAL = 1000
CLOSE_ERROR = 1011
CLOSE_TOO_SLOW = 4008
CLOSE_GONE = 4410

log = logging.getLogger(__name__)
router = APIRouter(tags=["stream"])


async def _close(websocket: WebSocket, code: int, reason: str = "") -> None:
    # The peer may be gone already; a close it never reads is not an error.
    with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
        await websocket.close(code, reason)


async def _send(websocket: WebSocket, subscriber: Subscriber) -> tuple[int, str]:
    """Send until the run ends or the client is evicted; returns the close to send.

    The plain ASGI path, for servers without the fast path of `prolight_notifier.push`."""
    while True:
        try:
            message = await subscriber.next()
        except Evicted as exc:
            return CLOSE_TOO_SLOW, _too_slow(exc.last_sequence)
        if message is None:
            continue
        await websocket.send_text(message.text)
        if message.terminal:
            return CLOSE_NORMAL, "run finished"


def _too_slow(last_sequence: int) -> str:
    return json.dumps({"code": "too_slow", "after": last_sequence})


async def _push(push: FramePush, subscriber: Subscriber) -> tuple[int, str]:
    """`_send` without a wake-up per message: the hub's dispatch (and the socket draining
    again) calls `flush`, which writes every queued frame the socket takes right away."""
    outcome: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()

    def flush() -> None:
        if outcome.done():
            return
        if subscriber.evicted:  # also while the socket takes nothing: its queue is dropped
            outcome.set_result((CLOSE_TOO_SLOW, _too_slow(subscriber.last_sequence)))
            return
        # `queued` first: after the one frame of a live event, no second look at the socket.
        while subscriber.queued and push.writable:
            message = subscriber.next_nowait()
            if message is None:
                return
            push.write(message.frame)
            if message.terminal:
                outcome.set_result((CLOSE_NORMAL, "run finished"))
                return

    subscriber.listen(flush)
    push.on_writable = flush
    try:
        flush()  # the backlog
        return await outcome
    finally:
        push.on_writable = None


async def _drain_input(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, to notice it leaving."""
    while True:
        if (await websocket.receive())["type"] == "websocket.disconnect":
            return


@router.websocket("/ws/runs/{run_id}")
async def run_socket(websocket: WebSocket, run_id: str, hub: HubDep, settings: SettingsDep) -> None:
    """Stream one run's events (module docstring)."""
    try:
        finished = check_token(
            websocket.query_params.get("token"),
            run_id,
            settings.stream_token_secret.get_secret_value(),
        )
        after = parse_after(websocket.query_params.get("after"), "after")
    except ApiError as exc:
        await websocket.accept()
        log.info("refused a socket", extra={"run_id": run_id, "code": close_code(exc)})
        await _close(websocket, close_code(exc), close_reason(exc))
        return
    await websocket.accept()
    log.info("socket joined", extra={"run_id": run_id, "after": after})
    try:
        async with hub.subscribe(run_id, after, finished=finished) as subscriber:
            push = frame_push(websocket.scope)
            sender = asyncio.create_task(
                _send(websocket, subscriber) if push is None else _push(push, subscriber)
            )
            reader = asyncio.create_task(_drain_input(websocket))
            try:
                done, _ = await asyncio.wait({sender, reader}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (sender, reader):
                    task.cancel()
                await asyncio.gather(sender, reader, return_exceptions=True)
            if sender in done and sender.exception() is None:
                code, reason = sender.result()
                await _close(websocket, code, reason)
                log.info(
                    "socket closed",
                    extra={"run_id": run_id, "code": code, "last": subscriber.last_sequence},
                )
    except RunGone:
        log.info("socket of a run with no events left", extra={"run_id": run_id})
        await _close(websocket, CLOSE_GONE, json.dumps({"code": "run_gone"}))
    except BusError as exc:
        log.warning("cannot read the run's history: %s", exc, extra={"run_id": run_id})
        await _close(websocket, CLOSE_ERROR, "history unavailable; reconnect later")
