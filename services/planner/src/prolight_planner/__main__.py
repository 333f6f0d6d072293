"""`python -m prolight_planner`: run one planner instance until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from prolight.errors import ProLightError
from prolight.telemetry import configure_tracing
from prolight_planner.service import serve
from prolight_planner.settings import PlannerSettings

__all__ = ["main"]


async def _run(settings: PlannerSettings) -> None:
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await serve(settings, stop)


def main() -> None:
    """Load settings (exit naming the bad variable), then serve until a signal."""
    try:
        settings = PlannerSettings.load()
        configure_tracing("planner")
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
        asyncio.run(_run(settings))
    except ProLightError as exc:  # bad configuration, NATS or a store unreachable at start-up
        sys.exit(f"planner: {exc}")


if __name__ == "__main__":
    main()
