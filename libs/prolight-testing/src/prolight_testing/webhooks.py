"""A real HTTP webhook receiver on a loopback port, answering from a script, and the receiver's
side of the signature check, written from docs/decisions/webhooks.md ("Verifying"). For the
gateway's webhook tests and the end-to-end one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from prolight_testing.fakes.server import serve

__all__ = ["Received", "Receiver", "receiver", "verified"]


@dataclass(frozen=True)
class Received:
    """One POST the receiver got, and the status it answered."""

    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    """Answers each POST with the next status of `script` (the last one once it runs out)."""

    script: list[int]
    url: str = ""
    got: list[Received] = field(default_factory=list)

    @property
    def accepted(self) -> list[Received]:
        """The POSTs answered 2xx."""
        return [r for r in self.got if 200 <= r.answered < 300]


@asynccontextmanager
async def receiver(*script: int, path: str = "/hooks/prolight") -> AsyncIterator[Receiver]:
    """A receiver at `http://127.0.0.1:<port><path>` for the block."""
    state = Receiver(list(script))

    async def hook(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if (scope["method"], scope["path"]) != ("POST", path):
            status = 404
        else:
            status = state.script[min(len(state.got), len(state.script) - 1)]
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            state.got.append(Received(headers, body, status))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async with serve(hook) as base:
        state.url = base + path
        yield state


def verified(secret: str, headers: dict[str, str], body: bytes, *, tolerance_s: int = 300) -> bool:
    """The documented recipe: the key is the secret after `whsec_`, base64-decoded; the
    signature is base64(HMAC-SHA256(key, "{id}.{timestamp}." + body)), one of the
    space-separated `v1,` values; the timestamp within 5 minutes of now."""
    webhook_id = headers["prolight-webhook-id"]
    timestamp = headers["prolight-webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance_s:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, given)
        for given in headers["prolight-webhook-signature"].split()
    )
