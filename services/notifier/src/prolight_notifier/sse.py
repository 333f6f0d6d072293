"""`GET /api/stream/{run_id}?token=…[&after=SEQ]`: a run's events as Server-Sent Events.

Each event is

    id: <sequence>
    event: <type>            (run.created, task.completed, artifact.ready, …)
    data: <the JSON message of prolight_notifier.messages>

Resume with the `Last-Event-ID` header (browsers send it when they reconnect by themselves;
it wins over `after`). The stream ends after the run's terminal event. A comment line
`: ping` comes every `PROLIGHT_NOTIFIER_HEARTBEAT_S` seconds of silence. A client that falls
too far behind gets

    event: resume
    data: {"code":"too_slow","after":N}

and the stream ends: reconnect with `Last-Event-ID: N` (or `after=N`). A finished run (its
token from the gateway's status says so) whose events the stream no longer holds (expired, or
the run deleted) gets at once

    event: gone
    data: {"code":"run_gone","message":…,"status_url":"<gateway>/api/status/<run_id>"}

and the stream ends: its final state is in the status. Refusals are HTTP 401, 403 or 422 with
the JSON `{code, message, field}` of `prolight_notifier.auth`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse, StreamingResponse

from prolight.platform.bus import BusError
from prolight.platform.http_errors import ApiError, error_response
from prolight_notifier.auth import check_token, parse_after
from prolight_notifier.deps import HubDep, SettingsDep
from prolight_notifier.hub import Evicted, Hub, RunGone

__all__ = ["RETRY_MS", "router"]

RETRY_MS = 2000
"""Reconnection delay suggested to EventSource clients (`retry:`), milliseconds."""

log = logging.getLogger(__name__)
router = APIRouter(tags=["stream"])


def _frame(sequence: int, event_type: str, data: str) -> str:
    return f"id: {sequence}\nevent: {event_type}\ndata: {data}\n\n"


def _gone(exc: RunGone, gateway_url: str) -> str:
    body = {
        "code": "run_gone",
        "message": f"{exc}; its final state is at status_url",
        "status_url": f"{gateway_url}/api/status/{exc.run_id}",
    }
    return f"event: gone\ndata: {json.dumps(body)}\n\n"


async def _events(
    hub: Hub, run_id: str, after: int, heartbeat_s: float, gateway_url: str, *, finished: bool
) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MS}\n\n"  # also flushes the headers to the client at once
    try:
        async with hub.subscribe(run_id, after, finished=finished) as subscriber:
            while True:
                try:
                    message = await subscriber.next(timeout=heartbeat_s)
                except Evicted as exc:
                    hint = json.dumps({"code": "too_slow", "after": exc.last_sequence})
                    yield f"event: resume\ndata: {hint}\n\n"
                    log.info("stream evicted", extra={"run_id": run_id})
                    return
                if message is None:
                    yield ": ping\n\n"
                    continue
                yield _frame(message.sequence, message.type.value, message.text)
                if message.terminal:
                    return
    except RunGone as exc:
        log.info("stream of a run with no events left", extra={"run_id": run_id})
        yield _gone(exc, gateway_url)
    except BusError as exc:
        log.warning("cannot read the run's history: %s", exc, extra={"run_id": run_id})
        error = json.dumps({"code": "unavailable", "message": "history unavailable; retry"})
        yield f"event: error\ndata: {error}\n\n"


@router.get(
    "/api/stream/{run_id}",
    response_class=StreamingResponse,
    response_model=None,
    responses={401: {}, 403: {}, 422: {}},
)
async def run_stream(
    run_id: str,
    hub: HubDep,
    settings: SettingsDep,
    token: Annotated[str | None, Query(description="The run's stream_token.")] = None,
    after: Annotated[str | None, Query(description="Resume after this sequence.")] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse | JSONResponse:
    """Stream one run's events as SSE (module docstring)."""
    try:
        finished = check_token(token, run_id, settings.stream_token_secret.get_secret_value())
        if last_event_id is not None and last_event_id.strip():
            start = parse_after(last_event_id, "Last-Event-ID")
        else:
            start = parse_after(after, "after")
    except ApiError as exc:
        return error_response(exc.status, exc.body)
    log.info("stream joined", extra={"run_id": run_id, "after": start})
    return StreamingResponse(
        _events(
            hub,
            run_id,
            start,
            settings.notifier_heartbeat_s,
            settings.gateway_public_url,
            finished=finished,
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
