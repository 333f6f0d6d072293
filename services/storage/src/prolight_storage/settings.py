"""The storage service's configuration: health port, drain time and artifact retention."""

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
    artifact_retention_days: float = Field(
        0.0,
        ge=0,
        description="Days an artifact is kept before the sweeper deletes it (its record, its "
        "bytes unless shared, cache entries pointing at it); 0 keeps artifacts forever.",
    )
    artifact_sweep_interval_s: float = Field(
        3600.0,
        gt=0,
        description="Seconds between two sweeps of expired artifacts.",
    )
