"""Serving the evaluator's ASGI app inside the service's own event loop and lifetime.

uvicorn's `Server.serve` installs SIGINT/SIGTERM handlers of its own; here the service's
`stop` event (set by `prolight.platform.entrypoint` on those signals) ends the server instead, so
the
worker and the HTTP API stop together. The socket is bound before serving, so a taken port is a
`ConfigurationError` naming the variable instead of uvicorn's `sys.exit`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator

import uvicorn
from fastapi import FastAPI

from prolight.platform.settings import ConfigurationError

__all__ = ["bind", "serve_http"]


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the service handles signals (module doc)


def bind(host: str, port: int, variable: str) -> socket.socket:
    """A listening TCP socket on `host:port`; `ConfigurationError` naming `variable` if taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigurationError(f"{variable}: cannot listen on {host}:{port}: {exc}") from exc
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def serve_http(app: FastAPI, sock: socket.socket, stop: asyncio.Event) -> None:
    """Serve `app` on `sock` until `stop` is set."""
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
    server = _Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stopping.cancel()
    await serving
