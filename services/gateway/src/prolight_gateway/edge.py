"""`EdgeMiddleware`: what the gateway does around every HTTP request, in one ASGI layer.

For each request, outermost first:

1. **trace context** — where no span is recorded, the request runs in a span context of its
   own (`prolight.platform.telemetry.request_context`); where spans are, FastAPI's server span does
   it;
2. **log scope** — no run bound at the start, none left bound at the end (`prolight.platform.logs`);
3. **metrics** — the response's status class and time (`prolight.platform.metrics.ResponseMeter`);
4. **last resort** — an exception no handler took is logged once, with the run id, and
   answered 500 `{code: "internal"}`: the client never sees a traceback;
5. **body limit** — a declared `Content-Length` over the limit is answered 413 (with
   `Connection: close`) without passing the request on; a body without one is counted as the
   app reads it, and the read that crosses the limit raises `BodyTooLarge` (an HTTPException,
   so FastAPI's body parsing passes it to our handler instead of answering 400). A declared
   length needs no counting: the server reads no more than it.

   Before that 413 the rest of the body is read and dropped, up to `DRAIN_BYTES` (16 MiB) past
   the limit: most clients (urllib, requests, httpx) write the whole body before they read,
   and a server that closes with unread bytes in its socket makes the kernel send a reset, so
   the client would see "connection reset" / "broken pipe" instead of the answer. A body longer
   still is answered without reading it, and the connection closed; so is one whose client
   sent `Expect: 100-continue` (it waits for our answer before sending the body).

One layer rather than four: every layer costs each request a coroutine per message and a
level on every resumption of its task — measured with callgrind on `bench/bench_gateway.py`'s
request, four layers were 10 % of the gateway's instructions, one is 6 %. FastAPI's own
`max_body_size` is not used: it answers a declared-too-large body with a plain-text 413 of its
own, after our JSON one has been sent.
"""

from __future__ import annotations

import logging

from opentelemetry import context as otel_context
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prolight.contracts.api import ErrorBody
from prolight.platform.http_errors import error_response
from prolight.platform.logs import current_run_id, log_scope
from prolight.platform.metrics import ResponseMeter
from prolight.platform.telemetry import request_context

__all__ = ["DRAIN_BYTES", "BodyTooLarge", "EdgeMiddleware"]

log = logging.getLogger(__name__)

DRAIN_BYTES = 16 * 1024 * 1024
"""How much of a body past the limit is still read (and dropped) so that a client still sending
it gets its 413 rather than a reset (module doc); beyond it the connection is closed."""


class BodyTooLarge(HTTPException):
    """Raised from `receive` when the body read so far is over the limit (the rest of it read
    and dropped, up to `DRAIN_BYTES` more); the 413 closes the connection."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"the request body is larger than {limit} bytes", {"Connection": "close"}
        )


class EdgeMiddleware:
    """The gateway's request edge (module doc): bodies over `max_bytes` are 413, unhandled
    exceptions 500, responses metered as `service`'s, and with `trace_context` each request
    gets a span context of its own."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, trace_context: bool, service: str = "gateway"
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.trace_context = trace_context
        self._meter = ResponseMeter(service)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        metered = self._meter.metering(send)
        token = (
            otel_context.attach(request_context(scope["headers"])) if self.trace_context else None
        )
        try:
            with log_scope():
                try:
                    await self._limited(scope, receive, metered)
                except Exception:
                    await _last_resort(scope, receive, metered, answered=metered.answered)
        except BaseException:  # cancelled, or the 500 itself failed: the server answers 500
            metered.failed()
            raise
        finally:
            if token is not None:
                otel_context.detach(token)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = _content_length(scope["headers"])
        if declared is not None and declared > self.max_bytes:
            if declared <= self.max_bytes + DRAIN_BYTES and not _expects_continue(scope):
                await _drain(receive, self.max_bytes + DRAIN_BYTES)
            body = ErrorBody(
                code="body_too_large",
                message=f"the request body is larger than {self.max_bytes} bytes",
            )
            await error_response(413, body, {"Connection": "close"})(scope, receive, send)
            return
        if declared is None:
            receive = _counting(receive, self.max_bytes)
        await self.app(scope, receive, send)


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _expects_continue(scope: Scope) -> bool:
    return (b"expect", b"100-continue") in scope["headers"]


async def _drain(receive: Receive, bound: int, received: int = 0) -> None:
    """Read and drop the rest of the request body, until its end, a disconnect, or more than
    `bound` bytes in all (`received` of them already read)."""
    while received <= bound:
        message = await receive()
        if message["type"] != "http.request":
            return  # http.disconnect: nothing more will come
        received += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _counting(receive: Receive, limit: int) -> Receive:
    """`receive`, raising `BodyTooLarge` once the body read so far is over `limit` bytes (after
    reading the rest of it, up to `DRAIN_BYTES` more: module doc)."""
    received = 0

    async def counting_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                if message.get("more_body", False):
                    await _drain(receive, limit + DRAIN_BYTES, received)
                raise BodyTooLarge(limit)
        return message

    return counting_receive


async def _last_resort(scope: Scope, receive: Receive, send: Send, *, answered: bool) -> None:
    """Log the exception being handled (with the run id) and answer 500 if still possible."""
    run_id = current_run_id()
    log.exception(
        "unhandled error in %s %s (run %s)",
        scope.get("method"),
        scope.get("path"),
        run_id or "-",
        extra={"run_id": run_id},
    )
    if answered:
        return  # the head is sent; the server closes the truncated response
    body = ErrorBody(code="internal", message="internal error; it has been logged")
    await error_response(500, body)(scope, receive, send)
