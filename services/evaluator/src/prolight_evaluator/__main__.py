"""`python -m prolight_evaluator`: run one evaluator instance until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from prolight.errors import ProLightError
from prolight.telemetry import configure_tracing
from prolight_evaluator.service import serve
from prolight_evaluator.settings import EvaluatorSettings

__all__ = ["main"]


async def _run(settings: EvaluatorSettings) -> None:
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await serve(settings, stop)


def main() -> None:
    """Load settings (exit naming the bad variable), then serve until a signal."""
    try:
        settings = EvaluatorSettings.load()
        configure_tracing("evaluator")
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
        asyncio.run(_run(settings))
    except ProLightError as exc:  # bad configuration, NATS or a store unreachable at start-up
        sys.exit(f"evaluator: {exc}")


if __name__ == "__main__":
    main()
