"""The gateway's routes, one module per resource; `ROUTERS` is what `create_app` includes.
(`metrics` is not among them: /metrics is served on a port of its own, `routes.metrics`.)"""

from prolight_gateway.routes import (
    analyze,
    artifacts,
    audit,
    final,
    generate,
    health,
    inspire,
    presets,
    refine,
    runs,
    sitter,
    translate,
    webhooks,
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
    webhooks.router,
    artifacts.router,
    presets.router,
    sitter.router,
    health.router,
)

CHECKS_ITS_CALLER = (generate.router, inspire.router, refine.router, final.router)
"""Routers whose every route takes `run_start.OnceStartDep` (the Idempotency-Key, then
`deps.get_run_start`), which checks the API key itself:
`create_app` gives them no router-wide `get_caller`, one dependency less per run started."""
