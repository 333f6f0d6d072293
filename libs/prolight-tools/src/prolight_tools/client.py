"""A small typed client of a running stack: the gateway over HTTP, the notifier over WebSocket.

    async with ProLightClient("http://127.0.0.1:8000") as client:
        accepted = await client.generate({"lighting_description": "soft butterfly"},
                                         natural_language=True)
        async for message in client.events(accepted.run_id, ws_url=accepted.links.ws):
            ...                                  # each a dict: the event + progress (+ URLs)
        png = await client.artifact(artifact_id)

Every call that starts a run (`generate`, `refine`, `final`, `inspire`) sends an
`Idempotency-Key` (a fresh UUID, or the `idempotency_key` given) and, when the answer is lost
or the gateway asks for patience — a read timeout or dropped connection, 502/503/504, 409
`idempotency_in_progress` — sends the same request again under the same key, up to
`START_ATTEMPTS` times in all: the gateway answers a repeat with the first run, so a retry never
starts a second one. Nothing answering at all (connection refused) is not retried.

`events` resumes by itself: when the socket drops (network, notifier restart, 4008 too slow,
4401 expired token) it asks the gateway for a fresh token (`GET /api/status/{run_id}`) and
reconnects with `after=<last sequence>`, so the caller sees every event once, in order. It
ends after the run's terminal event.

Errors (every httpx/websockets error is mapped to one of these):

    ProLightError
    └── ClientError              root of this module's errors
        ├── GatewayUnavailable   nothing answers at the gateway URL
        ├── RequestRejected      the gateway answered 4xx/5xx; `status`, `code`, `message`
        └── StreamUnavailable    the notifier refused the stream (4403) or stayed unreachable

Needs `httpx` and `websockets` (installed with the services).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from prolight.contracts.api import RunAccepted, RunStatusOut
from prolight.contracts.api_modes import FinalAccepted, InspireAccepted, RefineAccepted
from prolight.domain.errors import ProLightError
from prolight.platform.closing import AsyncClosing

__all__ = [
    "DEFAULT_GATEWAY_URL",
    "START_ATTEMPTS",
    "TERMINAL_EVENTS",
    "ClientError",
    "GatewayUnavailable",
    "ProLightClient",
    "RequestRejected",
    "StreamUnavailable",
]

DEFAULT_GATEWAY_URL = "http://127.0.0.1:8000"
TERMINAL_EVENTS = frozenset({"run.completed", "run.failed", "run.cancelled"})
"""Event types after which a run's stream ends."""

_MAX_RECONNECTS = 10
START_ATTEMPTS = 4
"""Times a run-starting request is sent, under one Idempotency-Key, before its error is raised."""
_START_BACKOFF_S = (0.5, 1.0, 2.0)
_MAX_RETRY_AFTER_S = 5.0
_RETRY_STATUSES = frozenset({502, 503, 504})
_BACKOFF_S = (0.1, 0.25, 0.5, 1.0, 2.0)
_WS_MAX_SIZE = 4 * 2**20


class ClientError(ProLightError):
    """Root of the errors this client raises."""


class GatewayUnavailable(ClientError):
    """Raised when nothing answers at the gateway URL (connection refused, timeout)."""


class RequestRejected(ClientError):
    """Raised when the gateway answers an error; carries its status, `{code, message}` and
    `Retry-After` in seconds, if it said."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        *,
        retry_after_s: float | None = None,
    ) -> None:
        self.status, self.code, self.message, self.field = status, code, message, field
        self.retry_after_s = retry_after_s
        where = f"{field}: " if field else ""
        super().__init__(f"{where}{message} (HTTP {status} {code})")

    @property
    def retryable(self) -> bool:
        """Whether the same request may succeed if sent again soon (under its key)."""
        return self.status in _RETRY_STATUSES or self.code == "idempotency_in_progress"


class _LostAnswer(GatewayUnavailable):
    """Raised when a request was sent and its answer did not come (timeout, dropped link)."""


def _seconds(retry_after: str | None) -> float | None:
    """A `Retry-After` in seconds (the HTTP-date form is not used by the gateway)."""
    try:
        return max(0.0, float(retry_after)) if retry_after else None
    except ValueError:
        return None


class StreamUnavailable(ClientError):
    """Raised when the notifier refuses the run's stream or cannot be reached."""


def _with_query(url: str, **params: str | int) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update({k: str(v) for k, v in params.items()})
    return urlunsplit(parts._replace(query=urlencode(query)))


class ProLightClient(AsyncClosing):
    """HTTP client of the gateway at `gateway_url` and WebSocket client of its notifier.

    `api_key` is sent as `X-API-Key` on every request (needed when the gateway has keys on).
    `transport` replaces httpx's network transport (an app in-process, a test's mock).
    """

    def __init__(
        self,
        gateway_url: str = DEFAULT_GATEWAY_URL,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.gateway_url = gateway_url.rstrip("/")
        headers = {"X-API-Key": api_key} if api_key else None
        self._http = httpx.AsyncClient(
            base_url=self.gateway_url, headers=headers, timeout=timeout, transport=transport
        )

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise GatewayUnavailable(f"no gateway at {self.gateway_url}") from exc
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            # The request may have reached the gateway: only a keyed POST may send it again.
            raise _LostAnswer(f"the gateway at {self.gateway_url} did not answer: {exc}") from exc
        except httpx.HTTPError as exc:
            raise GatewayUnavailable(
                f"the gateway at {self.gateway_url} did not answer: {exc}"
            ) from exc
        if response.status_code >= 400:
            try:
                body = response.json()
                code, message = str(body["code"]), str(body["message"])
                field = body.get("field")
            except (ValueError, KeyError, TypeError):
                code, message, field = "http_error", response.text[:200] or "error", None
            raise RequestRejected(
                response.status_code,
                code,
                message,
                field,
                retry_after_s=_seconds(response.headers.get("Retry-After")),
            )
        return response

    async def _start(
        self, path: str, body: dict[str, Any], idempotency_key: str | None
    ) -> httpx.Response:
        """POST a run-starting request under one Idempotency-Key, sent again while its answer
        is lost or the gateway asks for patience (module doc)."""
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        for attempt in range(1, START_ATTEMPTS + 1):
            backoff = _START_BACKOFF_S[min(attempt, len(_START_BACKOFF_S)) - 1]
            try:
                return await self._request("POST", path, json=body, headers=headers)
            except _LostAnswer:
                if attempt == START_ATTEMPTS:
                    raise
                wait = backoff
            except RequestRejected as exc:
                if attempt == START_ATTEMPTS or not exc.retryable:
                    raise
                wait = min(exc.retry_after_s or backoff, _MAX_RETRY_AFTER_S)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def generate(
        self,
        body: dict[str, Any],
        *,
        natural_language: bool = False,
        idempotency_key: str | None = None,
    ) -> RunAccepted:
        """Start a run: `POST /api/generate/lighting-setup` (or `/natural-language`)."""
        path = (
            "/api/generate/natural-language" if natural_language else "/api/generate/lighting-setup"
        )
        response = await self._start(path, body, idempotency_key)
        return RunAccepted.model_validate(response.json())

    async def refine(
        self, run_id: str, body: dict[str, Any], *, idempotency_key: str | None = None
    ) -> RefineAccepted:
        """Refine mode: `POST /api/runs/{run_id}/refine` (instruction or patch, locked_fields)."""
        response = await self._start(f"/api/runs/{run_id}/refine", body, idempotency_key)
        return RefineAccepted.model_validate(response.json())

    async def final(
        self, run_id: str, artifact_id: str | None = None, *, idempotency_key: str | None = None
    ) -> FinalAccepted:
        """The final render of a run's image: `POST /api/runs/{run_id}/final` (its best, or
        `artifact_id`)."""
        body = {"artifact_id": artifact_id} if artifact_id else {}
        response = await self._start(f"/api/runs/{run_id}/final", body, idempotency_key)
        return FinalAccepted.model_validate(response.json())

    async def inspire(
        self, body: dict[str, Any], *, idempotency_key: str | None = None
    ) -> InspireAccepted:
        """Inspire mode: `POST /api/generate/inspire` (artifact_id or image_base64)."""
        response = await self._start("/api/generate/inspire", body, idempotency_key)
        return InspireAccepted.model_validate(response.json())

    async def status(self, run_id: str) -> RunStatusOut:
        """`GET /api/status/{run_id}`: steps, artifacts, progress and a fresh stream token."""
        response = await self._request("GET", f"/api/status/{run_id}")
        return RunStatusOut.model_validate(response.json())

    async def artifact(self, artifact_id: str, *, size: int | None = None) -> bytes:
        """The bytes of an artifact (`?size=` for a thumbnail, pixels on the long side)."""
        params = {"size": size} if size else None
        response = await self._request("GET", f"/api/artifacts/{artifact_id}", params=params)
        return response.content

    async def events(
        self,
        run_id: str,
        *,
        after: int = 0,
        ws_url: str | None = None,
        on_reconnect: Callable[[int, str], None] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every event of `run_id` after sequence `after`, once each and in order, until the
        run ends (module docstring). `ws_url` is the run's `links.ws` if the caller has it
        (else one is fetched); `on_reconnect(last_sequence, why)` is told of each resume.
        """
        last = after
        url = ws_url
        failures = 0
        while True:
            if url is None:
                url = (await self.status(run_id)).links.ws
            why: str
            try:
                async with websockets.connect(
                    _with_query(url, after=last), max_size=_WS_MAX_SIZE, open_timeout=10
                ) as socket:
                    async for raw in socket:
                        message: dict[str, Any] = json.loads(raw)
                        sequence = int(message["sequence"])
                        if sequence <= last:
                            continue  # a duplicate across a resume
                        last, failures = sequence, 0
                        yield message
                        if message["type"] in TERMINAL_EVENTS:
                            return
                return  # a normal close (1000) without a terminal event: nothing more comes
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd else 1006
                reason = exc.rcvd.reason if exc.rcvd else "connection lost"
                if code == 4403:
                    raise StreamUnavailable(f"the notifier refused run {run_id}: {reason}") from exc
                why = f"closed {code} {reason}".strip()
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
                why = f"cannot reach the notifier at {urlsplit(url).netloc}: {exc}"
            failures += 1
            if failures > _MAX_RECONNECTS:
                raise StreamUnavailable(f"gave up on run {run_id}'s stream: {why}")
            if on_reconnect is not None:
                on_reconnect(last, why)
            # Back off before asking again: the notifier may be restarting.
            await asyncio.sleep(_BACKOFF_S[min(failures, len(_BACKOFF_S)) - 1])
            url = None  # a fresh token from the gateway
