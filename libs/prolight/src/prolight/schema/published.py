"""What the models' validators accept, said in JSON Schema (validation mode only).

A model's generated schema says what its fields hold after validation; the validators read
more: other names for a field (`color_temperature` for `kelvin`), text forms of numbers
(`"f/2.8"`), synonyms of enum values (`"medium shot"`). The OpenAPI document has to describe
what a client may send, so each model adds those forms to its validation-mode schema with
these helpers (responses keep the plain schema).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable
from typing import Any

from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

__all__ = [
    "InputForms",
    "JsonSchema",
    "add_aliases",
    "also",
    "decimal_range",
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
