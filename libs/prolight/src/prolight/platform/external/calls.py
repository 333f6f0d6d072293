"""One HTTP exchange with a provider: timed, its failures mapped, remembered for the audit log.

`send(...)` makes the request and returns the response with its latency; httpx's own errors
become `Unavailable` (timeouts, refused or dropped connections) with a message that names what
happened but never the request's headers: `Unreachable` when no connection was made, so the
provider provably never saw the request. `raise_for_status(...)` turns a non-2xx answer into
the most specific `ExternalError`. `CallRecord` is what the audit log keeps of a call: endpoint,
provider request id, HTTP status, latency, estimated cost and short summaries of what was sent
and received, never a secret and never a whole prompt or image.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from prolight.platform.external.errors import (
    AuthRejected,
    ContentRejected,
    ExternalError,
    RateLimited,
    RequestRejected,
    Unavailable,
    Unreachable,
)
from prolight.platform.external.retry import parse_retry_after
from prolight.platform.store.records import CallDetails
from prolight.platform.store.redact import REDACTED, strip_secrets

__all__ = [
    "MAX_REASON_CHARS",
    "CallRecord",
    "provider_message",
    "raise_for_status",
    "scrub",
    "send",
    "url_summary",
]

MAX_REASON_CHARS = 300
"""Longest provider text passed on in a reason, in characters."""


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every secret replaced by `[redacted]` (secrets shorter than 4 are ignored:
    replacing them would mangle ordinary text and they are no real secret)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"


def provider_message(response: httpx.Response, secrets: Iterable[str | None] = ()) -> str:
    """The human part of an error answer (`error.message`, `message`, `detail`, or the text),
    shortened and scrubbed of `secrets`."""
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    parts: list[str] = []
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            for key in ("code", "message", "details", "detail", "status"):
                value = error.get(key)
                if value not in (None, "", [], {}):
                    parts.append(value if isinstance(value, str) else str(value))
        elif isinstance(error, str):
            parts.append(error)
    elif isinstance(body, str):
        parts.append(body)
    return scrub(_short(": ".join(parts) or response.reason_phrase), list(secrets))


def raise_for_status(
    response: httpx.Response, provider: str, secrets: Iterable[str | None] = ()
) -> None:
    """Raise the `ExternalError` a non-2xx answer means (module doc); return on 2xx."""
    status = response.status_code
    if 200 <= status < 300:
        return
    secrets = list(secrets)
    if status in (401, 403):
        raise AuthRejected(f"{provider} rejected the API token", status=status)
    detail = provider_message(response, secrets)
    if status == 429:
        raise RateLimited(
            f"{provider} is rate limiting us (429): {detail}",
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )
    if status == 422:
        raise ContentRejected(f"{provider} refused the request: {detail}", status=status)
    if status == 408 or status >= 500:
        raise Unavailable(f"{provider} answered {status}: {detail}", status=status)
    raise RequestRejected(f"{provider} refused the request ({status}): {detail}", status=status)


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    provider: str,
    headers: Mapping[str, str] | None = None,
    json: Any = None,
    timeout: float | None = None,
    follow_redirects: bool = False,
) -> tuple[httpx.Response, float]:
    """Make one request; return the response (any status) and its latency in milliseconds.

    Redirects are not followed unless asked: httpx drops `Authorization` on a redirect to
    another host, but not a provider's own key header (`api_token`, `x-goog-api-key`).

    Raises `Unavailable` when no complete answer arrived (timeout, connection refused or
    dropped); the message names the provider and the failure, not the URL's query or headers.
    It is `Unreachable` when no connection was made (refused, connect or pool timeout): then
    not one byte of the request was sent. Any other failure may come after the provider got
    the whole request.
    """
    clock = time.perf_counter()
    try:
        response = await client.request(
            method,
            url,
            headers=dict(headers or {}),
            json=json,
            timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            follow_redirects=follow_redirects,
        )
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        # Raised before a request byte is written: httpcore connects (TCP and TLS) first.
        raise Unreachable(f"{provider} could not be reached ({type(exc).__name__})") from exc
    except httpx.TimeoutException as exc:
        raise Unavailable(f"{provider} did not answer in time ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        # ConnectError, RemoteProtocolError (dropped mid-answer), ReadError, …
        raise Unavailable(f"{provider} connection failed ({type(exc).__name__})") from exc
    return response, (time.perf_counter() - clock) * 1000


@dataclass
class CallRecord:
    """One external call as the audit log keeps it (module doc). Times are milliseconds,
    costs USD."""

    provider: str
    endpoint: str
    status: int | None = None
    outcome: str = "ok"
    latency_ms: float = 0.0
    request_id: str | None = None
    cost_usd: float = 0.0
    request: dict[str, Any] = field(default_factory=dict)
    response: dict[str, Any] = field(default_factory=dict)

    def failed(self, error: ExternalError) -> CallRecord:
        """This record, marked with the error's outcome and status."""
        self.outcome = f"{type(error).__name__}: {error}"
        if self.status is None:
            self.status = error.status
        return self

    def details(
        self, secrets: Iterable[str | None] = (), task_id: str | None = None
    ) -> CallDetails:
        """The audit entry's details, secrets stripped by key and scrubbed by value."""
        secrets = list(secrets)
        raw = {
            "provider": self.provider,
            "endpoint": self.endpoint,
            "status": self.status,
            "outcome": self.outcome,
            "latency_ms": round(self.latency_ms, 1),
            "request_id": self.request_id,
            "cost_usd": self.cost_usd,
            "request": self.request,
            "response": self.response,
            "task_id": task_id,
        }
        return CallDetails.model_validate(_scrub_all(strip_secrets(raw), secrets))


def _scrub_all(value: Any, secrets: list[str | None]) -> Any:
    if isinstance(value, dict):
        return {k: _scrub_all(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_all(v, secrets) for v in value]
    if isinstance(value, str):
        return scrub(value, secrets)
    return value


def url_summary(url: str) -> str:
    """`url` without its query and fragment: pre-signed download links carry credentials there."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(query=None, fragment=None))
