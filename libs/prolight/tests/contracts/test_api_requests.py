"""The request models: what their JSON Schema publishes is what they (and the loaders) accept."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from prolight.contracts.api import (
    README_BODY_EXAMPLE,
    AnalyzeLightingRequest,
    DescriptionRequest,
    GenerateLightingRequest,
    NaturalLanguageRequest,
)
from prolight.contracts.api_modes import InspireRequest, RefineRequest
from prolight.domain.schema.published import NOT_BLANK, absent


def _refused(model: type[BaseModel], body: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(body)
    return [".".join(map(str, e["loc"])) for e in info.value.errors()]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("budget_usd", False, id="budget-false"),
        pytest.param("budget_usd", "1", id="budget-text"),
        pytest.param("budget_usd", -0.01, id="budget-negative"),
        pytest.param("num_results", "4", id="num-results-text"),
        pytest.param("num_results", True, id="num-results-true"),
        pytest.param("seed", "7", id="seed-text"),
        pytest.param("score_threshold", True, id="threshold-true"),
    ],
)
def test_run_options_are_json_numbers(field: str, value: Any) -> None:
    # pydantic's lax mode would read "4" and true as numbers; the schema says a JSON number.
    body = {"lighting_description": "soft key", field: value}
    assert _refused(NaturalLanguageRequest, body) == [field]


def test_whole_floats_are_integers_as_json_schema_says() -> None:
    body = NaturalLanguageRequest.model_validate({"lighting_description": "x", "num_results": 2.0})
    assert body.num_results == 2


@pytest.mark.parametrize("text", ["", " ", "\t\n", "\x1c", "\u3000"])
def test_a_blank_description_is_refused_as_published(text: str) -> None:
    assert _refused(DescriptionRequest, {"lighting_description": text}) == ["lighting_description"]
    assert _refused(DescriptionRequest, {"lighting_description": "x", "subject": text}) == [
        "subject"
    ]


def test_the_generate_body_is_published_as_its_two_shapes() -> None:
    schema = GenerateLightingRequest.model_json_schema(mode="validation")
    shapes = {ref["$ref"].rsplit("/", 1)[-1] for ref in schema["anyOf"]}
    assert shapes == {"LightingSetupBody", "FiboPromptBody"}
    readme = schema["$defs"]["LightingSetupBody"]
    assert readme["required"] == ["lighting_setup"]
    assert readme["additionalProperties"] is False
    assert readme["properties"]["camera_settings"]["$ref"].endswith("/Camera")
    assert schema["$defs"]["FiboPromptBody"]["properties"]["scene"]["$ref"].endswith(
        "/LightingSetup"
    )


@pytest.mark.parametrize(
    ("model", "name"),
    [
        pytest.param(AnalyzeLightingRequest, "AnalyzeLightingRequest", id="analyze"),
        pytest.param(GenerateLightingRequest, "LightingSetupBody", id="generate"),
    ],
)
def test_optional_models_publish_no_null(model: type[BaseModel], name: str) -> None:
    # load_setup refuses "camera_settings": null; the schema must not offer it.
    schema = model.model_json_schema(mode="validation")
    props = schema["$defs"].get(name, schema)["properties"]
    for field in ("camera_settings", "background", "subject", "environment"):
        assert "anyOf" not in props[field], field
        assert "default" not in props[field], field
    assert {"type": "null"} in props["style_intent"]["anyOf"]  # a null style is no style


def test_setup_fields_reach_the_loader_as_sent() -> None:
    body = GenerateLightingRequest.model_validate(README_BODY_EXAMPLE)
    sent = {k: v for k, v in README_BODY_EXAMPLE.items() if k != "num_results"}
    assert body.prompt_input() == sent
    analyzed = AnalyzeLightingRequest.model_validate({"lighting_setup": {"key": {}}})
    assert analyzed.setup_input() == {"lighting_setup": {"key": {}}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({}, "", id="neither"),
        pytest.param({"artifact_id": "a", "image_base64": "AAAA"}, "", id="both"),
        pytest.param({"artifact_id": "a", "image_base64": None}, "image_base64", id="null"),
        pytest.param({"image_base64": "not base64!"}, "image_base64", id="not-base64"),
    ],
)
def test_inspire_takes_exactly_one_image(body: dict[str, Any], field: str) -> None:
    assert _refused(InspireRequest, body) == [field]


def test_inspire_publishes_its_one_image_rule() -> None:
    schema = InspireRequest.model_json_schema(mode="validation")
    assert [b["required"] for b in schema["oneOf"]] == [["artifact_id"], ["image_base64"]]
    assert schema["properties"]["image_base64"]["type"] == "string"  # no null offered


def test_refine_patch_is_published_as_rfc_6902_operations() -> None:
    schema = RefineRequest.model_json_schema(mode="validation")
    assert [b["required"] for b in schema["oneOf"]] == [["instruction"], ["patch"]]
    ops = schema["$defs"]
    assert ops["PatchOperation"]["required"] == ["op", "path", "value"]
    assert ops["RemoveOperation"]["properties"]["op"]["const"] == "remove"
    body = RefineRequest.model_validate({"patch": [{"op": "remove", "path": "/scene/style"}]})
    assert body.patch == [{"op": "remove", "path": "/scene/style"}]  # passed on as sent


def test_not_blank_matches_what_strip_keeps() -> None:
    for code in range(0x3100):
        c = chr(code)
        assert (re.search(NOT_BLANK, c) is None) == (c.strip() == ""), hex(code)


def test_absent_publishes_neither_default_nor_null() -> None:
    class Body(BaseModel):
        a: str | None = absent("A.")
        b: str | None = absent("B.", refuse_null=True)

    props = TypeAdapter(Body).json_schema()["properties"]
    assert props["a"] == {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "description": "A.",
        "title": "A",
    }
    assert props["b"] == {"type": "string", "description": "B.", "title": "B"}
