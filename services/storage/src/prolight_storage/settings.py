"""The storage service's configuration: health port and drain time."""

from __future__ import annotations

from pydantic import Field

from prolight.platform.settings import ServiceSettings

__all__ = ["StorageSettings"]


class StorageSettings(ServiceSettings):
    """`PROLIGHT_*` variables the storage service reads (see `ServiceSettings` for the rest)."""

    storage_health_port: int = Field(
        8012,
        ge=0,
        le=65535,
        description="Port of /healthz and /readyz; 0 disables them.",
    )
    drain_timeout_s: float = Field(
        5.0, ge=0, description="Seconds in-flight work gets on SIGTERM before it is naked."
    )
