"""The planner's configuration: `WorkerSettings` plus its health port and shutdown grace."""

from __future__ import annotations

from pydantic import Field

from prolight.platform.settings import WorkerSettings

__all__ = ["PlannerSettings"]


class PlannerSettings(WorkerSettings):
    """`PROLIGHT_*` variables the planner reads (see `WorkerSettings` for the shared ones)."""

    planner_health_port: int = Field(
        8010,
        ge=0,
        le=65535,
        description="Port of /healthz and /readyz; 0 disables them.",
    )
