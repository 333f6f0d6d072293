"""Apparent source size → penumbra width → softness."""

from __future__ import annotations

import pytest

from prolight.domain.physics.softness import (
    NOSE_GAP_MM,
    apparent_angle_deg,
    penumbra_mm,
    physical_softness,
    shadow_edge,
)
from prolight.domain.schema import Light


def test_penumbra_is_gap_times_size_over_distance() -> None:
    # 90 cm box at 1.5 m, nose 30 mm off the cheek: 30 × 0.9 / 1.5 = 18 mm.
    assert penumbra_mm(0.9, 1.5) == pytest.approx(18.0)
    assert penumbra_mm(0.9, 1.5, occluder_gap_mm=60) == pytest.approx(36.0)


def test_doubling_distance_halves_the_penumbra() -> None:
    assert penumbra_mm(1.2, 2.0) == pytest.approx(penumbra_mm(1.2, 1.0) / 2)


def test_apparent_angle() -> None:
    assert apparent_angle_deg(1.0, 0.5) == pytest.approx(90.0)
    assert apparent_angle_deg(0.9, 1.5) == pytest.approx(33.4, abs=0.1)


@pytest.mark.parametrize(
    ("modifier", "distance", "low", "high", "quality"),
    [
        pytest.param("snoot", 2.0, 0.0, 0.1, "hard", id="snoot-far"),
        pytest.param("bare", 1.5, 0.1, 0.3, "hard", id="bare-reflector"),
        pytest.param("softbox", 1.5, 0.6, 0.8, "soft", id="softbox"),
        pytest.param("octabox", 1.0, 0.85, 1.0, "very soft", id="octabox-close"),
    ],
)
def test_softness_from_the_source_size(
    modifier: str, distance: float, low: float, high: float, quality: str
) -> None:
    edge = shadow_edge(Light(modifier=modifier, distance=distance))
    assert low <= edge.softness <= high
    assert edge.quality == quality


def test_same_box_further_away_is_harder() -> None:
    near = shadow_edge(Light(modifier="softbox", distance=1.0))
    far = shadow_edge(Light(modifier="softbox", distance=6.0))
    assert far.penumbra_mm == pytest.approx(near.penumbra_mm / 6)
    assert far.softness < near.softness


def test_modifier_size_override_counts() -> None:
    small = shadow_edge(Light(modifier="softbox", modifier_size=0.6, distance=1.5))
    assert small.penumbra_mm == pytest.approx(NOSE_GAP_MM * 0.6 / 1.5)


def test_softness_is_monotonic_and_bounded() -> None:
    values = [physical_softness(w) for w in (0, 1, 5, 15, 50, 500)]
    assert values == sorted(values)
    assert values[0] == 0.0
    assert values[-1] < 1.0


@pytest.mark.parametrize(("size", "distance"), [(0.0, 1.0), (1.0, 0.0), (-1.0, 1.0)])
def test_bad_geometry_is_refused(size: float, distance: float) -> None:
    with pytest.raises(ValueError, match="positive metres"):
        penumbra_mm(size, distance)
