"""/metrics: this process's Prometheus metrics (`prolight.platform.metrics`), on a port of its
own (`PROLIGHT_GATEWAY_METRICS_PORT`, 8014) rather than the API's.

The public entry (the Ingress, a port published by docker compose) routes the API's port only,
so what the metrics say — request rates by route, run outcomes, BRIA spend — stays inside the
cluster, where Prometheus scrapes the pods' `metrics` port. The port is served by the
workers' small `HealthServer` on the gateway's host, so it also answers `/healthz` and
`/readyz` (NATS and the run store), like every worker's health port.
"""

from __future__ import annotations

from prolight.platform.health import HealthServer
from prolight_gateway.resources import Resources

__all__ = ["metrics_server"]


def metrics_server(resources: Resources) -> HealthServer:
    """The server of `/metrics` on `gateway_host:gateway_metrics_port` (port 0: off); start it
    with `async with`."""
    settings = resources.settings

    async def nats() -> None:
        if not resources.bus.is_connected:
            raise ConnectionError("not connected (reconnecting)")
        await resources.bus.ping()

    checks = {"nats": nats, "store": resources.store.ping}
    return HealthServer(settings.gateway_metrics_port, checks, host=settings.gateway_host)
