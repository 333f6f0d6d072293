"""The committed JSON Schemas in proto-schemas/ match what the models generate."""

from __future__ import annotations

import json
from pathlib import Path

from prolight.contracts.schema_export import EXPORTS, drifted, main, render_schemas, write_schemas
from prolight.contracts.subjects import EventType

REPO = Path(__file__).resolve().parents[4]
PROTO = REPO / "proto-schemas"


def test_committed_schemas_match_the_models() -> None:
    stale = drifted(PROTO)
    assert not stale, (
        f"{', '.join(stale)} in proto-schemas/ drifted from the models; run `make schemas`"
    )


def test_rendering_is_deterministic_sorted_and_newline_terminated() -> None:
    first, second = render_schemas(), render_schemas()
    assert first == second
    assert set(first) == {f"{stem}.json" for stem, _ in EXPORTS} | {"asyncapi.json"}
    for text in first.values():
        assert text.endswith("}\n")
        assert not text.endswith("\n\n")
        assert (
            text
            == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        )


def test_schemas_describe_the_models() -> None:
    schemas = {name: json.loads(text) for name, text in render_schemas().items()}
    light = schemas["light.json"]
    assert light["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert light["additionalProperties"] is False  # unknown fields are rejected
    assert {"intensity", "kelvin", "softness", "distance", "direction", "modifier"} <= set(
        light["properties"]
    )
    assert (
        light["properties"]["intensity"]["maximum"] == 2
    )  # MAX_INTENSITY: one stop past full power
    prompt = schemas["fibo_prompt.json"]
    assert prompt["properties"]["schema_version"]["const"] == "fibo_v1"
    assert "scene" in prompt["required"]


def test_check_mode_reports_a_drifted_file(tmp_path: Path) -> None:
    write_schemas(tmp_path)
    assert drifted(tmp_path) == []
    assert main([str(tmp_path), "--check"]) == 0
    (tmp_path / "light.json").write_text("{}\n", encoding="utf-8")
    assert drifted(tmp_path) == ["light.json"]
    assert main([str(tmp_path), "--check"]) == 1
    (tmp_path / "light.json").unlink()
    assert drifted(tmp_path) == ["light.json"]


def test_usage_error_without_a_folder() -> None:
    assert main([]) == 2


def test_asyncapi_has_a_channel_and_message_for_every_event_type() -> None:
    doc = json.loads(render_schemas()["asyncapi.json"])
    assert doc["asyncapi"].startswith("2.")
    for event_type in EventType:
        channel = doc["channels"][f"prolight.{event_type.value}.{{run_id}}"]
        ref = channel["subscribe"]["message"]["$ref"].rsplit("/", 1)[1]
        message = doc["components"]["messages"][ref]
        assert message["name"] == event_type.value
        payload = message["payload"]["allOf"][1]["properties"]["payload"]
        if event_type.tool is not None:  # the request, with its tool's params model
            payload, params = payload["allOf"]
            params_ref = params["properties"]["params"]["$ref"]
            assert params_ref.rsplit("/", 1)[1] in doc["components"]["schemas"]
        assert payload["$ref"].rsplit("/", 1)[1] in doc["components"]["schemas"]
