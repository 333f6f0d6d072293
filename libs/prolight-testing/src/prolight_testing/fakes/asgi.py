"""The little ASGI both fakes are written in: read a request, answer JSON or bytes, or misbehave.

`Trouble` is one scripted misbehaviour, written as text so tests read like the contract:

    "429"          429 with `Retry-After: 0` (or "429:<seconds>", "429:-" for none)
    "500", "503"   that status with an error body
    "401", "403"   auth refused (the body echoes the key, as a careless server might)
    "422"          moderation: {"error": {"code", "message", "details"}}
    "slow:<s>"     answer normally after <s> seconds (the client's timeout may fire first)
    "hang"         answer nothing until `release()` (the client's read timeout fires first),
                   then 503
    "drop"         start the answer, then close the connection mid-body
    "accept:<t>"   do the work first (a job is created and would be billed), then play the
                   trouble <t> instead of the answer: "accept:503", "accept:hang", "accept:drop"

Error bodies carry integer codes, `{"error": {"code": 503, "message", "details"}}`, as BRIA's
and Gemini's do.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Answer", "FakeApp", "FakeRequest", "Receive", "Send", "Trouble", "error_body"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

Trouble = str


@dataclass
class FakeRequest:
    """A request as a fake saw it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON (None when empty or not JSON)."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


def error_body(code: int, message: str, details: str = "") -> dict[str, Any]:
    """An error answer's body: `{"error": {"code": <int>, "message", "details"}}`."""
    return {"error": {"code": code, "message": message, "details": details or message}}


@dataclass
class Answer:
    """What to send back: a status, a JSON value or raw bytes, extra headers."""

    status: int = 200
    json_body: Any = None
    raw: bytes | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


class FakeApp:
    """Base of the fakes: `route(request)` names the route, `handle(request)` answers it."""

    def __init__(self) -> None:
        self.requests: list[FakeRequest] = []
        self.script: dict[str, list[Trouble]] = {}
        self._released = asyncio.Event()
        self.hanging = asyncio.Event()
        """Set when a request starts to hang: a test waits on it instead of sleeping."""

    def release(self) -> None:
        """End every hang, now and later (`serve` calls it before shutting the server down)."""
        self._released.set()

    def route(self, request: FakeRequest) -> str:
        """The name of the request's route, for `script` (subclasses)."""
        raise NotImplementedError

    async def handle(self, request: FakeRequest) -> Answer:
        """The normal answer (subclasses)."""
        raise NotImplementedError

    def trouble_answer(self, trouble: Trouble, request: FakeRequest) -> Answer | None:
        """The answer a status trouble gives (None for slow and drop, played elsewhere)."""
        name, _, arg = trouble.partition(":")
        if name == "429":
            headers = {} if arg == "-" else {"retry-after": arg or "0"}
            return Answer(429, error_body(429, "Too many requests"), headers=headers)
        if name in ("500", "502", "503", "504"):
            return Answer(int(name), error_body(int(name), "internal error, try again"))
        if name in ("401", "403"):
            echoed = request.headers.get("api_token") or request.headers.get("x-goog-api-key")
            return Answer(int(name), error_body(int(name), f"invalid key {echoed}"))
        if name == "422":
            return Answer(
                422,
                {
                    "error": {
                        "code": 422,
                        "message": "Content moderation: the prompt was flagged",
                        "details": "prompt_content_moderation: violence",
                    }
                },
            )
        raise ValueError(f"unknown trouble {trouble!r}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = FakeRequest(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode(),
            headers={k.decode().lower(): v.decode() for k, v in scope["headers"]},
            body=body,
        )
        self.requests.append(request)
        queue = self.script.get(self.route(request), [])
        trouble = queue.pop(0) if queue else None
        done: Answer | None = None
        if trouble is not None and trouble.startswith("accept:"):
            done = await self.handle(request)  # the work is done before the trouble plays
            trouble = trouble.removeprefix("accept:")
        if trouble is not None and trouble.startswith("slow:"):
            await asyncio.sleep(float(trouble.partition(":")[2]))
            trouble = None
        if trouble == "hang":
            self.hanging.set()
            await self._released.wait()
            # The client gave up long ago; answer anyway, so the server closes cleanly.
            trouble = None if done is not None else "503"
        if trouble == "drop":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
                }
            )
            partial = b'{"status": "IN_PR'
            await send({"type": "http.response.body", "body": partial, "more_body": True})
            raise ConnectionAbortedError("fake dropped the connection on purpose")
        answer = (
            (self.trouble_answer(trouble, request) if trouble is not None else None)
            or done
            or await self.handle(request)
        )
        payload = answer.raw if answer.raw is not None else json.dumps(answer.json_body).encode()
        headers = [(b"content-type", answer.content_type.encode())]
        headers += [(k.encode(), v.encode()) for k, v in answer.headers.items()]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
