"""What the models' validators accept, said in JSON Schema (validation mode only).

A model's generated schema says what its fields hold after validation; the validators read
more: other names for a field (`color_temperature` for `kelvin`), text forms of numbers
(`"f/2.8"`), synonyms of enum values (`"medium shot"`). The OpenAPI document has to describe
what a client may send, so each model adds those forms to its validation-mode schema with
these helpers (responses keep the plain schema).

Request fields that a loader validates after FastAPI (`prolight.contracts.api`'s generate and
analyze
bodies, read by `load_prompt` / `load_setup`, which validate a setup as a whole and name each
bad field as the client typed it) take any JSON value and publish a model's schema instead:

    camera_settings: Annotated[Any, Published(Camera)] = absent("The camera.")

`absent()` makes a field optional without publishing `"default": null` (the loaders refuse an
explicit null where a model is expected); `field_type(Model, "name")` is one model field's
type with its constraints; `exactly_one_of(…)` states a model validator's "one of these" rule.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BaseModel, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from pydantic_core.core_schema import no_info_plain_validator_function

__all__ = [
    "NOT_BLANK",
    "InputForms",
    "JsonSchema",
    "Published",
    "absent",
    "add_aliases",
    "also",
    "decimal_range",
    "exactly_one_of",
    "field_type",
    "nullable",
    "spellings",
]

JsonSchema = dict[str, Any]
_NOTES = ("description", "title", "default")  # what stays on the field, outside the branches


class InputForms:
    """Mixin of the schema models: `input_forms` edits the model's validation-mode JSON Schema
    in place, adding what its validators read; responses keep the plain schema."""

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        if handler.mode == "validation":
            cls.input_forms(handler.resolve_ref_schema(schema))
        return schema

    @classmethod
    def input_forms(cls, target: JsonSchema) -> None:
        """Add the forms the validators accept beyond the generated schema (none by default)."""


def add_aliases(schema: JsonSchema, name: str, aliases: Iterable[str]) -> None:
    """Publish `aliases` as other names of property `name`: the same schema, at most one of
    them given (a second one is refused, as an unknown field or by the model's validator)."""
    props = schema["properties"]
    names = [name, *aliases]
    for alias in names[1:]:
        props[alias] = {**copy.deepcopy(props[name]), "description": f"Another name for {name}."}
        props[alias].pop("default", None)
    one = {"anyOf": [{"properties": {n: False for n in names if n != kept}} for kept in names]}
    schema.setdefault("allOf", []).append(one)


def nullable(prop: JsonSchema) -> JsonSchema:
    """`prop` or null (a null the validator reads as "not given")."""
    extra: JsonSchema = {k: prop.pop(k) for k in _NOTES if k in prop}
    return {"anyOf": [prop, {"type": "null"}], **extra}


def also(prop: JsonSchema, *forms: JsonSchema) -> JsonSchema:
    """`prop` or any of `forms` (other spellings a validator converts)."""
    extra: JsonSchema = {k: prop.pop(k) for k in _NOTES if k in prop}
    return {"anyOf": [prop, *forms], **extra}


def spellings(words: Iterable[str]) -> list[str]:
    """Each word (snake_case) with every mix of `_`, space and `-` between its parts, as the
    validators read them ("medium close-up" is medium_close_up)."""
    out: list[str] = []
    for word in words:
        parts = word.split("_")
        for seps in itertools.product("_ -", repeat=len(parts) - 1):
            spelled = parts[0] + "".join(s + p for s, p in zip(seps, parts[1:], strict=True))
            if spelled not in out:
                out.append(spelled)
    return out


def decimal_range(low: str, high: str) -> str:
    """A regex (no anchors) for the decimal numerals `d+(.d+)?` whose value is in [low, high],
    leading zeros allowed, as `float()` reads them after a validator's `\\d+(?:\\.\\d+)?`; `low`
    and `high` are non-negative numerals like "2.6" and "132"."""
    lo_int, _, lo_frac = low.partition(".")
    hi_int, _, hi_frac = high.partition(".")
    lo_frac, hi_frac = lo_frac.rstrip("0"), hi_frac.rstrip("0")
    li, hi = int(lo_int), int(hi_int)
    any_frac = r"(?:\.[0-9]+)?"
    if li == hi:
        # one integer part: both fraction bounds at once (only the cases needed here)
        if lo_frac or hi_frac:
            raise ValueError("bounds sharing their integer part need whole numbers")
        return rf"0*{li}(?:\.0+)?"
    parts = [rf"0*{li}{_frac_at_least(lo_frac)}"]
    if hi - li > 1:
        parts.append(rf"0*(?:{_int_range(li + 1, hi - 1)}){any_frac}")
    parts.append(rf"0*{hi}{_frac_at_most(hi_frac)}")
    return "(?:" + "|".join(parts) + ")"


def _frac_at_least(f: str) -> str:
    if not f:
        return r"(?:\.[0-9]+)?"
    options = [rf"{f[:i]}[{int(f[i]) + 1}-9][0-9]*" for i in range(len(f)) if f[i] != "9"]
    options.append(rf"{f}[0-9]*")
    return r"\.(?:" + "|".join(options) + ")"


def _frac_at_most(f: str) -> str:
    if not f:
        return r"(?:\.0+)?"
    options = [rf"{f[:i]}[0-{int(f[i]) - 1}][0-9]*" for i in range(len(f)) if f[i] != "0"]
    options += [f"{f[:i]}" for i in range(1, len(f))]
    options.append(rf"{f}0*")
    return r"(?:\.(?:" + "|".join(options) + "))?"


def _int_range(lo: int, hi: int) -> str:
    """The integers lo..hi (written without leading zeros) as a regex alternation."""
    out: list[str] = []
    for digits in range(len(str(lo)), len(str(hi)) + 1):
        first = max(lo, 10 ** (digits - 1) if digits > 1 else 0)
        last = min(hi, 10**digits - 1)
        out += _same_width(str(first), str(last))
    return "|".join(out)


def _same_width(a: str, b: str) -> list[str]:
    """Regex alternatives for the digit strings from `a` to `b`, both of one width."""
    if a == "0" * len(a) and b == "9" * len(b):
        return ["[0-9]" * len(a)]
    if a[0] == b[0]:
        return [a[0] + rest for rest in _same_width(a[1:], b[1:])] if len(a) > 1 else [a]
    if len(a) == 1:
        return [f"[{a}-{b}]"]
    n = len(a) - 1
    out = [a[0] + rest for rest in _same_width(a[1:], "9" * n)]
    if int(b[0]) - int(a[0]) > 1:
        out.append(f"[{int(a[0]) + 1}-{int(b[0]) - 1}]" + "[0-9]" * n)
    return out + [b[0] + rest for rest in _same_width("0" * n, b[1:])]


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
    ) -> CoreSchema:
        return no_info_plain_validator_function(
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
