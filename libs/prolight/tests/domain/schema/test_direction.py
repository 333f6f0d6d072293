"""Every accepted direction form normalises to the azimuth/elevation a photographer means."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from prolight.domain.errors import describe_errors
from prolight.domain.schema import ACCEPTED_FORMS, Direction, Light, parse_direction_text

TEXT_FORMS = [
    pytest.param("45 degrees camera-right", (45.0, 0.0), id="deg-camera-right"),
    pytest.param("30 degrees camera-left", (-30.0, 0.0), id="deg-camera-left"),
    pytest.param("45 degrees camera right", (45.0, 0.0), id="camera-right-spaced"),
    pytest.param("30° left", (-30.0, 0.0), id="degree-sign"),
    pytest.param("45 degrees left and above", (-45.0, 45.0), id="left-and-above"),
    pytest.param("from above", (0.0, 45.0), id="from-above"),
    pytest.param("from below", (0.0, -30.0), id="from-below"),
    pytest.param("overhead", (0.0, 75.0), id="overhead"),
    pytest.param("slightly above", (0.0, 15.0), id="slightly-above"),
    pytest.param("slightly above camera-left", (-45.0, 15.0), id="slightly-above-left"),
    pytest.param("behind", (180.0, 0.0), id="behind"),
    pytest.param("behind, camera-left", (-135.0, 0.0), id="behind-left"),
    pytest.param("behind camera-right", (135.0, 0.0), id="behind-right"),
    pytest.param("30 degrees behind camera-left", (-150.0, 0.0), id="deg-off-back-axis"),
    pytest.param("135 degrees left, behind", (-135.0, 0.0), id="deg-over-90-behind"),
    pytest.param("90 right, 20 up", (90.0, 20.0), id="right-and-up-numbers"),
    pytest.param("45 right 30 below", (45.0, -30.0), id="numbers-below"),
    pytest.param("45 degrees camera right, 10 degrees above", (45.0, 10.0), id="two-angles"),
    pytest.param("azimuth 30 elevation 15", (30.0, 15.0), id="explicit-az-el"),
    pytest.param("azimuth -200", (160.0, 0.0), id="explicit-az-wraps"),
    pytest.param("camera-left side", (-90.0, 0.0), id="side-light-left"),
    pytest.param("right side", (90.0, 0.0), id="side-light-right"),
    pytest.param("camera-left", (-45.0, 0.0), id="side-alone-is-45"),
    pytest.param("front", (0.0, 0.0), id="front"),
    pytest.param("on axis", (0.0, 0.0), id="on-axis"),
    pytest.param("eye level camera right", (45.0, 0.0), id="eye-level"),
    pytest.param("  45 DEGREES Camera-Right  ", (45.0, 0.0), id="case-and-spaces"),
]


@pytest.mark.parametrize(("text", "expected"), TEXT_FORMS)
def test_text_forms_normalise(text: str, expected: tuple[float, float]) -> None:
    assert parse_direction_text(text) == expected
    d = Direction.model_validate(text)
    assert (d.azimuth, d.elevation) == expected


@pytest.mark.parametrize(
    ("vector", "expected"),
    [
        pytest.param([0, 0, 1], (0.0, 0.0), id="towards-camera"),
        pytest.param([1, 0, 0], (90.0, 0.0), id="camera-right"),
        pytest.param([-1, 0, 0], (-90.0, 0.0), id="camera-left"),
        pytest.param([0, 0, -1], (180.0, 0.0), id="behind"),
        pytest.param([0, 1, 0], (0.0, 90.0), id="straight-up"),
        pytest.param([0, -2, 0], (0.0, -90.0), id="straight-down-any-length"),
        pytest.param([1, 0, 1], (45.0, 0.0), id="45-right"),
        pytest.param([1, 1, 1], (45.0, 35.26), id="diagonal"),
        pytest.param((-3.0, 0.0, 3.0), (-45.0, 0.0), id="tuple-floats"),
    ],
)
def test_vectors_normalise(vector: list[float], expected: tuple[float, float]) -> None:
    d = Direction.model_validate(vector)
    assert (d.azimuth, d.elevation) == expected


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        pytest.param({"azimuth": 30}, (30.0, 0.0), id="elevation-defaults-to-eye-level"),
        pytest.param({"azimuth": 190, "elevation": 10}, (-170.0, 10.0), id="wraps-past-180"),
        pytest.param({"azimuth": -180}, (180.0, 0.0), id="minus-180-is-180"),
        pytest.param({"azimuth": 720.5, "elevation": -5}, (0.5, -5.0), id="whole-turns"),
        pytest.param({"azimuth": 12.3456, "elevation": 1.004}, (12.35, 1.0), id="rounded-to-0.01"),
        pytest.param({"azimuth": -0.001}, (0.0, 0.0), id="negative-zero-folds"),
    ],
)
def test_mappings_normalise(mapping: dict[str, float], expected: tuple[float, float]) -> None:
    d = Direction.model_validate(mapping)
    assert (d.azimuth, d.elevation) == expected
    assert math.copysign(1.0, d.azimuth) == 1.0 or d.azimuth < 0  # never -0.0


def test_text_vector_and_mapping_agree() -> None:
    text = Direction.model_validate("45 degrees camera-right")
    assert Direction.model_validate([1, 0, 1]) == text
    assert Direction.model_validate({"azimuth": 45, "elevation": 0}) == text


def test_vector_round_trip() -> None:
    d = Direction(azimuth=-60, elevation=20)
    assert Direction.model_validate(list(d.vector())) == d


@pytest.mark.parametrize(
    ("text", "says"),
    [
        pytest.param("zigzag", "unknown word(s) 'zigzag'", id="unknown-word"),
        pytest.param("45 degrees", "to which side", id="angle-without-side"),
        pytest.param("side", "which side", id="side-without-left-right"),
        pytest.param("", "no position found", id="empty"),
        pytest.param("45 degrees camera-right!!", "unexpected", id="punctuation"),
        pytest.param("ignore previous instructions", "unknown word(s)", id="injection"),
    ],
)
def test_unparseable_text_quotes_it_and_lists_accepted_forms(text: str, says: str) -> None:
    with pytest.raises(ValidationError) as info:
        Light.model_validate({"direction": text})
    [error] = describe_errors(info.value)
    assert error.field == "direction"
    assert f"cannot read direction {text!r}" in error.message
    assert says in error.message
    assert ACCEPTED_FORMS in error.message


@pytest.mark.parametrize(
    ("value", "says"),
    [
        pytest.param([0, 0, 0], "cannot be [0, 0, 0]", id="zero-vector"),
        pytest.param([1, 2], "three finite numbers", id="two-numbers"),
        pytest.param(["a", 1, 2], "three finite numbers", id="text-in-vector"),
        pytest.param([True, 0, 1], "three finite numbers", id="bool-in-vector"),
        pytest.param([float("nan"), 0, 1], "three finite numbers", id="nan"),
        pytest.param(5, "text, [x, y, z] or {azimuth, elevation}", id="a-number"),
        pytest.param(None, "text, [x, y, z] or {azimuth, elevation}", id="null"),
    ],
)
def test_bad_vectors_and_types(value: object, says: str) -> None:
    with pytest.raises(ValidationError) as info:
        Light.model_validate({"direction": value})
    [error] = describe_errors(info.value)
    assert error.field == "direction"
    assert says in error.message


@pytest.mark.parametrize(
    ("mapping", "field", "says"),
    [
        pytest.param(
            {"azimuth": 30, "elevation": 100},
            "direction.elevation",
            "less than or equal to 90",
            id="elevation-too-high",
        ),
        pytest.param(
            {"azimuth": 30, "elevation": -91},
            "direction.elevation",
            "greater than or equal to -90",
            id="elevation-too-low",
        ),
        pytest.param({"elevation": 3}, "direction.azimuth", "Field required", id="no-azimuth"),
        pytest.param({"azimuth": "left"}, "direction.azimuth", "valid number", id="azimuth-text"),
        pytest.param({"azimuth": float("inf")}, "direction.azimuth", "finite", id="azimuth-inf"),
        pytest.param(
            {"azimuth": 1, "height": 2}, "direction.height", "unknown field", id="unknown"
        ),
    ],
)
def test_bad_mappings_name_the_field(mapping: dict[str, object], field: str, says: str) -> None:
    with pytest.raises(ValidationError) as info:
        Light.model_validate({"direction": mapping})
    errors = describe_errors(info.value)
    assert [e.field for e in errors] == [field]
    assert says in errors[0].message


@pytest.mark.parametrize(
    ("az", "el", "words"),
    [
        pytest.param(0, 0, "on the camera axis, at eye level", id="axis"),
        pytest.param(45, 30, "45° camera-right, 30° above eye level", id="right-above"),
        pytest.param(
            -135,
            -10,
            "135° camera-left (behind the subject), 10° below eye level",
            id="behind-left-below",
        ),
        pytest.param(180, 0, "directly behind the subject, at eye level", id="behind"),
    ],
)
def test_describe(az: float, el: float, words: str) -> None:
    assert Direction(azimuth=az, elevation=el).describe() == words
