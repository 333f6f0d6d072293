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
    4403  token for another run
    4422  `after` is not a sequence number

Heartbeat: the server pings every `PROLIGHT_NOTIFIER_HEARTBEAT_S` seconds (uvicorn's keepalive);
a client that does not answer within max(2 × that, 20 s) is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from prolight.bus import BusError
from prolight_notifier.auth import ApiError, check_token, parse_after
from prolight_notifier.deps import HubDep, SettingsDep
from prolight_notifier.hub import Evicted, Subscriber

__all__ = ["CLOSE_ERROR", "CLOSE_NORMAL", "CLOSE_TOO_SLOW", "router"]

CLOSE_NORMAL = 1000
CLOSE_ERROR = 1011
CLOSE_TOO_SLOW = 4008

log = logging.getLogger(__name__)
router = APIRouter(tags=["stream"])


async def _close(websocket: WebSocket, code: int, reason: str = "") -> None:
    # The peer may be gone already; a close it never reads is not an error.
    with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
        await websocket.close(code, reason)


async def _send(websocket: WebSocket, subscriber: Subscriber) -> tuple[int, str]:
    """Send until the run ends or the client is evicted; returns the close to send."""
    while True:
        try:
            message = await subscriber.next()
        except Evicted as exc:
            reason = json.dumps({"code": "too_slow", "after": exc.last_sequence})
            return CLOSE_TOO_SLOW, reason
        if message is None:
            continue
        await websocket.send_text(message.text)
        if message.terminal:
            return CLOSE_NORMAL, "run finished"


async def _drain_input(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, to notice it leaving."""
    while True:
        if (await websocket.receive())["type"] == "websocket.disconnect":
            return


@router.websocket("/ws/runs/{run_id}")
async def run_socket(websocket: WebSocket, run_id: str, hub: HubDep, settings: SettingsDep) -> None:
    """Stream one run's events (module docstring)."""
    try:
        check_token(
            websocket.query_params.get("token"),
            run_id,
            settings.stream_token_secret.get_secret_value(),
        )
        after = parse_after(websocket.query_params.get("after"), "after")
    except ApiError as exc:
        await websocket.accept()
        log.info("refused a socket", extra={"run_id": run_id, "code": exc.close_code})
        await _close(websocket, exc.close_code, exc.close_reason())
        return
    await websocket.accept()
    log.info("socket joined", extra={"run_id": run_id, "after": after})
    try:
        async with hub.subscribe(run_id, after) as subscriber:
            sender = asyncio.create_task(_send(websocket, subscriber))
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
    except BusError as exc:
        log.warning("cannot read the run's history: %s", exc, extra={"run_id": run_id})
        await _close(websocket, CLOSE_ERROR, "history unavailable; reconnect later")
