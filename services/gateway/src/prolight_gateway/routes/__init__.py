"""The gateway's routes, one module per resource; `ROUTERS` is what `create_app` includes."""

from prolight_gateway.routes import (
    analyze,
    artifacts,
    audit,
    final,
    generate,
    health,
    inspire,
    metrics,
    presets,
    refine,
    runs,
    sitter,
    translate,
)

__all__ = ["CHECKS_ITS_CALLER", "ROUTERS"]

ROUTERS = (
    generate.router,
    inspire.router,
    translate.router,
    analyze.router,
    runs.router,
    refine.router,
    final.router,
    audit.router,
    artifacts.router,
    presets.router,
    sitter.router,
    health.router,
    metrics.router,
)

CHECKS_ITS_CALLER = (generate.router, inspire.router, refine.router, final.router)
"""Routers whose every route takes `deps.RunStartDep`, which checks the API key itself:
`create_app` gives them no router-wide `get_caller`, one dependency less per run started."""
