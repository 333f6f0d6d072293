"""The generator's configuration: backend, the render-size cap, health port."""

from __future__ import annotations

from pydantic import Field, field_validator

from prolight.render import MAX_SIDE, MIN_SIDE
from prolight.settings import ServiceSettings

__all__ = ["BACKENDS", "GeneratorSettings"]

BACKENDS = ("local",)
"""Backends this build can run. `bria` (BRIA FIBO v2 API) arrives with its own issue."""


class GeneratorSettings(ServiceSettings):
    """`PROLIGHT_*` variables the bria-generator reads (see `ServiceSettings` for the rest).

    The local renderer draws at the prompt's `output.resolution` scaled down (aspect kept) to
    fit `generator_max_width` × `generator_max_height` pixels (PROLIGHT_GENERATOR_MAX_WIDTH,
    _MAX_HEIGHT): 512 × 640 by default, about 0.4 s per image on one core, so a 4-candidate run
    stays interactive. Raise the cap for final renders.
    """

    generator_backend: str = Field(
        "local",
        description="Image backend: local (the physically based preview renderer).",
    )
    generator_max_width: int = Field(
        512,
        ge=MIN_SIDE,
        le=MAX_SIDE,
        description="Widest render in pixels; larger requests are scaled down.",
    )
    generator_max_height: int = Field(
        640,
        ge=MIN_SIDE,
        le=MAX_SIDE,
        description="Tallest render in pixels; larger requests are scaled down.",
    )
    bria_generator_health_port: int = Field(
        8011,
        ge=0,
        le=65535,
        description="Port of /healthz and /readyz; 0 disables them.",
    )
    drain_timeout_s: float = Field(
        5.0, ge=0, description="Seconds an in-flight render gets on SIGTERM before it is naked."
    )

    @field_validator("generator_backend")
    @classmethod
    def _known_backend(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in BACKENDS:
            raise ValueError(
                f"backend {v!r} is not available in this build; use one of {', '.join(BACKENDS)} "
                "(the bria backend arrives with its own issue)"
            )
        return v
