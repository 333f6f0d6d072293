"""The named presets: geometry from the pattern facts, lookup by any spelling."""

from __future__ import annotations

import pytest

from prolight.domain.errors import InvalidInput
from prolight.domain.physics.face import face_light
from prolight.domain.physics.meter import meter_readings
from prolight.domain.presets import PRESETS, get_preset
from prolight.domain.schema import Role, SubjectKind

REQUIRED = [
    "butterfly", "clamshell", "loop", "rembrandt", "split", "broad", "short",
    "rim_lit_dramatic_fashion", "soft_beauty_portrait", "high_key", "low_key", "product_tabletop",
]  # fmt: skip


def test_every_required_preset_exists() -> None:
    assert set(REQUIRED) <= set(PRESETS)


@pytest.mark.parametrize("name", REQUIRED)
def test_preset_is_complete(name: str) -> None:
    preset = PRESETS[name]
    assert preset.name == name
    assert preset.title
    assert preset.description
    assert "\n" not in preset.description
    assert Role.KEY in preset.setup.enabled_lights()


@pytest.mark.parametrize("name", REQUIRED)
def test_each_preset_is_exposed_for_its_key(name: str) -> None:
    setup = PRESETS[name].setup
    reading = meter_readings(setup)[Role.KEY]
    assert reading.stops_vs_camera is not None
    assert abs(reading.stops_vs_camera) <= 1 / 6 + 0.02  # nearest third stop


@pytest.mark.parametrize(
    ("name", "az_range", "el_range"),
    [
        pytest.param("butterfly", (0, 0), (25, 70), id="butterfly"),
        pytest.param("clamshell", (0, 0), (40, 50), id="clamshell"),
        pytest.param("loop", (20, 50), (25, 60), id="loop"),
        pytest.param("rembrandt", (40, 55), (40, 50), id="rembrandt"),
        pytest.param("split", (85, 95), (-10, 10), id="split"),
    ],
)
def test_key_geometry_follows_the_pattern(
    name: str, az_range: tuple[float, float], el_range: tuple[float, float]
) -> None:
    key = PRESETS[name].setup.lighting[Role.KEY].direction
    assert az_range[0] <= abs(key.azimuth) <= az_range[1]
    assert el_range[0] <= key.elevation <= el_range[1]


def test_clamshell_fill_is_below_and_one_to_two_stops_under() -> None:
    setup = PRESETS["clamshell"].setup
    assert setup.lighting[Role.FILL].direction.elevation == pytest.approx(-45)
    ratio = face_light(setup).key_fill
    assert ratio is not None
    assert 1.0 <= ratio.stops <= 2.0


def test_rim_is_behind_opposite_the_key() -> None:
    setup = PRESETS["rim_lit_dramatic_fashion"].setup
    key_az = setup.lighting[Role.KEY].direction.azimuth
    rim_az = setup.lighting[Role.RIM].direction.azimuth
    assert abs(rim_az) > 90
    assert (rim_az > 0) != (key_az > 0)


def test_high_key_is_low_ratio_low_key_is_high() -> None:
    high = face_light(PRESETS["high_key"].setup).key_fill
    assert high is not None
    assert high.stops <= 1.0  # 2:1 or less
    low = face_light(PRESETS["low_key"].setup).key_fill
    assert low is None or low.stops >= 3.0  # 8:1 or more


def test_broad_and_short_light_opposite_sides_of_the_turned_face() -> None:
    broad, short = PRESETS["broad"].setup, PRESETS["short"].setup
    turn = broad.subject.head_turn_deg
    assert turn == short.subject.head_turn_deg == -30.0
    # Key azimuth relative to the face axis: broad on the camera (near) side, short on the far.
    broad_rel = broad.lighting[Role.KEY].direction.azimuth - turn
    short_rel = short.lighting[Role.KEY].direction.azimuth - turn
    assert broad_rel > 0 > short_rel


def test_product_preset_uses_a_product_subject() -> None:
    assert PRESETS["product_tabletop"].setup.subject.kind == SubjectKind.PRODUCT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Rembrandt", "rembrandt", id="capitalised"),
        pytest.param("rim-lit dramatic fashion", "rim_lit_dramatic_fashion", id="spaces-hyphens"),
        pytest.param("High Key", "high_key", id="two-words"),
        pytest.param("paramount", "butterfly", id="alias"),
        pytest.param("  LOOP lighting ", "loop", id="suffix"),
    ],
)
def test_get_preset_normalises(text: str, expected: str) -> None:
    assert get_preset(text).name == expected


def test_unknown_preset_names_the_field_and_lists_names() -> None:
    with pytest.raises(InvalidInput) as info:
        get_preset("disco")
    assert info.value.errors[0].field == "preset"
    assert "rembrandt" in info.value.errors[0].message
    assert "disco" in info.value.errors[0].message
