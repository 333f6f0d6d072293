"""Short-lived stream tokens: the gateway issues one per run, the notifier checks it.

A token is a JWT signed with HS256 under a secret both services read from their settings
(`PROLIGHT_STREAM_TOKEN_SECRET`; never logged). Its claims: `run_id` (the only run it opens),
`exp` (issue time + `ttl_s`, 60 s by default: the time a client has to *connect*; an open
stream stays open) and `iat`. A missing, malformed, tampered or expired token is 401; a valid
token for another run is 403.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import jwt

from prolight.domain.errors import ProLightError

__all__ = ["DEFAULT_TTL_S", "StreamTokenError", "issue_stream_token", "verify_stream_token"]

DEFAULT_TTL_S = 60.0
_ALGORITHM = "HS256"


@dataclass
class StreamTokenError(ProLightError):
    """Raised when a stream token does not open the asked run; `status` is 401 or 403."""

    status: int
    reason: str

    def __str__(self) -> str:
        return self.reason


def issue_stream_token(
    run_id: str,
    secret: str,
    *,
    ttl_s: float = DEFAULT_TTL_S,
    now: float | None = None,
    finished: bool = False,
) -> str:
    """A token that opens `run_id`'s stream for `ttl_s` seconds from `now` (Unix time).

    `finished`: the run had ended when the token was issued (claim `finished: true`), so a
    stream that finds none of its events has lost them (expired, or the run deleted) and the
    notifier says so at once instead of waiting for the first one."""
    issued = time.time() if now is None else now
    claims: dict[str, Any] = {"run_id": run_id, "iat": int(issued), "exp": int(issued + ttl_s)}
    if finished:
        claims["finished"] = True
    # A standard JWS compact token, signed by hand: PyJWT's encode costs ~80 µs of the
    # gateway's request path; this costs ~10. Verification stays with PyJWT.
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{_HEADER}.{body}".encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{_HEADER}.{body}.{_b64(signature)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


_HEADER = _b64(b'{"alg":"HS256","typ":"JWT"}')


def verify_stream_token(
    token: str | None, run_id: str, secret: str, *, now: float | None = None
) -> dict[str, Any]:
    """The token's claims if it opens `run_id`; else `StreamTokenError` (401 or 403)."""
    if not token:
        raise StreamTokenError(401, "a stream token is required (?token=… from the run's links)")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            options={"require": ["exp", "run_id"], "verify_exp": False},
        )
    except jwt.InvalidTokenError as exc:
        raise StreamTokenError(
            401, "the stream token is not valid (malformed or tampered)"
        ) from exc
    if (time.time() if now is None else now) >= float(claims["exp"]):
        raise StreamTokenError(
            401, "the stream token has expired; ask the run's status for a new one"
        )
    if claims["run_id"] != run_id:
        raise StreamTokenError(403, "the stream token is for another run")
    return claims
