"""The planner's configuration: `ServiceSettings` plus its health port and shutdown grace."""

from __future__ import annotations

from pydantic import Field

from prolight.platform.settings import ServiceSettings

__all__ = ["PlannerSettings"]


class PlannerSettings(ServiceSettings):
    """`PROLIGHT_*` variables the planner reads (see `ServiceSettings` for the shared ones)."""

    planner_health_port: int = Field(
        8010,
        ge=0,
        le=65535,
        description="Port of /healthz and /readyz; 0 disables them.",
    )
    drain_timeout_s: float = Field(
        5.0, ge=0, description="Seconds in-flight events get on SIGTERM before they are naked."
    )
