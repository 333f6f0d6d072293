"""Fill levels come from the one photometry (`physics.photometry.on_axis_lux`)."""

from __future__ import annotations

import math

import pytest

from prolight.domain.physics.photometry import on_axis_lux
from prolight.domain.presets import PRESETS
from prolight.domain.schema import Light
from prolight.domain.translator.lights import BASES, intensity_for, lux


@pytest.mark.parametrize("name", [n for n, p in PRESETS.items() if "fill" in p.setup.lighting])
def test_a_fill_set_n_stops_under_the_key_meters_n_stops_under(name: str) -> None:
    lights = BASES[name]["lighting"]
    key, fill = lights["key"], lights["fill"]
    assert lux(key) == on_axis_lux(Light.model_validate(key))
    power = intensity_for(key, fill, 2.0)
    if 0.01 < power < 1.0:
        stops = math.log2(lux(key) / lux({**fill, "intensity": power}))
        assert stops == pytest.approx(2.0, abs=0.02)
