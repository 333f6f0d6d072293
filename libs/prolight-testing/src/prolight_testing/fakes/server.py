"""`serve(app)`: an ASGI app on a free loopback port, in this event loop, for one test."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

__all__ = ["free_port", "serve"]


def free_port() -> int:
    """A loopback port nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@asynccontextmanager
async def serve(app: Any, *, timeout: float = 10.0, port: int | None = None) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1; yields its base URL (`http://127.0.0.1:<port>`).

    `port` picks the port (a free one by default): a test can first let a client find nothing
    listening there, then start the server. On exit the app's hangs end (`release()`) first,
    so the server can shut down.
    """
    import uvicorn  # a test dependency only

    port = port or free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        access_log=False,
        log_config=None,
        log_level=logging.WARNING,
        lifespan="off",
        ws="none",
        http="h11",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not server.started:
        if task.done() or loop.time() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the fake server did not start on port {port}")
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        release = getattr(app, "release", None)
        if callable(release):
            release()
        server.should_exit = True
        await asyncio.wait_for(task, timeout)
