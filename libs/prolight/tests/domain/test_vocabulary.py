"""The lighting vocabulary speaks the schema's values, and each reader's tables are its own."""

from __future__ import annotations

from prolight.domain import vocabulary as v
from prolight.domain.analysis import INTENTS
from prolight.domain.presets import PRESETS
from prolight.domain.schema import Modifier, Role, ShotType
from prolight.domain.translator.reading import _LOOKUP


def test_description_tables_name_schema_values() -> None:
    assert set(v.PATTERN_PHRASES) <= set(PRESETS)
    assert set(v.MODIFIER_PHRASES) == {m.value for m in Modifier}
    assert set(v.SHOT_PHRASES) <= {s.value for s in ShotType}
    assert set(v.ROLE_PHRASES) == {r.value for r in Role} | {"backdrop"}
    assert set(v.LIGHT_ROLES) == set(Role)
    assert set(v.TONE_KELVIN) >= v.TONE_COLOURS


def test_style_words_name_intents() -> None:
    assert {intent for intent, _ in v.STYLE_WORDS} == set(INTENTS)


def test_no_phrase_means_two_things_to_the_translator() -> None:
    tables = [v.PATTERN_PHRASES, v.ROLE_PHRASES, v.SOFTNESS_PHRASES, v.CONTRAST_PHRASES,
              v.STRENGTH_PHRASES, v.MODIFIER_PHRASES, v.SIDE_PHRASES, v.SHOT_PHRASES,
              v.BACKDROP_SHADE_PHRASES, v.BACKDROP_COLOUR_PHRASES]  # fmt: skip
    phrases = [p for t in tables for ps in t.values() for p in ps]
    phrases += [*v.NEGATION_WORDS, *v.TONE_KELVIN]
    assert len(phrases) == len(set(phrases)) == len(_LOOKUP)
    assert all(p == p.lower() for p in phrases)


def test_edit_words_are_single_lower_case_words() -> None:
    groups = [v.BRIGHTER_WORDS, v.DIMMER_WORDS, v.WARMER_WORDS, v.COOLER_WORDS, v.SOFTER_WORDS,
              v.HARDER_WORDS, v.CLOSER_WORDS, v.FURTHER_WORDS, v.FLATTER_WORDS, v.OFF_WORDS,
              v.ON_WORDS, tuple(v.EDIT_ROLE_WORDS), tuple(v.NUMBER_WORDS)]  # fmt: skip
    assert all(w.isalpha() and w == w.lower() for g in groups for w in g)
