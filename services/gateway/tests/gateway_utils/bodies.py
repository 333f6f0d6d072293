"""Request bodies the tests send: small factories, each a fresh dict."""

from __future__ import annotations

import copy
from typing import Any

from prolight.contracts.api import README_BODY_EXAMPLE
from prolight.domain.presets import get_preset


def readme_body(**options: Any) -> dict[str, Any]:
    """The original README's POST /api/generate/lighting-setup body (a fresh copy)."""
    return {**copy.deepcopy(README_BODY_EXAMPLE), **options}


def fibo_body(**options: Any) -> dict[str, Any]:
    """A canonical fibo_v1 prompt (the Rembrandt preset) with run options at the top."""
    setup = get_preset("rembrandt").setup.model_dump(mode="json")
    return {
        "schema_version": "fibo_v1",
        "metadata": {"seed": 7, "project": "tests"},
        "scene": setup,
        "output": {"aspect_ratio": "4:5", "resolution": [512, 640]},
        **options,
    }
