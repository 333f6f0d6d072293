"""The text forms the schema publishes are read by the validators, and (where the pattern is
exact) the validators read nothing else."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from prolight.domain.schema import Background, Camera, Direction
from prolight.domain.schema.camera import _APERTURE_TEXT, _SHUTTER_TEXT, FOV_TEXT_PATTERN
from prolight.domain.schema.direction import DIRECTION_TEXT_PATTERN

EXACT = [
    pytest.param(FOV_TEXT_PATTERN, "fov", id="fov"),
    pytest.param(_APERTURE_TEXT, "aperture", id="aperture"),
]


def _reads(field: str, text: str) -> bool:
    try:
        Camera.model_validate({field: text})
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(("pattern", "field"), [*EXACT, pytest.param(_SHUTTER_TEXT, "shutter_s")])
@settings(max_examples=300)
@given(data=st.data())
def test_every_published_text_is_read(pattern: str, field: str, data: st.DataObject) -> None:
    text = data.draw(st.from_regex(re.compile(pattern, re.ASCII), fullmatch=True))
    assert _reads(field, text), text


_NUMERALS = st.from_regex(
    r"\A\s?[fF]?/?\s?[0-9]{1,4}(\.[0-9]{1,3})?\s?(mm|MM|°|deg|degrees|s)?\s?\Z"
)


@pytest.mark.parametrize(("pattern", "field"), EXACT)
@settings(max_examples=500)
@given(text=st.one_of(_NUMERALS, st.text(max_size=8)))
def test_nothing_else_is_read(pattern: str, field: str, text: str) -> None:
    assert _reads(field, text) == bool(re.search(pattern, text)), text


@settings(max_examples=300)
@given(text=st.from_regex(DIRECTION_TEXT_PATTERN, fullmatch=True))
def test_every_published_direction_text_is_read(text: str) -> None:
    Direction.model_validate(text)


@settings(max_examples=200)
@given(data=st.data())
def test_every_published_colour_is_read(data: st.DataObject) -> None:
    schema = Background.model_json_schema(mode="validation")["properties"]["color"]["anyOf"]
    text = data.draw(
        st.one_of(
            st.from_regex(re.compile(schema[0]["pattern"], re.ASCII), fullmatch=True),
            st.sampled_from(schema[1]["enum"]),
        )
    )
    Background.model_validate({"color": text})
