"""Schemathesis hooks for the gateway: the one rule of its bodies that JSON Schema cannot state.

A canonical prompt's `output.resolution` must have the shape of an aspect ratio, to 2 %: of
`output.aspect_ratio` when that is given, else of the nearest one (`prolight.domain.schema.Output`).
That compares the two sides of the resolution by arithmetic, which no JSON Schema keyword
expresses. The published schema says it in words; this hook drops the generated bodies whose
resolution breaks it, so they are neither sent as schema-valid (they are refused) nor counted
against negative testing. Every other check stays on, for every other part of the body.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from prolight.domain.schema import ASPECT_RATIOS
from prolight.domain.schema.prompt import has_aspect, nearest_aspect


def _shape_breaks_the_rule(output: Any) -> bool:
    """Whether `output` has a [w, h] resolution whose shape is not its aspect ratio's (given,
    or the nearest); anything else (a missing or malformed field) is left to the schema."""
    if not isinstance(output, dict):
        return False
    size, aspect = output.get("resolution"), output.get("aspect_ratio")
    if not isinstance(size, list) or len(size) != 2:
        return False
    if aspect is not None and aspect not in ASPECT_RATIOS:
        return False
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in size):
        return False
    width, height = size
    return not has_aspect(width, height, aspect or nearest_aspect(width, height))


@schemathesis.hook("filter_case")
def resolution_has_its_ratio(context: schemathesis.HookContext, case: schemathesis.Case) -> bool:
    """Keep a case unless its body's `output.resolution` has no shape of its aspect ratio.

    A case hook, not a body hook: the coverage phase applies case hooks only."""
    body = case.body
    return not (isinstance(body, dict) and _shape_breaks_the_rule(body.get("output")))
