"""Request fields that a loader validates after FastAPI, published with the real models' schema.

The generate and analyze bodies are read by `prolight.schema.load_prompt` / `load_setup`,
which validate a setup as a whole (a light against the key it is filed under, the backdrop
against the subject) and name each bad field as the client typed it. Validating those fields a
first time on the way in would cost the busiest endpoint its time and word each error twice;
yet the OpenAPI document has to say what is accepted. So such a field takes any JSON value and
publishes the model's schema:

    camera_settings: Annotated[Any, Published(Camera)] = absent("The camera.")

`absent()` makes the field optional without publishing `"default": null`: the loaders refuse an
explicit null where a model is expected, so the schema must not offer one. `field_type(Model,
"name")` is the type of one model field with its constraints (a max length, a pattern), to
publish a single field of a model; `exactly_one_of(…)` states a model validator's "one of
these" rule in the schema.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, GetCoreSchemaHandler
from pydantic_core import core_schema

__all__ = ["NOT_BLANK", "Published", "absent", "exactly_one_of", "field_type"]

NOT_BLANK = "[^\t-\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
"""A regex for one character that `str.strip()` keeps (a text with one is not blank). Spelled
out because `\\S` differs between Python, pydantic's Rust regex and JSON Schema's ECMA regex,
over U+0085, U+FEFF and U+001C–U+001F."""


class Published:
    """Annotation: accept any JSON value (validated later, by the loader) and publish `tp`'s
    JSON schema in its place."""

    def __init__(self, tp: Any) -> None:
        self.tp = tp

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _as_received, json_schema_input_schema=handler.generate_schema(self.tp)
        )


def _as_received(value: Any) -> Any:
    return value


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _no_default_nor_null(schema: dict[str, Any]) -> None:
    schema.pop("default", None)
    branches = schema.pop("anyOf", [])
    kept = [b for b in branches if b != {"type": "null"}]
    if len(kept) == 1:
        schema.update(kept[0])
    elif kept:
        schema["anyOf"] = kept


def absent(description: str, *, refuse_null: bool = False, **constraints: Any) -> Any:
    """An optional field (default None) whose schema publishes no default: left out, it is not
    given. With `refuse_null` a `T | None` field publishes no `null` either, and the model must
    refuse an explicit null itself."""
    extra = _no_default_nor_null if refuse_null else _no_default
    return Field(None, description=description, json_schema_extra=extra, **constraints)


def field_type(model: type[BaseModel], name: str) -> Any:
    """The annotation of `model.name` with its constraints, e.g. `Annotated[str, MaxLen(500)]`."""
    info = model.model_fields[name]
    if not info.metadata:
        return info.annotation
    return Annotated[(info.annotation, *info.metadata)]


def exactly_one_of(*names: str) -> dict[str, Any]:
    """JSON schema (for `json_schema_extra`): exactly one of the fields `names` is given and not
    null, the rule a model validator enforces (JSON Schema cannot see validators)."""
    return {
        "oneOf": [{"required": [n], "properties": {n: {"not": {"type": "null"}}}} for n in names]
    }
