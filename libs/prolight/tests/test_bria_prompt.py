"""Canonical prompt → BRIA FIBO structured prompt: complete, precise, deterministic."""

from __future__ import annotations

import json

import pytest

from prolight.bria_prompt import to_bria_structured_prompt
from prolight.presets import PRESETS
from prolight.schema import FiboPrompt

REQUIRED_KEYS = {
    "short_description",
    "objects",
    "background_setting",
    "lighting",
    "aesthetics",
    "photographic_characteristics",
    "style_medium",
    "context",
    "artistic_style",
}


def _prompt(name: str) -> FiboPrompt:
    return FiboPrompt(scene=PRESETS[name].setup)


@pytest.mark.parametrize("name", list(PRESETS))
def test_shape_follows_fibo(name: str) -> None:
    out = to_bria_structured_prompt(_prompt(name))
    assert set(out) == REQUIRED_KEYS
    assert set(out["lighting"]) == {"conditions", "direction", "shadows"}
    assert set(out["aesthetics"]) == {"composition", "color_scheme", "mood_atmosphere"}
    assert set(out["photographic_characteristics"]) == {
        "depth_of_field",
        "focus",
        "camera_angle",
        "lens_focal_length",
    }
    assert 1 <= len(out["objects"]) <= 5
    for obj in out["objects"]:
        assert {"description", "location", "relationship"} <= set(obj)
    assert len(out["artistic_style"].split()) <= 3
    json.dumps(out)  # JSON-able


@pytest.mark.parametrize("name", list(PRESETS))
def test_deterministic(name: str) -> None:
    a = json.dumps(to_bria_structured_prompt(_prompt(name)), sort_keys=True)
    b = json.dumps(to_bria_structured_prompt(_prompt(name).model_copy(deep=True)), sort_keys=True)
    assert a == b


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
