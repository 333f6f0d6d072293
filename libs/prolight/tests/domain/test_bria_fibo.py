"""FIBO's structured prompt schema, as strict as FIBO is and as FIBO's written rules ask."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from prolight.domain.bria_fibo import (
    DEFAULT_NEGATIVE_PROMPT,
    FIELD_ORDER,
    FiboSchemaError,
    FiboStructuredPrompt,
    default_negative_prompt,
)

# A street portrait with two objects, people fields and a text render: every part of the schema.
PROMPT: dict[str, Any] = {
    "short_description": "A cyclist waits at a crossing beside a neon sign at dusk.",
    "objects": [
        {
            "description": "a woman in her thirties on a steel road bike",
            "location": "center-left",
            "relationship": "waits below the sign",
            "relative_size": "large within frame",
            "pose": "one foot on the kerb, hands on the bars",
            "expression": "patient, slightly amused",
            "clothing": "yellow rain jacket",
            "action": "waiting for the light",
            "gender": "female",
            "skin_tone_and_texture": "light, freckled",
            "orientation": "three-quarter towards the camera",
        },
        {
            "description": "paper cups",
            "location": "bottom-right foreground",
            "relationship": "on the bench beside her",
            "number_of_objects": 3,
        },
    ],
    "background_setting": "a wet street with shop fronts",
    "lighting": {"conditions": "dusk with neon", "direction": "side-lit from the right"},
    "aesthetics": {
        "composition": "rule of thirds",
        "color_scheme": "teal and magenta",
        "mood_atmosphere": "quiet",
        "preference_score": "very high",
        "aesthetic_score": "very high",
    },
    "photographic_characteristics": {
        "depth_of_field": "shallow",
        "focus": "sharp on her face",
        "camera_angle": "eye level",
        "lens_focal_length": "85 mm",
    },
    "style_medium": "photograph",
    "text_render": [
        {"text": "OPEN", "location": "top-right", "size": "small", "color": "red", "font": "neon"}
    ],
    "context": "an editorial street photograph",
    "artistic_style": "realistic, candid",
}


def _with(change: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(PROMPT)
    out.update(change)
    return out


def test_a_complete_prompt_is_accepted_and_keeps_fibos_field_order() -> None:
    shuffled = dict(reversed(list(PROMPT.items())))
    parsed = FiboStructuredPrompt.check(shuffled)
    assert list(parsed.as_dict()) == list(FIELD_ORDER)
    assert list(json.loads(parsed.to_json())) == list(FIELD_ORDER)
    assert parsed.as_dict() == PROMPT
    assert FiboStructuredPrompt.check_json(json.dumps(PROMPT)) == parsed


def test_the_field_order_is_fibos_not_alphabetical() -> None:
    assert FIELD_ORDER[:4] == ("short_description", "objects", "background_setting", "lighting")
    assert list(FIELD_ORDER) != sorted(FIELD_ORDER)
    assert list(FiboStructuredPrompt.model_fields) == list(FIELD_ORDER)


def test_optional_parts_are_left_out_not_sent_empty() -> None:
    minimal = {
        k: PROMPT[k] for k in ("short_description", "background_setting", "lighting", "context")
    }
    minimal["objects"] = [{"description": "a cup", "location": "center", "relationship": "alone"}]
    minimal["aesthetics"] = {"composition": "c", "color_scheme": "s", "mood_atmosphere": "m"}
    text = FiboStructuredPrompt.check(minimal).to_json()
    assert "null" not in text
    assert '""' not in text
    assert "text_render" not in text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"context": None}, "context", id="required-missing"),
        pytest.param({"mood": "calm"}, "mood", id="unknown-field"),
        pytest.param({"objects": PROMPT["objects"] * 3}, "objects", id="six-objects"),
        pytest.param({"objects": []}, "objects", id="no-object"),
        pytest.param({"artistic_style": "warm soft and grainy"}, "artistic_style", id="4-words"),
        pytest.param({"background_setting": " "}, "background_setting", id="blank"),
        pytest.param({"text_render": []}, "text_render", id="empty-list"),
        pytest.param(
            {"lighting": {"conditions": "dusk", "direction": "left", "colour": "red"}},
            "lighting.colour",
            id="unknown-nested",
        ),
        pytest.param(
            {"aesthetics": {**PROMPT["aesthetics"], "aesthetic_score": "superb"}},
            "aesthetics.aesthetic_score",
            id="score-not-a-bucket",
        ),
        pytest.param(
            {"objects": [{**PROMPT["objects"][1], "number_of_objects": "3"}]},
            "objects[0].number_of_objects",
            id="count-as-text",
        ),
        pytest.param(
            {"objects": [{**PROMPT["objects"][0], "hair": "red"}]},
            "objects[0].hair",
            id="unknown-people-field",
        ),
    ],
)
def test_what_fibo_would_refuse_or_lose_is_refused(change: dict[str, Any], field: str) -> None:
    value = {k: v for k, v in _with(change).items() if v is not None}
    with pytest.raises(FiboSchemaError) as caught:
        FiboStructuredPrompt.check(value)
    assert field in [e.field for e in caught.value.errors]
    with pytest.raises(FiboSchemaError):
        FiboStructuredPrompt.check_json(json.dumps(value))


def test_json_numbers_are_checked_strictly() -> None:
    text = json.dumps(PROMPT).replace('"number_of_objects": 3', '"number_of_objects": 3.0')
    with pytest.raises(FiboSchemaError, match=r"objects\[1\]\.number_of_objects"):
        FiboStructuredPrompt.check_json(text)


def test_the_default_negative_prompt_is_fibos_for_photographs_only() -> None:
    assert DEFAULT_NEGATIVE_PROMPT == (
        "{'style_medium':'digital illustration','artistic_style':'non-realistic'}"
    )
    for medium in ("photograph", "Photography", " photo "):
        prompt = FiboStructuredPrompt.check(_with({"style_medium": medium}))
        assert default_negative_prompt(prompt) == DEFAULT_NEGATIVE_PROMPT
    for medium in ("oil painting", None):
        value = {k: v for k, v in _with({"style_medium": medium}).items() if v is not None}
        assert default_negative_prompt(FiboStructuredPrompt.check(value)) is None
