"""Bad input for every field: each error names the field path and says what is allowed."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from prolight.domain.errors import describe_errors
from prolight.domain.schema import (
    Background,
    Camera,
    FiboPrompt,
    Gel,
    Light,
    LightingSetup,
    Metadata,
    Output,
    Subject,
)

LONG = "x" * 501
KEY: dict[str, Any] = {"key": {}}

CASES = [
    # Light
    pytest.param(Light, {"role": "spot"}, "role", "'key', 'fill', 'rim'", id="light-role"),
    pytest.param(Light, {"enabled": "maybe"}, "enabled", "valid boolean", id="light-enabled"),
    pytest.param(
        Light, {"intensity": 2.5}, "intensity", "less than or equal to 2", id="light-intensity-high"
    ),
    pytest.param(
        Light,
        {"intensity": -0.1},
        "intensity",
        "greater than or equal to 0",
        id="light-intensity-low",
    ),
    pytest.param(
        Light, {"intensity": "bright"}, "intensity", "valid number", id="light-intensity-text"
    ),
    pytest.param(
        Light, {"intensity": float("inf")}, "intensity", "finite number", id="light-intensity-inf"
    ),
    pytest.param(
        Light, {"kelvin": 500}, "kelvin", "greater than or equal to 1000", id="light-kelvin-low"
    ),
    pytest.param(
        Light, {"kelvin": 25000}, "kelvin", "less than or equal to 20000", id="light-kelvin-high"
    ),
    pytest.param(
        Light,
        {"color_temperature": 900},
        "color_temperature",
        "greater than or equal to 1000",
        id="light-color-temperature-alias",
    ),
    pytest.param(
        Light,
        {"colorTemperature": "warm"},
        "colorTemperature",
        "valid number",
        id="light-colorTemperature-alias",
    ),
    pytest.param(
        Light,
        {"kelvin": 3200, "color_temperature": 5600},
        "",
        "colour temperature given twice (kelvin and color_temperature)",
        id="light-kelvin-twice",
    ),
    pytest.param(
        Light, {"softness": 2}, "softness", "less than or equal to 1", id="light-softness"
    ),
    pytest.param(Light, {"softness": "x"}, "softness", "valid number", id="light-softness-text"),
    pytest.param(
        Light, {"intensity": True}, "intensity", "not true/false", id="light-intensity-bool"
    ),
    pytest.param(Camera, {"iso": False}, "iso", "not true/false", id="camera-iso-bool"),
    pytest.param(
        Light,
        {"distance": 0},
        "distance",
        "greater than or equal to 0.05",
        id="light-distance-zero",
    ),
    pytest.param(
        Light,
        {"distance": 1e-300},
        "distance",
        "greater than or equal to 0.05",
        id="light-distance-tiny",
    ),
    pytest.param(
        Light, {"distance": 31}, "distance", "less than or equal to 30", id="light-distance-far"
    ),
    pytest.param(
        Light,
        {"direction": "zigzag"},
        "direction",
        "cannot read direction 'zigzag'",
        id="light-direction",
    ),
    pytest.param(
        Light,
        {"modifier": "lantern"},
        "modifier",
        "allowed: bare, softbox, octabox",
        id="light-modifier",
    ),
    pytest.param(
        Light, {"type": "lantern"}, "type", "unknown modifier 'lantern'", id="light-type-alias"
    ),
    pytest.param(
        Light, {"modifier": 5}, "modifier", "'bare', 'softbox'", id="light-modifier-number"
    ),
    pytest.param(
        Light,
        {"modifier": "softbox", "type": "grid"},
        "",
        "modifier given twice",
        id="light-modifier-twice",
    ),
    pytest.param(
        Light, {"modifier_size": 0}, "modifier_size", "greater than 0", id="light-modifier-size"
    ),
    pytest.param(
        Light,
        {"modifier_size": 6},
        "modifier_size",
        "less than or equal to 5",
        id="light-modifier-size-big",
    ),
    pytest.param(Light, {"gel": "orange"}, "gel", "valid dictionary", id="light-gel-type"),
    pytest.param(Light, {"bogus": 1}, "bogus", "unknown field", id="light-unknown"),
    # Gel
    pytest.param(
        Gel, {"kind": "pink", "amount": 0.5}, "kind", "'cto', 'ctb' or 'mired'", id="gel-kind"
    ),
    pytest.param(Gel, {"kind": "cto"}, "amount", "Field required", id="gel-amount-missing"),
    pytest.param(
        Gel,
        {"kind": "cto", "amount": 5},
        "amount",
        "0.125 (1/8) to 2 (double)",
        id="gel-cto-amount",
    ),
    pytest.param(
        Gel, {"kind": "ctb", "amount": 0.1}, "amount", "CTB gel is 0.125", id="gel-ctb-amount"
    ),
    pytest.param(
        Gel, {"kind": "mired", "amount": 900}, "amount", "between -500 and 500", id="gel-mired"
    ),
    pytest.param(Gel, {"kind": "cto", "amount": float("nan")}, "amount", "finite", id="gel-nan"),
    pytest.param(
        Gel, {"kind": "cto", "amount": 0.5, "x": 1}, "x", "unknown field", id="gel-unknown"
    ),
    # Camera
    pytest.param(
        Camera, {"shot_type": "wide"}, "shot_type", "'headshot', 'close_up'", id="camera-shot-type"
    ),
    pytest.param(
        Camera,
        {"camera_angle": "dutch"},
        "camera_angle",
        "'eye_level', 'high_angle'",
        id="camera-angle",
    ),
    pytest.param(Camera, {"fov": 900}, "fov", "fov is 2.6–800", id="camera-fov-wide"),
    pytest.param(Camera, {"fov": "200°"}, "fov", "field of view is 2.6–132°", id="camera-fov-deg"),
    pytest.param(Camera, {"fov": "5mm"}, "fov", "focal length is 8–800 mm", id="camera-fov-mm"),
    pytest.param(Camera, {"fov": "wide"}, "fov", 'a focal length ("85mm")', id="camera-fov-text"),
    pytest.param(
        Camera,
        {"focal_length_mm": 5},
        "focal_length_mm",
        "greater than or equal to 8",
        id="camera-focal-length",
    ),
    pytest.param(
        Camera, {"lens_type": "x" * 61}, "lens_type", "at most 60 characters", id="camera-lens-type"
    ),
    pytest.param(
        Camera, {"aperture": "f/abc"}, "aperture", 'like "f/2.8" or 2.8', id="camera-aperture-text"
    ),
    pytest.param(
        Camera, {"aperture": 0.5}, "aperture", "greater than or equal to 0.95", id="camera-aperture"
    ),
    pytest.param(Camera, {"iso": 10}, "iso", "greater than or equal to 25", id="camera-iso"),
    pytest.param(
        Camera, {"shutter_s": "1/0"}, "shutter_s", 'like "1/125"', id="camera-shutter-text"
    ),
    pytest.param(Camera, {"shutter_s": 0}, "shutter_s", "greater than 0", id="camera-shutter"),
    pytest.param(
        Camera,
        {"white_balance_k": 1000},
        "white_balance_k",
        "greater than or equal to 2000",
        id="camera-white-balance",
    ),
    pytest.param(
        Camera,
        {"distance_m": 0.2},
        "distance_m",
        "greater than or equal to 0.35",
        id="camera-distance",
    ),
    pytest.param(Camera, {"zoom": 2}, "zoom", "unknown field", id="camera-unknown"),
    # Background
    pytest.param(
        Background,
        {"color": "mauve"},
        "color",
        "neither #rrggbb nor a known name",
        id="background-colour-name",
    ),
    pytest.param(Background, {"color": "#12"}, "color", "#rrggbb", id="background-colour-hex"),
    pytest.param(Background, {"color": 5}, "color", "valid string", id="background-colour-number"),
    pytest.param(
        Background, {"type": "x" * 61}, "type", "at most 60 characters", id="background-type"
    ),
    pytest.param(
        Background, {"distance_m": 0}, "distance_m", "greater than 0", id="background-distance"
    ),
    pytest.param(Background, {"texture": "x"}, "texture", "unknown field", id="background-unknown"),
    # Subject
    pytest.param(
        Subject,
        {"description": LONG},
        "description",
        "at most 500 characters",
        id="subject-description",
    ),
    pytest.param(Subject, {"kind": "animal"}, "kind", "'portrait' or 'product'", id="subject-kind"),
    pytest.param(Subject, {"age": 3}, "age", "unknown field", id="subject-unknown"),
    # LightingSetup
    pytest.param(LightingSetup, {}, "lighting", "Field required", id="setup-no-lighting"),
    pytest.param(
        LightingSetup, {"lighting": []}, "lighting", "valid dictionary", id="setup-lighting-list"
    ),
    pytest.param(
        LightingSetup,
        {"lighting": {}},
        "lighting",
        "at least one light must be enabled",
        id="setup-no-lights",
    ),
    pytest.param(
        LightingSetup,
        {"lighting": {"key": {"enabled": False}}},
        "lighting",
        "at least one light must be enabled",
        id="setup-all-off",
    ),
    pytest.param(
        LightingSetup,
        {"lighting": {"spot": {}}},
        "lighting",
        "unknown light role 'spot'; allowed: key, fill, rim",
        id="setup-unknown-role",
    ),
    pytest.param(
        LightingSetup,
        {"lighting": {"key": {"role": "fill"}}},
        "lighting",
        "the light filed under 'key' has role 'fill'",
        id="setup-role-mismatch",
    ),
    pytest.param(
        LightingSetup,
        {"lighting": {"main": {}, "key": {}}},
        "lighting",
        "two lights are filed as 'key'",
        id="setup-duplicate-role",
    ),
    pytest.param(
        LightingSetup,
        {"lighting": {"key": {"intensity": 3}}},
        "lighting.key.intensity",
        "less than or equal to 2",
        id="setup-nested-light",
    ),
    pytest.param(
        LightingSetup,
        {"lighting": KEY, "camera": {"iso": 1}},
        "camera.iso",
        "greater than or equal to 25",
        id="setup-camera",
    ),
    pytest.param(
        LightingSetup,
        {"lighting": KEY, "subject": {"kind": "x"}},
        "subject.kind",
        "'portrait' or 'product'",
        id="setup-subject",
    ),
    pytest.param(
        LightingSetup,
        {"lighting": KEY, "background": {"color": "x"}},
        "background.color",
        "#rrggbb",
        id="setup-background",
    ),
    pytest.param(
        LightingSetup,
        {"lighting": KEY, "environment": LONG},
        "environment",
        "at most 500 characters",
        id="setup-environment",
    ),
    pytest.param(
        LightingSetup,
        {"lighting": KEY, "style": "x" * 201},
        "style",
        "at most 200 characters",
        id="setup-style",
    ),
    pytest.param(
        LightingSetup, {"lighting": KEY, "mood": "x"}, "mood", "unknown field", id="setup-unknown"
    ),
    # Metadata
    pytest.param(
        Metadata, {"seed": -1}, "seed", "greater than or equal to 0", id="metadata-seed-negative"
    ),
    pytest.param(
        Metadata,
        {"seed": 2**31},
        "seed",
        "less than or equal to 2147483647",
        id="metadata-seed-big",
    ),
    pytest.param(Metadata, {"seed": "x"}, "seed", "valid integer", id="metadata-seed-text"),
    pytest.param(
        Metadata, {"project": "x" * 121}, "project", "at most 120 characters", id="metadata-project"
    ),
    pytest.param(
        Metadata, {"creator": "x" * 121}, "creator", "at most 120 characters", id="metadata-creator"
    ),
    pytest.param(
        Metadata,
        {"locked_fields": ["foo"]},
        "locked_fields",
        "cannot lock 'foo'; lockable: camera",
        id="metadata-locked-unknown",
    ),
    pytest.param(
        Metadata,
        {"locked_fields": "camera"},
        "locked_fields",
        "valid list",
        id="metadata-locked-text",
    ),
    pytest.param(Metadata, {"owner": "x"}, "owner", "unknown field", id="metadata-unknown"),
    # Output
    pytest.param(
        Output, {"aspect_ratio": "2:1"}, "aspect_ratio", "'1:1', '2:3'", id="output-aspect"
    ),
    pytest.param(
        Output, {"resolution": [10, 10]}, "resolution", "each side is 64–4096", id="output-small"
    ),
    pytest.param(
        Output, {"resolution": [1024]}, "resolution", "[width, height]", id="output-one-side"
    ),
    pytest.param(Output, {"resolution": "big"}, "resolution", "[width, height]", id="output-text"),
    pytest.param(
        Output, {"resolution": [1024, "x"]}, "resolution[1]", "valid integer", id="output-side-text"
    ),
    pytest.param(Output, {"format": "jpg"}, "format", "'png'", id="output-format"),
    pytest.param(Output, {"dpi": 300}, "dpi", "unknown field", id="output-unknown"),
    # FiboPrompt
    pytest.param(
        FiboPrompt,
        {"schema_version": "fibo_v2", "scene": {"lighting": KEY}},
        "schema_version",
        "'fibo_v1'",
        id="prompt-version",
    ),
    pytest.param(FiboPrompt, {}, "scene", "Field required", id="prompt-no-scene"),
    pytest.param(
        FiboPrompt,
        {"scene": {"lighting": {"key": {"direction": "nowhere"}}}},
        "scene.lighting.key.direction",
        "cannot read direction 'nowhere'",
        id="prompt-deep-path",
    ),
    pytest.param(
        FiboPrompt,
        {"scene": {"lighting": KEY}, "metadata": {"seed": -2}},
        "metadata.seed",
        "greater than or equal to 0",
        id="prompt-metadata",
    ),
    pytest.param(
        FiboPrompt,
        {"scene": {"lighting": KEY}, "output": {"format": "gif"}},
        "output.format",
        "'png'",
        id="prompt-output",
    ),
    pytest.param(
        FiboPrompt,
        {"scene": {"lighting": KEY}, "negative": "x"},
        "negative",
        "unknown field",
        id="prompt-unknown",
    ),
]


@pytest.mark.parametrize(("model", "data", "field", "says"), CASES)
def test_bad_field_is_named_and_explained(
    model: type[BaseModel], data: dict[str, Any], field: str, says: str
) -> None:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    errors = describe_errors(info.value)
    assert [e.field for e in errors] == [field], errors
    assert says in errors[0].message


def test_unknown_fields_say_so_at_every_depth() -> None:
    data = {
        "scene": {
            "lighting": {"key": {"power": 1, "gel": {"kind": "cto", "amount": 0.5, "hue": 2}}},
            "camera": {"zoom": 1},
        },
        "extra": True,
    }
    with pytest.raises(ValidationError) as info:
        FiboPrompt.model_validate(data)
    errors = describe_errors(info.value)
    assert sorted(e.field for e in errors) == [
        "extra",
        "scene.camera.zoom",
        "scene.lighting.key.gel.hue",
        "scene.lighting.key.power",
    ]
    assert all(e.message == "unknown field (not part of the schema)" for e in errors)


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        Light.model_validate({"intensity": 3, "softness": -1, "distance": 0})
    assert {e.field for e in describe_errors(info.value)} == {"intensity", "softness", "distance"}


def test_prefix_names_where_the_input_came_from() -> None:
    with pytest.raises(ValidationError) as info:
        Light.model_validate({"intensity": 3})
    [error] = describe_errors(info.value, prefix="body")
    assert str(error) == "body.intensity: Input should be less than or equal to 2"


def test_fov_becomes_focal_length_and_is_not_kept() -> None:
    camera = Camera.model_validate({"fov": 39.6})  # 60 or less, no lens type: degrees
    assert camera.focal_length_mm == pytest.approx(50.0, abs=0.1)
    assert camera.fov is None
    assert "fov" not in camera.model_dump()
    assert Camera.model_validate({"fov": 39.6, "focal_length": 85}).focal_length_mm == 85
    assert camera.fov_deg == pytest.approx(39.6, abs=0.01)


@pytest.mark.parametrize(
    ("data", "modifier"),
    [
        pytest.param({"softness": 0.9}, "octabox", id="soft-octabox"),
        pytest.param({"softness": 0.5}, "softbox", id="medium-softbox"),
        pytest.param({"softness": 0.3}, "beauty_dish", id="firm-dish"),
        pytest.param({"softness": 0.1}, "bare", id="hard-bare"),
        pytest.param({"type": "octa"}, "octabox", id="synonym-via-type"),
        pytest.param({"modifier": "Beauty Dish"}, "beauty_dish", id="spaced-capitalised"),
        pytest.param(
            {"modifier": "shoot-through umbrella"}, "shoot_through_umbrella", id="hyphenated"
        ),
    ],
)
def test_modifier_names_and_defaults(data: dict[str, Any], modifier: str) -> None:
    assert Light.model_validate(data).modifier.value == modifier


def test_accepted_spellings() -> None:
    camera = Camera.model_validate(
        {
            "aperture": "f/2.8",
            "shutter_s": "1/125",
            "shot_type": "Medium Shot",
            "camera_angle": "eye-level",
        }
    )
    assert (camera.aperture, camera.shutter_s) == (2.8, 0.008)
    assert (camera.shot_type.value, camera.camera_angle.value) == ("medium_shot", "eye_level")
    assert Background.model_validate({"color": "Dark Grey"}).color == "#3a3a3a"
    assert Background.model_validate({"color": "#ABC"}).color == "#aabbcc"
    for name in ("kelvin", "color_temperature", "colorTemperature", "colour_temperature"):
        assert Light.model_validate({name: 3200}).kelvin == 3200
    assert Metadata(locked_fields=["lighting.key.kelvin", "camera", "camera"]).locked_fields == [
        "camera",
        "lighting.key.kelvin",
    ]
