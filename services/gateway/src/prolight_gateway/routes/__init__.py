"""The gateway's routes, one module per resource; `ROUTERS` is what `create_app` includes."""

from prolight_gateway.routes import (
    analyze,
    artifacts,
    audit,
    generate,
    health,
    inspire,
    metrics,
    presets,
    refine,
    runs,
    translate,
)

__all__ = ["ROUTERS"]

ROUTERS = (
    generate.router,
    inspire.router,
    translate.router,
    analyze.router,
    runs.router,
    refine.router,
    audit.router,
    artifacts.router,
    presets.router,
    health.router,
    metrics.router,
)
