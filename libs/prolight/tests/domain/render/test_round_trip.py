"""A prompt renders the same after a trip through JSON, as it does when it crosses the bus.

The picture may depend only on the prompt's values, never on which fields were typed: the
prompt cache and reproducibility both key on the canonical JSON.
"""

from __future__ import annotations

import json

import pytest

from prolight.domain.hashing import prompt_hash
from prolight.domain.presets import PRESETS
from prolight.domain.render import render
from prolight.domain.schema import FiboPrompt


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_json_round_trip_renders_the_same_bytes(name: str) -> None:
    prompt = FiboPrompt(scene=PRESETS[name].setup)
    again = FiboPrompt.model_validate(json.loads(prompt.model_dump_json()))
    assert prompt_hash(again) == prompt_hash(prompt)
    assert render(again, 3, 96, 120).png == render(prompt, 3, 96, 120).png
