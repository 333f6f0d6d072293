"""`python -m prolight_gateway` / `prolight-gateway`: serve the API on 127.0.0.1."""

from __future__ import annotations

import logging
import sys

import uvicorn

from prolight.platform.heap import freeze_startup_heap
from prolight.platform.logs import configure_logging
from prolight.platform.settings import ConfigurationError
from prolight.platform.telemetry import configure_tracing
from prolight_gateway.app import create_app
from prolight_gateway.settings import GatewaySettings

__all__ = ["main"]


def main() -> None:
    """Load settings (exit 2 naming the bad variable), then serve with one uvicorn worker."""
    try:
        settings = GatewaySettings.load()
        configure_tracing("prolight-gateway")
    except ConfigurationError as exc:
        sys.stderr.write(f"prolight-gateway: {exc}\n")
        raise SystemExit(2) from exc
    configure_logging(settings.log_level, "gateway")
    logging.getLogger(__name__).info(
        "serving on http://%s:%d", settings.gateway_host, settings.gateway_port
    )
    app = create_app(settings)
    freeze_startup_heap()  # after every import: see prolight.platform.heap
    uvicorn.run(
        app,
        host=settings.gateway_host,
        port=settings.gateway_port,
        workers=1,
        access_log=False,
        log_config=None,  # keep our JSON lines; uvicorn's loggers propagate to the root
        lifespan="on",
    )


if __name__ == "__main__":
    main()
