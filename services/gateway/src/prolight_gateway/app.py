"""`create_app()`: the gateway's FastAPI application. Importing or building it connects nothing;
the lifespan opens NATS and the stores (and loads settings if none were given) and serves
/metrics on its own port (`routes.metrics`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.telemetry import TelemetryConfig
from opentelemetry.trace import TracerProvider

from prolight.platform.http_errors import install_error_handlers
from prolight.platform.telemetry import records_spans
from prolight_gateway.deps import get_caller
from prolight_gateway.edge import EdgeMiddleware
from prolight_gateway.resources import open_resources
from prolight_gateway.routes import CHECKS_ITS_CALLER, ROUTERS
from prolight_gateway.routes.metrics import metrics_server
from prolight_gateway.routes.responses import errors
from prolight_gateway.settings import DEFAULT_MAX_BODY_BYTES, GatewaySettings
from prolight_gateway.studio import mount_studio

__all__ = ["create_app"]


def create_app(
    settings: GatewaySettings | None = None, *, tracer_provider: TracerProvider | None = None
) -> FastAPI:
    """The application; `settings` default to `GatewaySettings.load()` at start-up.

    Each request runs in a span context that continues an incoming `traceparent`: FastAPI's
    server span when the global tracer provider (or `tracer_provider`, when given) records
    spans, else one the edge gives it (`prolight_gateway.edge`); the bus copies that context
    into every event it publishes.

    /docs and /redoc are served unless `settings.gateway_docs` is off; /openapi.json always is
    (the same document is in the repository, proto-schemas/openapi.json, and clients generate
    code from it; the pages load Swagger UI and ReDoc from a CDN, which production need not).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            open_resources(settings or GatewaySettings.load()) as resources,
            metrics_server(resources),
        ):
            app.state.resources = resources
            yield

    limit = settings.gateway_max_body_bytes if settings else DEFAULT_MAX_BODY_BYTES
    # One server span per request where spans are recorded; FastAPI's per-step child spans
    # (body, dependencies, endpoint) cost more CPU than the whole rest of a request's tracing
    # and tell little here. Where none is recorded, only the context (prolight.platform.telemetry).
    recording = records_spans(tracer_provider)
    # FastAPI's OTel metrics and logs are off: the metrics are Prometheus
    # (prolight.platform.metrics),
    # the logs JSON lines; checking for their providers on every request costs CPU too.
    telemetry: TelemetryConfig = {
        "operation_spans": False,
        "tracing": recording,
        "metrics": False,
        "logs": False,
    }
    if tracer_provider is not None:
        telemetry["tracer_provider"] = tracer_provider
    docs = settings.gateway_docs if settings else True
    app = FastAPI(
        title="ProLight gateway",
        version="0.1.0",
        lifespan=lifespan,
        telemetry=telemetry,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    app.add_middleware(EdgeMiddleware, max_bytes=limit, trace_context=not recording)
    install_error_handlers(app)
    for router in ROUTERS:
        api = (router.prefix or "").startswith("/api")
        # Every /api route knows its caller: 401 before anything else when keys are on.
        guard = api and router not in CHECKS_ITS_CALLER
        app.include_router(
            router,
            dependencies=[Depends(get_caller)] if guard else None,
            responses=errors(401) if api else None,
        )
    mount_studio(app)  # after the API: it takes only / and /assets
    return app
