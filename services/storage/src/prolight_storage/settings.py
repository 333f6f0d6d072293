"""The storage service's configuration: health port and drain time."""

from __future__ import annotations

from pydantic import Field

from prolight.platform.settings import WorkerSettings

__all__ = ["StorageSettings"]


class StorageSettings(WorkerSettings):
    """`PROLIGHT_*` variables the storage service reads (see `WorkerSettings` for the rest)."""

    storage_health_port: int = Field(
        8012,
        ge=0,
        le=65535,
        description="Port of /healthz and /readyz; 0 disables them.",
    )
