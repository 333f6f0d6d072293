"""Intents: named ratio ranges in stops, read from the style first."""

from __future__ import annotations

import pytest

from prolight.domain.analysis import INTENTS, analyze
from prolight.domain.presets import PRESETS


@pytest.mark.parametrize("name", list(INTENTS))
def test_each_range_holds_its_target(name: str) -> None:
    wanted = INTENTS[name]
    assert wanted.min_stops <= wanted.target_stops
    assert wanted.max_stops is None or wanted.target_stops <= wanted.max_stops
    assert wanted.label


def test_the_stated_style_wins_over_the_pattern() -> None:
    setup = PRESETS["loop"].setup.model_copy(update={"style": "dramatic fashion"})
    intent = analyze(setup).intent
    assert intent.name == "dramatic"
    assert (intent.min_stops, intent.max_stops) == (
        INTENTS["dramatic"].min_stops,
        INTENTS["dramatic"].max_stops,
    )
