"""A tiny HTTP health server for the workers (planner, bria-generator, storage, evaluator).

    GET /healthz  200 {"status": "ok"} while the process runs (liveness)
    GET /readyz   200 {"status": "ready", "checks": {...}} when every check passes, else 503
                  with the failing check's message (readiness: NATS and the run store reachable)
    GET /metrics  200 this process's Prometheus metrics (`prolight.platform.metrics`), text format

Plain `asyncio.start_server` and HTTP/1.0-style one-request connections: a probe needs nothing
more, and a worker should not pull in an ASGI stack for two routes. Each check is an async
callable that raises when its dependency is down; it gets `CHECK_TIMEOUT_S` seconds.

    async with HealthServer(settings.health_port, {"nats": bus.ping, "store": store.ping},
                            host=settings.health_host):
        ...  # port 0 disables it

`host` is 127.0.0.1 unless told otherwise (`PROLIGHT_HEALTH_HOST`, `WorkerSettings.health_host`):
on a laptop the health and metrics ports answer only that machine; a container, whose port is
reached from outside it, sets 0.0.0.0 (the images and the manifests do).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Self

from prolight.platform import metrics

__all__ = ["CHECK_TIMEOUT_S", "HealthCheck", "HealthServer", "probe"]

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[object]]
"""An async probe: returns when its dependency answers, raises when it does not."""

CHECK_TIMEOUT_S = 2.0
"""Seconds one readiness check may take before it counts as failed."""

_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}


async def probe(check: HealthCheck) -> str:
    """ "ok", or why `check` failed or gave no answer within `CHECK_TIMEOUT_S` (never raises)."""
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_S} s"
    except Exception as exc:  # a probe reports every failure, it never raises
        return str(exc) or type(exc).__name__
    return "ok"


class HealthServer:
    """`/healthz`, `/readyz` and `/metrics` on `host:port` (port 0: disabled, nothing listens;
    `host` 127.0.0.1 by default).

    Start with `await start()` (or `async with`); `port` is the bound port afterwards.
    """

    def __init__(
        self, port: int, checks: Mapping[str, HealthCheck], *, host: str = "127.0.0.1"
    ) -> None:
        if not 0 <= port <= 65535:
            raise ValueError(f"health port is 0 (off) or 1–65535; got {port}")
        self.port = port
        self.host = host
        self._checks = dict(checks)
        self._server: asyncio.Server | None = None

    @property
    def enabled(self) -> bool:
        """False when configured with port 0."""
        return self.port != 0

    async def start(self) -> None:
        """Listen (no-op when disabled); raises OSError when the port is taken."""
        if not self.enabled or self._server is not None:
            return
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        log.info("health endpoints on http://%s:%d/healthz and /readyz", self.host, self.port)

    async def close(self) -> None:
        """Stop listening; safe to call twice."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def readiness(self) -> tuple[bool, dict[str, str]]:
        """(all ready, check name → "ok" or the reason it failed)."""

        names = list(self._checks)
        results = await asyncio.gather(*(probe(self._checks[n]) for n in names))
        report = dict(zip(names, results, strict=True))
        return all(r == "ok" for r in results), report

    async def _respond(self, method: str, path: str) -> tuple[int, dict[str, object]]:
        if path not in ("/healthz", "/readyz"):
            return 404, {"code": "not_found", "message": f"no route {path}"}
        if method not in ("GET", "HEAD"):
            return 405, {"code": "method_not_allowed", "message": "use GET"}
        if path == "/healthz":
            return 200, {"status": "ok"}
        ready, report = await self.readiness()
        return (200 if ready else 503), {
            "status": "ready" if ready else "not_ready",
            "checks": report,
        }

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), CHECK_TIMEOUT_S)
            while (line := await asyncio.wait_for(reader.readline(), CHECK_TIMEOUT_S)) not in (
                b"\r\n",
                b"\n",
                b"",
            ):
                del line  # headers are not needed
            parts = request_line.decode("latin-1").split()
            method, path = (parts[0], parts[1].split("?", 1)[0]) if len(parts) >= 2 else ("", "")
            content_type = "application/json"
            if path == "/metrics" and method in ("GET", "HEAD"):
                status, data, content_type = 200, metrics.render(), metrics.CONTENT_TYPE
            else:
                status, body = await self._respond(method, path)
                data = json.dumps(body).encode()
            head = (
                f"HTTP/1.1 {status} {_REASONS.get(status, '')}\r\n"
                f"Content-Type: {content_type}\r\n"
                f"Content-Length: {len(data)}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
            writer.write(head + (b"" if method == "HEAD" else data))
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeDecodeError):
            pass  # a probe that hung up or never finished its request gets nothing
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
