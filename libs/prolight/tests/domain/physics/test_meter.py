"""The handheld-meter readings: f-number at ISO/shutter, display, EV at ISO 100."""

from __future__ import annotations

import pytest

from prolight.domain.physics.meter import format_f_number, meter_reading, meter_readings
from prolight.domain.schema import Camera, Light, LightingSetup, Role


def test_reference_unit_meters_f16() -> None:
    # Bare head at full power, 1 m: the reference unit reads f/16 at ISO 100, 1/125 s, EV 15.
    reading = meter_reading(Light(intensity=1.0, modifier="bare", distance=1.0), Camera())
    assert reading.f_number == pytest.approx(16.0)
    assert reading.display == "f/16"
    assert reading.ev100 == pytest.approx(15.0, abs=0.05)
    assert reading.lux == pytest.approx(80_000)


def test_double_distance_is_two_stops_down() -> None:
    near = meter_reading(Light(intensity=1.0, modifier="bare", distance=1.0), Camera())
    far = meter_reading(Light(intensity=1.0, modifier="bare", distance=2.0), Camera())
    assert near.ev100 is not None
    assert far.ev100 is not None
    assert near.ev100 - far.ev100 == pytest.approx(2.0)
    assert far.display == "f/8"


def test_iso_moves_the_reading() -> None:
    light = Light(intensity=1.0, modifier="bare", distance=2.0)
    assert meter_reading(light, Camera(iso=400)).display == "f/16"


@pytest.mark.parametrize(
    ("f_number", "long", "compact"),
    [
        pytest.param(8.0, "f/8", "f/8", id="whole-stop"),
        pytest.param(8.98, "f/8 +0.3", "f/8.3", id="third-over"),
        pytest.param(7.99, "f/8", "f/8", id="rounds-to-whole"),
        pytest.param(12.0, "f/11 +0.2", "f/11.2", id="engraved-11"),
        pytest.param(3.0, "f/2.8 +0.2", "f/2.8 +0.2", id="decimal-base-keeps-long-form"),
        pytest.param(0.0, "no reading", "no reading", id="off"),
    ],
)
def test_display(f_number: float, long: str, compact: str) -> None:
    assert format_f_number(f_number) == (long, compact)


def test_stops_vs_camera() -> None:
    reading = meter_reading(Light(intensity=1.0, modifier="bare", distance=1.0), Camera(aperture=8))
    assert reading.stops_vs_camera == pytest.approx(2.0)


def test_readings_per_enabled_light() -> None:
    setup = LightingSetup.model_validate(
        {"lighting": {"key": {"intensity": 0.8}, "fill": {"intensity": 0.4, "enabled": False}}}
    )
    readings = meter_readings(setup)
    assert set(readings) == {Role.KEY}
    assert readings[Role.KEY].role == Role.KEY
