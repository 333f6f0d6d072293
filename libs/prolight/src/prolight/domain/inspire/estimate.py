"""What Inspire returns, and its upload limit: pydantic and constants only, no numpy.

The contracts (`prolight.contracts.api_modes`) import these; importing this module must not
import numpy, Pillow or scipy (checked by tests/domain/inspire/test_estimate.py).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from prolight.domain.schema import Direction, LightingSetup

__all__ = ["MAX_IMAGE_BYTES", "RATIO_CAP_STOPS", "Estimate", "Reading"]

MAX_IMAGE_BYTES = 8 * 1024 * 1024
"""Largest image accepted, in bytes (the gateway's body limit may be lower)."""

RATIO_CAP_STOPS = 5.0
"""Largest ratio an 8-bit image can show: the shadow side at the noise floor."""


class Estimate(BaseModel):
    """One measured field: its value, a confidence 0–1, and how it was measured."""

    model_config = ConfigDict(frozen=True)

    value: Any
    confidence: float = Field(ge=0, le=1)
    how: str


class Reading(BaseModel):
    """What `measure` found: each field with its confidence, and the setup built from them."""

    model_config = ConfigDict(frozen=True)

    fields: dict[str, Estimate] = Field(
        description="framing, key_direction, ratio_stops, kelvin, fill_direction"
    )
    setup: LightingSetup
    notes: list[str] = Field(default_factory=list)

    @property
    def key_direction(self) -> Direction:
        """The key's measured direction."""
        return Direction.model_validate(self.fields["key_direction"].value)

    @property
    def ratio_stops(self) -> float:
        """The measured face contrast in stops (`RATIO_CAP_STOPS` when at least that)."""
        return float(self.fields["ratio_stops"].value)
