"""The original README's shapes load into the same canonical prompt as the canonical input."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from prolight.contracts.examples import seed_example
from prolight.domain.errors import InvalidInput
from prolight.domain.hashing import prompt_hash
from prolight.domain.schema import FiboPrompt, load_prompt, load_setup

API_BODY: dict[str, Any] = seed_example("lighting-setup").body

CANONICAL_OF_API_BODY: dict[str, Any] = {
    "schema_version": "fibo_v1",
    "scene": {
        "lighting": {
            "key": {
                "direction": {"azimuth": 45, "elevation": 0},
                "intensity": 0.8,
                "kelvin": 5600,
                "softness": 0.5,
                "distance": 1.5,
                "modifier": "softbox",
            },
            "fill": {
                "direction": [-1, 0, 1.7320508075688772],
                "intensity": 0.4,
                "kelvin": 5600,
                "softness": 0.7,
                "distance": 2.0,
                "modifier": "softbox",
            },
        },
        "camera": {
            "shot_type": "medium_shot",
            "camera_angle": "eye_level",
            "fov": 85,
            "lens_type": "portrait",
            "aperture": 2.8,
        },
        "subject": {"description": "professional model in studio"},
        "environment": "minimalist photography studio",
    },
}

LEGACY_FIBO: dict[str, Any] = seed_example("fibo-json").body

CANONICAL_OF_LEGACY_FIBO: dict[str, Any] = {
    "scene": {
        "lighting": {
            "key": {
                "direction": {"azimuth": 45},
                "intensity": 0.8,
                "kelvin": 5600,
                "softness": 0.5,
            },
            "fill": {
                "direction": {"azimuth": -30},
                "intensity": 0.4,
                "kelvin": 5600,
                "softness": 0.7,
            },
        },
        "camera": {"shot_type": "medium_shot", "camera_angle": "eye_level", "fov": 85},
        "subject": {
            "description": "professional photographer, professional, focused, "
            "adjusting camera settings"
        },
        "environment": "professional studio, controlled lighting",
        "style": "professional studio photography",
    },
}

# The README's JavaScript example: just the lights by role, camelCase colour temperature.
BARE_LIGHTS: dict[str, Any] = seed_example("usage-rembrandt").body["lighting_setup"]

CANONICAL_OF_BARE_LIGHTS: dict[str, Any] = {
    "scene": {
        "lighting": {
            "key": {
                "direction": {"azimuth": -45, "elevation": 45},
                "intensity": 0.9,
                "kelvin": 5600,
                "softness": 0.6,
                "distance": 1.5,
            },
            "fill": {
                "direction": {"azimuth": 30},
                "intensity": 0.3,
                "kelvin": 4500,
                "softness": 0.7,
                "distance": 2.0,
            },
        },
    },
}


@pytest.mark.parametrize(
    ("older", "canonical"),
    [
        pytest.param(API_BODY, CANONICAL_OF_API_BODY, id="api-body-lighting_setup"),
        pytest.param(LEGACY_FIBO, CANONICAL_OF_LEGACY_FIBO, id="fibo-main_light-fill_light"),
        pytest.param(BARE_LIGHTS, CANONICAL_OF_BARE_LIGHTS, id="bare-lights-by-role"),
    ],
)
def test_older_shape_gives_the_canonical_prompt(
    older: dict[str, Any], canonical: dict[str, Any]
) -> None:
    from_older = load_prompt(older)
    from_canonical = load_prompt(canonical)
    assert from_older == from_canonical
    assert prompt_hash(from_older) == prompt_hash(from_canonical)
    assert load_setup(older) == from_canonical.scene


def test_api_body_values_land_where_they_belong() -> None:
    scene = load_prompt(API_BODY).scene
    key, fill = scene.lighting["key"], scene.lighting["fill"]
    assert (key.direction.azimuth, fill.direction.azimuth) == (45.0, -30.0)
    assert (key.intensity, fill.intensity, fill.distance) == (0.8, 0.4, 2.0)
    assert scene.camera.aperture == 2.8
    assert scene.subject.description == "professional model in studio"


def test_legacy_fibo_defaults_where_the_old_shape_had_nothing() -> None:
    scene = load_setup(LEGACY_FIBO)
    assert scene.lighting["fill"].distance == 1.5  # no distance in the old shape: the default
    assert scene.camera.aperture == 8.0
    assert set(scene.lighting) == {"key", "fill"}


def test_canonical_prompt_round_trips() -> None:
    prompt = load_prompt(API_BODY, seed=7)
    assert prompt.metadata.seed == 7
    again = load_prompt(prompt.model_dump(mode="json"))
    assert again == prompt
    assert FiboPrompt.model_validate_json(prompt.model_dump_json()) == prompt


def test_loading_does_not_change_the_input() -> None:
    before = copy.deepcopy(API_BODY)
    load_prompt(API_BODY)
    assert before == API_BODY


def _with(base: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


@pytest.mark.parametrize(
    ("data", "fields", "says"),
    [
        pytest.param(
            _with(API_BODY, ("lighting_setup", "key", "intensity"), 2.5),
            ["lighting_setup.key.intensity"],
            "less than or equal to 2",
            id="api-light-path",
        ),
        pytest.param(
            _with(API_BODY, ("camera_settings", "fov"), 900),
            ["camera_settings.fov"],
            "fov is 2.6–800",
            id="api-camera-path",
        ),
        pytest.param(
            _with(API_BODY, ("subject_description",), "x" * 600),
            ["subject_description"],
            "at most 500",
            id="api-subject-path",
        ),
        pytest.param(
            _with(API_BODY, ("style_intent",), 5),
            ["style_intent"],
            "valid string",
            id="api-style-path",
        ),
        pytest.param(_with(API_BODY, ("extra",), 1), ["extra"], "unknown field", id="api-unknown"),
        pytest.param(
            _with(LEGACY_FIBO, ("lighting", "main_light", "color_temperature"), 1),
            ["lighting.main_light.color_temperature"],
            "greater than or equal to 1000",
            id="fibo-light-path-as-typed",
        ),
        pytest.param(
            _with(LEGACY_FIBO, ("subject", "attributes"), 5),
            ["subject.attributes"],
            "list of words",
            id="fibo-attributes",
        ),
        pytest.param(
            _with(LEGACY_FIBO, ("subject", "mood"), "x"),
            ["subject.mood"],
            "unknown field",
            id="fibo-subject-unknown",
        ),
        pytest.param(
            _with(LEGACY_FIBO, ("artistic_style",), 3),
            ["artistic_style"],
            "valid string",
            id="fibo-style-path",
        ),
        pytest.param(
            _with(LEGACY_FIBO, ("lens",), "x"), ["lens"], "unknown field", id="fibo-unknown"
        ),
        pytest.param(
            {"subject": {"main_entity": "x"}}, ["lighting"], "Field required", id="fibo-no-lighting"
        ),
        pytest.param(
            _with(BARE_LIGHTS, ("key", "intensity"), 9),
            ["key.intensity"],
            "less than or equal to 2",
            id="bare-light-path",
        ),
        pytest.param(
            {"scene": {"lighting": {"main_light": {"softness": 4}}}},
            ["scene.lighting.main_light.softness"],
            "less than or equal to 1",
            id="canonical-alias-role",
        ),
        pytest.param([], [""], "a prompt is a JSON object, got list", id="not-an-object"),
        pytest.param("key", [""], "a prompt is a JSON object, got str", id="a-string"),
    ],
)
def test_errors_name_the_field_the_user_typed(data: Any, fields: list[str], says: str) -> None:
    with pytest.raises(InvalidInput) as info:
        load_prompt(data)
    assert [e.field for e in info.value.errors] == fields
    assert says in info.value.errors[0].message


def test_load_setup_rejects_non_objects() -> None:
    with pytest.raises(InvalidInput, match="a lighting setup is a JSON object, got int"):
        load_setup(3)
