"""`run_service`: the body of every worker's `__main__` (planner, bria-generator, storage,
evaluator).

    def main() -> None:
        run_service("evaluator", EvaluatorSettings, serve)

It loads the settings, configures tracing and logging, then runs `serve(settings, stop)` until
SIGTERM or SIGINT sets `stop`. A `ProLightError` on the way (bad configuration, NATS or a store
unreachable at start-up) exits the process with `<name>: <message>`, which names the variable
to fix; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from prolight.domain.errors import ProLightError
from prolight.platform.heap import freeze_startup_heap
from prolight.platform.logs import configure_logging
from prolight.platform.settings import ServiceSettings
from prolight.platform.telemetry import configure_tracing

__all__ = ["STOP_SIGNALS", "run_service"]

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
"""The signals that stop a service gracefully (in-flight work gets its drain time)."""

S = TypeVar("S", bound=ServiceSettings)


def run_service(
    name: str, settings_cls: type[S], serve: Callable[[S, asyncio.Event], Awaitable[None]]
) -> None:
    """Run `serve` as the process `name` until a stop signal (module doc); returns when it does.

    `name` is the service name in traces and in the exit message. Raises `SystemExit` with a
    message naming the problem when start-up fails with a `ProLightError`.
    """
    try:
        settings = settings_cls.load()
        configure_tracing(name)
        configure_logging(settings.log_level, name)
        asyncio.run(_until_signalled(serve, settings))
    except ProLightError as exc:
        sys.exit(f"{name}: {exc}")


async def _until_signalled(
    serve: Callable[[S, asyncio.Event], Awaitable[None]], settings: S
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    freeze_startup_heap()  # imports and settings are done; what the work makes stays collected
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    await serve(settings, stop)
