"""A description read into what it asks for: phrases looked up in `prolight.domain.vocabulary`,
each describing word given to the light it belongs to (steps 1–3 of the package doc)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from prolight.domain.errors import InvalidInput
from prolight.domain.vocabulary import (
    BACKDROP_COLOUR_PHRASES,
    BACKDROP_SHADE_PHRASES,
    CLAUSE_WORDS,
    CONTRAST_PHRASES,
    GRAMMAR_WORDS,
    MODIFIER_PHRASES,
    NEGATION_WORDS,
    PATTERN_PHRASES,
    ROLE_PHRASES,
    SHOT_PHRASES,
    SIDE_PHRASES,
    SOFTNESS_PHRASES,
    STRENGTH_PHRASES,
    TONE_COLOURS,
    TONE_KELVIN,
)

__all__ = ["MAX_TEXT_CHARS", "Reading", "check_text", "contradiction", "read_text"]

MAX_TEXT_CHARS = 2000

# Each phrase maps to (kind, value). Kinds: pattern, role, soft, contrast, tone, strength,
# modifier, colour, shade, side, negate, shot.
_TABLES: dict[str, Mapping[str, tuple[str, ...]]] = {
    "pattern": PATTERN_PHRASES, "role": ROLE_PHRASES, "soft": SOFTNESS_PHRASES,
    "contrast": CONTRAST_PHRASES, "strength": STRENGTH_PHRASES, "modifier": MODIFIER_PHRASES,
    "side": SIDE_PHRASES, "negate": {"": NEGATION_WORDS}, "shot": SHOT_PHRASES,
    "shade": BACKDROP_SHADE_PHRASES, "colour": BACKDROP_COLOUR_PHRASES,
    "tone": {word: (word,) for word in TONE_KELVIN},
}  # fmt: skip
_LOOKUP = {
    tuple(phrase.split()): (kind, value)
    for kind, table in _TABLES.items()
    for value, phrases in table.items()
    for phrase in phrases
}
_LONGEST = max(len(words) for words in _LOOKUP)

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CLAUSE_PUNCT = re.compile(r"[,.;:!?()\[\]{}\n]+")


@dataclass(frozen=True)
class _Match:
    kind: str
    value: str
    phrase: str
    clause: int
    pos: int


@dataclass
class Reading:
    """Everything the text asked for, grouped as (target, aspect) → [(value, phrase)] in order."""

    asks: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def add(self, target: str, aspect: str, value: str, phrase: str) -> None:
        self.asks.setdefault((target, aspect), []).append((value, phrase))

    def last(self, target: str, aspect: str) -> str | None:
        got = self.asks.get((target, aspect))
        return got[-1][0] if got else None


def check_text(text: Any) -> str:
    if not isinstance(text, str):
        raise InvalidInput.single(
            "text", f"a lighting description is text, got {type(text).__name__}"
        )
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput.single(
            "text",
            f"the description is {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}. "
            "Describe the lighting in a sentence or two.",
        )
    if not text.strip():
        raise InvalidInput.single(
            "text", "the description is empty; try e.g. 'soft butterfly lighting with warm tones'"
        )
    return text


def _match(text: str) -> tuple[list[_Match], list[str]]:
    """Known phrases in text order, and the unknown words grouped into phrases."""
    matches: list[_Match] = []
    ignored: list[str] = []
    clause = 0
    pos = 0
    for part in _CLAUSE_PUNCT.split(text.lower().replace("’", "'").replace("-", " ")):
        words = _TOKEN.findall(part)
        pending: list[str] = []
        i = 0
        while i < len(words):
            if words[i] in CLAUSE_WORDS:
                clause += 1
                i += 1
                if pending:
                    ignored.append(" ".join(pending))
                    pending = []
                continue
            for n in range(min(_LONGEST, len(words) - i), 0, -1):
                entry = _LOOKUP.get(tuple(words[i : i + n]))
                if entry is not None:
                    if pending:
                        ignored.append(" ".join(pending))
                        pending = []
                    matches.append(
                        _Match(entry[0], entry[1], " ".join(words[i : i + n]), clause, pos)
                    )
                    pos += 1
                    i += n
                    break
            else:
                if words[i] not in GRAMMAR_WORDS:
                    pending.append(words[i])
                elif pending:
                    ignored.append(" ".join(pending))
                    pending = []
                i += 1
        if pending:
            ignored.append(" ".join(pending))
        clause += 1
    return matches, ignored


def _target(m: _Match, roles: list[_Match]) -> str | None:
    """The light (or backdrop) a describing word belongs to: next in its clause, else the last."""
    after = [r for r in roles if r.clause == m.clause and r.pos > m.pos]
    if after:
        return after[0].value
    before = [r for r in roles if r.clause == m.clause and r.pos < m.pos]
    return before[-1].value if before else None


def read_text(text: str) -> Reading:
    matches, ignored = _match(text)
    reading = Reading(ignored=ignored)
    roles = [m for m in matches if m.kind == "role"]
    negated: dict[int, _Match] = {}  # position of a negation → the light it switches off
    for m in matches:
        if m.kind == "negate":
            nxt = [r for r in roles if r.clause == m.clause and 0 < r.pos - m.pos <= 3]
            if nxt and nxt[0].value != "backdrop":
                negated[m.pos] = nxt[0]
    switched_off = {r.pos for r in negated.values()}
    roles = [r for r in roles if r.pos not in switched_off]
    for m in matches:  # in text order, so "last one wins" means what it says
        if m.kind == "negate":
            if m.pos in negated:
                role = negated[m.pos]
                reading.add(role.value, "presence", "off", f"{m.phrase} {role.phrase}")
            else:
                reading.ignored.append(m.phrase)
        elif m.kind in ("pattern", "contrast", "shot"):
            reading.add("", m.kind, m.value, m.phrase)
        elif m.kind == "role":
            if m.pos not in switched_off and m.value != "backdrop":
                reading.add(m.value, "presence", "on", m.phrase)
        elif m.kind in ("colour", "shade") or (
            m.kind == "tone" and m.value in TONE_COLOURS and _target(m, roles) == "backdrop"
        ):
            target = _target(m, roles)
            if (target in ("backdrop", None) and m.kind != "shade") or target == "backdrop":
                # A colour with no light in its clause ("on black") is the backdrop's.
                reading.add(
                    "backdrop", "shade" if m.kind == "shade" else "colour", m.value, m.phrase
                )
            else:
                reading.ignored.append(m.phrase)  # coloured gels beyond CTO/CTB are not modelled
        else:
            target = _target(m, roles)
            if target == "backdrop":
                if m.kind == "side":
                    reading.ignored.append(m.phrase)
                    continue
                # "a snoot on the background", "a warm background": the light that lights it.
                target = "background"
                reading.add(target, "presence", "on", m.phrase)
            reading.add(target or "", m.kind, m.value, m.phrase)
    return reading


def contradiction(
    reading: Reading, target: str, aspect: str, what: str, groups: dict[str, str]
) -> str | None:
    """A note when one aspect of one light was asked for in opposite ways (last one wins)."""
    asks = reading.asks.get((target, aspect), [])
    kinds = {groups.get(v, v) for v, _ in asks}
    if len(kinds) < 2:
        return None
    phrases = list(dict.fromkeys(p for _, p in asks))
    listed = " and ".join(f"'{p}'" for p in phrases)
    return f"{listed} both given{what}: '{asks[-1][1]}' came last and wins"
