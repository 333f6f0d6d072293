"""Lighting setups the schema would refuse, for testing that a renderer refuses them too."""

from __future__ import annotations

from prolight.domain.schema import LightingSetup

__all__ = ["unchecked"]


def unchecked(setup: LightingSetup, **lights: dict[str, float]) -> LightingSetup:
    """`setup` with light fields changed by model_copy, which skips the schema's checks
    (`unchecked(setup, key={"distance": 0.1})`)."""
    lighting = {
        role: light.model_copy(update=lights.get(role.value, {}))
        for role, light in setup.lighting.items()
    }
    return setup.model_copy(update={"lighting": lighting})
