"""The key:fill ratio from geometry, inverse square and modifier efficiency."""

from __future__ import annotations

import math

import pytest

from prolight.domain.physics.face import face_light
from prolight.domain.physics.photometry import on_axis_lux
from prolight.domain.schema import MODIFIERS, Light, LightingSetup, Modifier


def _setup(key: dict[str, object], fill: dict[str, object]) -> LightingSetup:
    return LightingSetup.model_validate({"lighting": {"key": key, "fill": fill}})


def test_key_08_fill_04_mirrored_is_one_stop() -> None:
    setup = _setup(
        {
            "intensity": 0.8,
            "direction": "45 degrees camera-right",
            "distance": 1.5,
            "modifier": "softbox",
        },
        {
            "intensity": 0.4,
            "direction": "45 degrees camera-left",
            "distance": 1.5,
            "modifier": "softbox",
        },
    )
    ratio = face_light(setup).key_fill
    assert ratio is not None
    assert ratio.stops == pytest.approx(1.0)
    assert ratio.ratio == pytest.approx(2.0)  # 2:1
    assert ratio.key_plus_fill_to_fill == pytest.approx(3.0)  # (key+fill):fill 3:1


def test_ratio_depends_on_geometry_not_just_intensity() -> None:
    # Same powers, but the fill moved round to the key's side: it barely reaches the shadow cheek.
    setup = _setup(
        {
            "intensity": 0.8,
            "direction": "45 degrees camera-right",
            "distance": 1.5,
            "modifier": "softbox",
        },
        {
            "intensity": 0.4,
            "direction": "10 degrees camera-right",
            "distance": 1.5,
            "modifier": "softbox",
        },
    )
    ratio = face_light(setup).key_fill
    assert ratio is not None
    assert ratio.stops > 1.3


def test_inverse_square_double_distance_is_minus_two_stops() -> None:
    near = on_axis_lux(Light(intensity=1.0, distance=1.0, modifier="softbox"))
    far = on_axis_lux(Light(intensity=1.0, distance=2.0, modifier="softbox"))
    assert math.log2(near / far) == pytest.approx(2.0)


def test_fill_twice_as_far_adds_two_stops_of_ratio() -> None:
    base = {"direction": "45 degrees camera-left", "modifier": "bare", "intensity": 0.8}
    key = {
        "intensity": 0.8,
        "direction": "45 degrees camera-right",
        "distance": 1.0,
        "modifier": "bare",
    }
    near = face_light(_setup(key, {**base, "distance": 1.0})).key_fill
    far = face_light(_setup(key, {**base, "distance": 2.0})).key_fill
    assert near is not None
    assert far is not None
    assert far.stops - near.stops == pytest.approx(2.0, abs=0.02)


@pytest.mark.parametrize("modifier", list(Modifier))
def test_modifier_efficiency(modifier: Modifier) -> None:
    bare = on_axis_lux(Light(intensity=1.0, distance=1.5, modifier="bare"))
    lux = on_axis_lux(Light(intensity=1.0, distance=1.5, modifier=modifier))
    assert lux == pytest.approx(bare * MODIFIERS[modifier].efficiency)


def test_softbox_costs_a_stop() -> None:
    bare = on_axis_lux(Light(intensity=1.0, distance=1.5, modifier="bare"))
    box = on_axis_lux(Light(intensity=1.0, distance=1.5, modifier="softbox"))
    assert math.log2(bare / box) == pytest.approx(1.0)
