"""Canonical prompt → BRIA FIBO structured prompt: complete, precise, deterministic, and in
FIBO's own form (field order, no empty value, quality scores, checked against its schema)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from prolight.domain.bria_fibo import FIELD_ORDER, FiboStructuredPrompt
from prolight.domain.bria_prompt import to_bria_structured_prompt, to_fibo_prompt
from prolight.domain.presets import PRESETS
from prolight.domain.schema import FiboPrompt

SENT_KEYS = [k for k in FIELD_ORDER if k != "text_render"]  # we render no text


def _prompt(name: str) -> FiboPrompt:
    return FiboPrompt(scene=PRESETS[name].setup)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@pytest.mark.parametrize("name", list(PRESETS))
def test_shape_follows_fibo(name: str) -> None:
    out = to_bria_structured_prompt(_prompt(name))
    assert list(out) == SENT_KEYS  # FIBO's order, not sorted
    assert list(out["lighting"]) == ["conditions", "direction", "shadows"]
    assert out["aesthetics"] == {
        **{k: out["aesthetics"][k] for k in ("composition", "color_scheme", "mood_atmosphere")},
        "preference_score": "very high",
        "aesthetic_score": "very high",
    }
    assert list(out["photographic_characteristics"]) == [
        "depth_of_field",
        "focus",
        "camera_angle",
        "lens_focal_length",
    ]
    assert 1 <= len(out["objects"]) <= 5
    for obj in out["objects"]:
        assert list(obj)[:3] == ["description", "location", "relationship"]
    assert out["style_medium"] == "photograph"
    assert len(out["artistic_style"].split()) <= 3
    assert all(text.strip() for text in _strings(out))  # no empty string anywhere
    assert FiboStructuredPrompt.check_json(json.dumps(out)).as_dict() == out


@pytest.mark.parametrize("name", list(PRESETS))
def test_the_json_sent_is_in_fibos_order(name: str) -> None:
    text = to_fibo_prompt(_prompt(name)).to_json()
    assert list(json.loads(text)) == SENT_KEYS
    assert text != json.dumps(json.loads(text), sort_keys=True)


@pytest.mark.parametrize("name", list(PRESETS))
def test_deterministic(name: str) -> None:
    a = to_fibo_prompt(_prompt(name)).to_json()
    b = to_fibo_prompt(_prompt(name).model_copy(deep=True)).to_json()
    assert a == b


def test_blank_texts_are_filled_not_sent_empty() -> None:
    # model_copy does not validate: these are the blanks a prompt could carry to us.
    setup = PRESETS["loop"].setup
    blank = setup.model_copy(
        update={
            "subject": setup.subject.model_copy(update={"description": "  "}),
            "environment": "",
            "style": " ",
            "background": setup.background.model_copy(update={"type": ""}),
            "camera": setup.camera.model_copy(update={"lens_type": ""}),
        }
    )
    out = to_bria_structured_prompt(FiboPrompt(scene=PRESETS["loop"].setup).model_copy(
        update={"scene": blank}
    ))  # fmt: skip
    assert all(text.strip() for text in _strings(out))
    assert out["objects"][0]["description"] == "the sitter"
    assert out["short_description"].startswith("the sitter in a photo studio, ")
    assert out["background_setting"].startswith("seamless backdrop")
    assert " mm prime lens " in out["photographic_characteristics"]["lens_focal_length"]


def test_lighting_text_is_enough_to_rebuild_the_set() -> None:
    lighting = to_bria_structured_prompt(_prompt("rembrandt"))["lighting"]
    assert "Rembrandt" in lighting["conditions"]
    assert "3.0 stops" in lighting["conditions"]  # key:fill in stops
    direction = lighting["direction"]
    assert "key: 90 cm softbox, 50° camera-right, 45° above eye level, 1.4 m" in direction
    assert "5600 K" in direction
    assert "fill: 100 cm reflector, 45° camera-left, at eye level" in direction
    assert "f/" in direction  # meter readings
    assert "mm wide" in lighting["shadows"]  # the shadow edge


def test_turned_head_is_stated() -> None:
    out = to_bria_structured_prompt(_prompt("short"))
    assert "head is turned 30° towards camera-left" in out["lighting"]["direction"]
    assert out["objects"][0]["orientation"] == "head turned 30° towards camera-left"


def test_unbounded_ratio_is_said_in_words() -> None:
    lighting = to_bria_structured_prompt(_prompt("low_key"))["lighting"]
    assert "no fill" in lighting["conditions"]
    assert "black" in lighting["shadows"]


def test_gel_is_described() -> None:
    scene = PRESETS["loop"].setup.model_dump(mode="json")
    scene["lighting"]["key"]["gel"] = {"kind": "cto", "amount": 0.5}
    direction = to_bria_structured_prompt(FiboPrompt.model_validate({"scene": scene}))["lighting"][
        "direction"
    ]
    assert "5600 K through a +80 mired gel" in direction


def test_product_focus_and_lens() -> None:
    out = to_bria_structured_prompt(_prompt("product_tabletop"))
    assert out["photographic_characteristics"]["focus"] == "sharp focus on the product"
    assert "100 mm" in out["photographic_characteristics"]["lens_focal_length"]
