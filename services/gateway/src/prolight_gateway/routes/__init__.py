"""The gateway's routes, one module per resource; `ROUTERS` is what `create_app` includes."""

from prolight_gateway.routes import analyze, artifacts, generate, health, presets, runs

__all__ = ["ROUTERS"]

ROUTERS = (
    generate.router,
    analyze.router,
    runs.router,
    artifacts.router,
    presets.router,
    health.router,
)
