"""`python -m prolight_notifier`: serve the notifier on PROLIGHT_NOTIFIER_HOST:PORT."""

from __future__ import annotations

import logging
import sys

import uvicorn

from prolight.platform.heap import collect_old_objects_rarely, freeze_startup_heap
from prolight.platform.logs import configure_logging
from prolight.platform.settings import ConfigurationError
from prolight.platform.telemetry import configure_tracing
from prolight_notifier.app import create_app
from prolight_notifier.push import PushProtocol
from prolight_notifier.settings import NotifierSettings

__all__ = ["GRACEFUL_SHUTDOWN_S", "PING_TIMEOUT_MIN_S", "main", "server_config"]

PING_TIMEOUT_MIN_S = 20.0
"""A socket whose peer has not answered a ping for max(2 × heartbeat, this) seconds is dropped."""

GRACEFUL_SHUTDOWN_S = 3
"""Seconds open SSE streams get at shutdown before they are cut (sockets get a 1012 close)."""

log = logging.getLogger("prolight_notifier")


def server_config(settings: NotifierSettings) -> uvicorn.Config:
    """The uvicorn configuration: heartbeat pings, no compression, the WebSocket fast path,
    no access log (URLs carry tokens)."""
    return uvicorn.Config(
        create_app(settings),
        host=settings.notifier_host,
        port=settings.notifier_port,
        ws_ping_interval=settings.notifier_heartbeat_s,
        ws_ping_timeout=max(settings.notifier_heartbeat_s * 2, PING_TIMEOUT_MIN_S),
        # permessage-deflate keeps a zlib context per socket and compresses every message
        # again for every client: the fan-out's main cost, for small JSON that barely shrinks.
        ws_per_message_deflate=False,
        # uvicorn's websockets-sansio protocol plus the fan-out's fast path (push.py).
        ws=PushProtocol,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        access_log=False,
        log_config=None,
        lifespan="on",
    )


def main() -> None:
    """Load settings (exit 2 naming the variable if bad), then serve until SIGINT/SIGTERM."""
    try:
        settings = NotifierSettings.load()
        configure_logging(settings.log_level, "notifier")
        configure_tracing("notifier")
    except ConfigurationError as exc:
        configure_logging("INFO", "notifier")
        log.error("%s", exc)
        sys.exit(2)
    # The per-connection "accepted" lines carry the query string, i.e. the token: keep them out.
    logging.getLogger("uvicorn.error").setLevel(max(logging.WARNING, logging.getLogger().level))
    log.info(
        "notifier starting",
        extra={"host": settings.notifier_host, "port": settings.notifier_port},
    )
    server = uvicorn.Server(server_config(settings))
    freeze_startup_heap()  # after every import: see prolight.platform.heap
    collect_old_objects_rarely()  # its open sockets make a full collection long
    server.run()
    if not server.started:
        sys.exit(3)


if __name__ == "__main__":
    main()
