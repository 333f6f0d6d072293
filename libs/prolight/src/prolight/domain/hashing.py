"""Canonical JSON and `prompt_hash`: equal prompts hash equal, however they were typed.

The hash covers what decides the image: `schema_version`, `scene` and `output`. It leaves
out `metadata` (project, creator, seed, locked fields): the prompt cache keys on
`(prompt_hash, seed, model)`, so the seed is already part of the key, and two users asking
for the same picture share the cache.

Canonical JSON: the validated model (defaults filled in, directions normalised to
azimuth/elevation at 0.01°), keys sorted, separators `,` and `:`, UTF-8, and every float
rounded to `FLOAT_DECIMALS` decimal places, so 0.5 and 0.50, or a direction typed as text
and as its vector, give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from prolight.domain.schema import FiboPrompt

__all__ = ["FLOAT_DECIMALS", "canonical_json", "prompt_hash"]

FLOAT_DECIMALS = 4


def _round_floats(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, FLOAT_DECIMALS) + 0.0  # + 0.0 folds -0.0 into 0.0
    if isinstance(value, dict):
        return {k: _round_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_round_floats(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    """Deterministic compact JSON of any JSON-able value (floats rounded, keys sorted)."""
    return json.dumps(
        _round_floats(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def prompt_hash(prompt: FiboPrompt) -> str:
    """SHA-256 (hex) of the canonical JSON of what decides the image (see module doc)."""
    body = prompt.model_dump(mode="json", include={"schema_version", "scene", "output"})
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()
