"""`python -m prolight_gateway` / `prolight-gateway`: serve the API on 127.0.0.1 (and /metrics
on its own port).

It refuses to start (exit 2, one line naming the variables, no traceback) without API keys
unless told this is a local development run (`PROLIGHT_LOCAL_DEV`), and with a keys file it
cannot use."""

from __future__ import annotations

import logging
import sys

import uvicorn

from prolight.platform.api_keys import KeyFileError, KeyRing
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
        if settings.api_keys_file is not None:
            KeyRing.load(settings.api_keys_file)  # here, to say what is wrong in one line
        configure_tracing("prolight-gateway")
    except (ConfigurationError, KeyFileError) as exc:
        sys.stderr.write(f"prolight-gateway: {exc}\n")
        raise SystemExit(2) from exc
    configure_logging(settings.log_level, "gateway")
    logging.getLogger(__name__).info(
        "serving on http://%s:%d (/metrics on port %s)",
        settings.gateway_host,
        settings.gateway_port,
        settings.gateway_metrics_port or "off",
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
