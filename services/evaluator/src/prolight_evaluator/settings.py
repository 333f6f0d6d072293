"""The evaluator's configuration: `ServiceSettings` plus its health port and shutdown grace."""

from __future__ import annotations

from pydantic import Field

from prolight.settings import ServiceSettings

__all__ = ["EvaluatorSettings"]


class EvaluatorSettings(ServiceSettings):
    """`PROLIGHT_*` variables the evaluator reads (see `ServiceSettings` for the shared ones)."""

    evaluator_health_port: int = Field(
        8013,
        ge=0,
        le=65535,
        description="Port of /healthz and /readyz; 0 disables them.",
    )
    drain_timeout_s: float = Field(
        5.0, ge=0, description="Seconds in-flight evaluations get on SIGTERM before they are naked."
    )
