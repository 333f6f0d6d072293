"""Who may watch a run: the stream token in `?token=` must name exactly that run.

A refusal is the platform's `ApiError` (`prolight.platform.http_errors`) with a stable `code`,
a human `message` and the `field`:

    401 unauthorized  token missing, malformed, tampered with, or expired (WS close 4401)
    403 forbidden     a valid token for another run                       (WS close 4403)
    422 invalid       `after` / `Last-Event-ID` is not a sequence number  (WS close 4422)

Over SSE these are HTTP responses with the JSON body; over a WebSocket the socket is accepted
and closed at once with the close code above and the same JSON as the close reason (browsers
cannot read the status of a refused handshake, but they do get the close code and reason).
"""

from __future__ import annotations

import json

from prolight.contracts.subjects import is_run_id
from prolight.platform.http_errors import ApiError
from prolight.platform.tokens import StreamTokenError, verify_stream_token

__all__ = [
    "WS_CLOSE_OFFSET",
    "check_token",
    "close_code",
    "close_reason",
    "parse_after",
]

WS_CLOSE_OFFSET = 4000
"""WebSocket close code = 4000 + the HTTP status (the 4000–4999 range is the application's)."""

_MAX_CLOSE_REASON_BYTES = 123  # RFC 6455 §5.5: control frame payload ≤ 125, minus the code


def close_code(exc: ApiError) -> int:
    """The WebSocket close code of a refusal (4401, 4403, 4422)."""
    return WS_CLOSE_OFFSET + exc.status


def close_reason(exc: ApiError) -> str:
    """The refusal's JSON body, shortened to what a close frame can carry."""
    for body in (exc.body.model_dump(exclude_none=True), {"code": exc.body.code}):
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        if len(text.encode()) <= _MAX_CLOSE_REASON_BYTES:
            return text
    return ""  # pragma: no cover - codes are short


def check_token(token: str | None, run_id: str, secret: str) -> bool:
    """Raise `ApiError` (401/403) unless `token` opens `run_id`'s stream. Never logs the token.

    Returns whether the token says the run had already ended when it was issued (`finished`,
    `prolight.platform.tokens.issue_stream_token`)."""
    if not is_run_id(run_id):
        raise ApiError("no token opens this run id", status=403, code="forbidden", field="run_id")
    try:
        claims = verify_stream_token(token, run_id, secret)
    except StreamTokenError as exc:
        code = "forbidden" if exc.status == 403 else "unauthorized"
        raise ApiError(exc.reason, status=exc.status, code=code, field="token") from None
    return claims.get("finished") is True


def parse_after(value: str | None, field: str) -> int:
    """A resume point (a stream sequence ≥ 0; absent or empty: 0), else `ApiError` 422."""
    if value is None or value.strip() == "":
        return 0
    try:
        after = int(value)
    except ValueError:
        after = -1
    if after < 0:
        raise ApiError(
            f"{field} must be a sequence number ≥ 0", status=422, code="invalid", field=field
        )
    return after
