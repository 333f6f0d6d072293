"""`BodyLimitMiddleware`: request bodies over the limit are answered 413 with an ErrorBody.

Two checks, because a client can leave out `Content-Length`: a declared length over the limit
is refused before any byte is read; otherwise the bytes are counted as the app reads them, and
the read that crosses the limit raises `BodyTooLarge` (an HTTPException, so FastAPI passes it
through its body parsing to our handler instead of turning it into a 400).

FastAPI's own `max_body_size` is not used: it answers a declared-too-large body with a plain-text
413 of its own, after our JSON one has been sent.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prolight.api import ErrorBody
from prolight_gateway.errors import error_response

__all__ = ["BodyLimitMiddleware", "BodyTooLarge"]


class BodyTooLarge(HTTPException):
    """Raised from `receive` when the body read so far is over the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class BodyLimitMiddleware:
    """Refuses request bodies larger than `max_bytes` bytes (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            body = ErrorBody(
                code="body_too_large",
                message=f"the request body is larger than {self.max_bytes} bytes",
            )
            await error_response(413, body, {"Connection": "close"})(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counting_receive, send)
