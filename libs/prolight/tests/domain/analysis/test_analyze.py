"""`analyze`: ratios, readings, pattern, rating, colour, recommendations that really work."""

from __future__ import annotations

import json
from typing import Any

import pytest

from prolight.domain.analysis import Analysis, analyze
from prolight.domain.physics.face import face_light
from prolight.domain.presets import PRESETS
from prolight.domain.schema import Light, LightingSetup, Role


def _setup(lighting: dict[str, Any], **rest: Any) -> LightingSetup:
    return LightingSetup.model_validate({"lighting": lighting, **rest})


def _apply(setup: LightingSetup, field: str, value: Any) -> LightingSetup:
    """Apply a recommendation's `field` path (lighting.<role>.<attr> or lighting.<role>)."""
    parts = field.split(".")
    assert parts[0] == "lighting"
    role = Role(parts[1])
    lighting = dict(setup.lighting)
    if len(parts) == 2:
        lighting[role] = value
    else:
        lighting[role] = lighting[role].model_copy(update={parts[2]: value})
    return setup.model_copy(update={"lighting": lighting})


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_classifies_as_itself(name: str) -> None:
    pattern = analyze(PRESETS[name].setup).pattern
    assert pattern.name == name
    assert pattern.confidence >= 0.6


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_rate_well_and_need_no_fixing(name: str) -> None:
    analysis = analyze(PRESETS[name].setup)
    assert analysis.rating.score >= 8.0
    assert analysis.recommendations == []


def test_classification_from_geometry_not_names() -> None:
    # A user's own loop-ish setup (not a preset copy) still reads as loop.
    setup = _setup(
        {
            "key": {
                "intensity": 0.6,
                "direction": "30 degrees camera-left, 40 up",
                "modifier": "softbox",
            },
            "fill": {
                "intensity": 0.2,
                "direction": "45 degrees camera-right",
                "modifier": "umbrella",
                "distance": 2,
            },
        },
        background={"color": "grey"},
    )
    assert analyze(setup).pattern.name == "loop"


def test_ratio_conventions_are_all_reported() -> None:
    setup = _setup(
        {
            "key": {
                "intensity": 0.8,
                "direction": "45 degrees camera-right",
                "modifier": "softbox",
            },
            "fill": {
                "intensity": 0.4,
                "direction": "45 degrees camera-left",
                "modifier": "softbox",
            },
        }
    )
    ratios = analyze(setup).ratios
    assert ratios.key_fill.stops == pytest.approx(1.0, abs=1e-3)
    assert ratios.key_fill.ratio == pytest.approx(2.0, abs=1e-3)
    assert ratios.key_fill.key_plus_fill_to_fill == pytest.approx(3.0, abs=1e-3)
    assert ratios.face_contrast.stops is not None
    assert ratios.face_contrast.stops < ratios.key_fill.stops  # the key spills on the shadow cheek
    assert ratios.key_fill.explanation
    assert ratios.face_contrast.explanation


def test_meter_reading_per_light() -> None:
    analysis = analyze(PRESETS["soft_beauty_portrait"].setup)
    assert set(analysis.meter) == {Role.KEY, Role.FILL, Role.HAIR, Role.BACKGROUND}
    assert analysis.meter[Role.KEY].display.startswith("f/")


def test_rating_components_are_named_scored_and_explained() -> None:
    rating = analyze(PRESETS["loop"].setup).rating
    names = {c.name for c in rating.components}
    assert names == {
        "ratio_suits_intent",
        "colour_consistency",
        "separation",
        "rim_presence",
        "catchlight",
        "exposure_headroom",
    }
    for c in rating.components:
        assert 0 <= c.score <= 10
        assert len(c.reason) > 10
    assert 1 <= rating.score <= 10


@pytest.mark.parametrize(
    ("style", "fill", "target"),
    [
        pytest.param("classic portrait", 0.03, 1.6, id="portrait-fill-too-weak"),
        pytest.param("dramatic", 0.7, 3.0, id="dramatic-fill-too-strong"),
        pytest.param("high-key", 0.05, 0.6, id="high-key-fill-too-weak"),
    ],
)
def test_fill_recommendation_moves_the_ratio_to_its_target(
    style: str, fill: float, target: float
) -> None:
    setup = _setup(
        {
            "key": {
                "intensity": 0.8,
                "direction": "45 degrees camera-right, 30 up",
                "modifier": "softbox",
            },
            "fill": {
                "intensity": fill,
                "direction": "40 degrees camera-left",
                "modifier": "umbrella",
            },
        },
        style=style,
        background={"color": "white" if style == "high-key" else "dark grey"},
    )
    before = analyze(setup)
    rec = next(r for r in before.recommendations if r.field and r.field.startswith("lighting.fill"))
    assert rec.suggested is not None
    assert f"{rec.suggested:g}" in rec.message  # the number is in the words
    assert any(ch.isdigit() for ch in rec.message)
    after = face_light(_apply(setup, rec.field or "", rec.suggested)).key_fill
    assert after is not None
    assert after.stops == pytest.approx(target, abs=0.05)
    assert rec.expected_stops == pytest.approx(after.stops, abs=0.01)
    score_after = analyze(_apply(setup, rec.field or "", rec.suggested)).rating
    ratio_component = next(c for c in score_after.components if c.name == "ratio_suits_intent")
    assert ratio_component.score == 10.0


def test_fill_past_full_power_moves_closer() -> None:
    setup = _setup(
        {
            "key": {
                "intensity": 1.0,
                "direction": "45 degrees camera-right",
                "modifier": "bare",
                "distance": 1,
            },
            "fill": {
                "intensity": 0.05,
                "direction": "45 degrees camera-left",
                "modifier": "reflector",
                "distance": 3,
            },
        },
        style="soft beauty",
    )
    rec = next(r for r in analyze(setup).recommendations if r.field == "lighting.fill.distance")
    assert rec.suggested is not None
    moved = _apply(
        _apply(setup, "lighting.fill.intensity", 1.0), "lighting.fill.distance", rec.suggested
    )
    after = face_light(moved).key_fill
    assert after is not None
    assert after.stops == pytest.approx(1.0, abs=0.05)


def test_missing_fill_recommendation_adds_one() -> None:
    setup = _setup(
        {
            "key": {
                "intensity": 0.6,
                "direction": "45 degrees camera-left, 30 up",
                "modifier": "softbox",
            }
        },
        style="corporate headshot",
        background={"color": "light grey"},
    )
    rec = next(r for r in analyze(setup).recommendations if r.field == "lighting.fill")
    assert "camera-right" in rec.message
    assert rec.suggested is not None
    fill = Light.model_validate(
        {
            "intensity": rec.suggested,
            "modifier": "softbox",
            "softness": 0.65,
            "distance": 1.5,
            "direction": {"azimuth": 45, "elevation": 0},
        }
    )
    after = face_light(_apply(setup, "lighting.fill", fill)).key_fill
    assert after is not None
    assert after.stops == pytest.approx(1.6, abs=0.05)


def test_mixed_temperatures_warn_with_a_gel_in_numbers() -> None:
    setup = _setup(
        {
            "key": {"intensity": 0.6, "direction": "45 degrees camera-right", "kelvin": 5600},
            "fill": {"intensity": 0.3, "direction": "45 degrees camera-left", "kelvin": 3200},
        },
        style="classic portrait",
    )
    colour = analyze(setup).colour
    assert colour.mired_spread == pytest.approx(134, abs=1)
    assert not colour.deliberate_mix
    assert any("CTB" in w and "mired" in w for w in colour.warnings)
    rating = analyze(setup).rating
    assert next(c for c in rating.components if c.name == "colour_consistency").score < 5


def test_warm_accent_rim_is_deliberate() -> None:
    setup = _setup(
        {
            "key": {"intensity": 0.6, "direction": "45 degrees camera-right", "kelvin": 5600},
            "rim": {"intensity": 0.5, "direction": "behind, camera-left", "kelvin": 3000},
        }
    )
    colour = analyze(setup).colour
    assert colour.deliberate_mix
    assert colour.warnings == []


def test_warm_mood_under_daylight_balance() -> None:
    setup = _setup(
        {"key": {"intensity": 0.6, "direction": "45 degrees camera-right", "kelvin": 3200}}
    )
    assert analyze(setup).colour.mood == "warm"


def test_wide_fov_on_a_portrait_lens_is_flagged() -> None:
    setup = _setup(
        {"key": {"intensity": 0.6, "direction": "45 degrees camera-right"}},
        camera={"fov": "65°", "lens_type": "portrait"},
    )
    analysis = analyze(setup)
    assert any("fov" in w for w in analysis.warnings)
    rec = next(r for r in analysis.recommendations if r.field == "camera.focal_length_mm")
    assert rec.suggested == 85.0


def test_analysis_is_deterministic_and_json_able() -> None:
    setup = PRESETS["rim_lit_dramatic_fashion"].setup
    first = analyze(setup).model_dump_json()
    second = analyze(setup.model_copy(deep=True)).model_dump_json()
    assert first == second
    back = Analysis.model_validate(json.loads(first))
    assert back.pattern.name == "rim_lit_dramatic_fashion"


def test_only_ambient_is_not_a_pattern() -> None:
    analysis = analyze(_setup({"ambient": {"intensity": 1.0}}))
    assert analysis.pattern.name == "ambient_only"
    assert analysis.pattern.confidence == 0.0
