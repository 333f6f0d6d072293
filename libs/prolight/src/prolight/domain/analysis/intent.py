"""What a setup is for (its intent) and the ratio range, in stops, that suits each intent.

The intent comes from the words of the stated style (`vocabulary.STYLE_WORDS`), else from the
pattern the setup is closest to, else "portrait"; a product subject is a product.
"""

from __future__ import annotations

from dataclasses import dataclass

from prolight.domain.analysis.report import (
    Intent,
)
from prolight.domain.schema import LightingSetup, SubjectKind
from prolight.domain.vocabulary import (
    STYLE_WORDS,
)

__all__ = ["INTENTS", "IntentRange", "intent_for"]


@dataclass(frozen=True)
class IntentRange:
    """The key:fill ratios, in stops, that suit one intent."""

    min_stops: float
    max_stops: float | None  # None: no upper bound (low-key, dramatic)
    target_stops: float
    label: str  # what a photographer calls it, with the range as ratios


INTENTS = {
    "high_key": IntentRange(0.0, 1.0, 0.6, "high-key (1:1–2:1)"),
    "beauty": IntentRange(0.0, 1.6, 1.0, "beauty (up to 3:1)"),
    "portrait": IntentRange(1.0, 2.6, 1.6, "classic portrait (2:1–6:1)"),
    "fashion": IntentRange(1.5, 4.0, 2.5, "fashion (3:1–16:1)"),
    "dramatic": IntentRange(2.5, None, 3.0, "dramatic (6:1 and up)"),
    "low_key": IntentRange(3.0, None, 3.5, "low-key (8:1 and up)"),
    "product": IntentRange(1.0, 3.0, 1.5, "product (2:1–8:1)"),
}
"""Ratio ranges in stops for each intent (facts: high-key ~1:1–2:1, low-key ≥ 8:1)."""

_PATTERN_INTENT = {
    "butterfly": "beauty", "clamshell": "beauty", "loop": "portrait", "rembrandt": "dramatic",
    "split": "dramatic", "broad": "portrait", "short": "portrait",
    "rim_lit_dramatic_fashion": "dramatic", "soft_beauty_portrait": "beauty",
    "high_key": "high_key", "low_key": "low_key", "product_tabletop": "product",
}  # fmt: skip


def intent_for(setup: LightingSetup, pattern: str) -> Intent:
    """The intent of `setup`, whose closest pattern is `pattern` (module doc)."""
    style = (setup.style or "").lower()
    name, source = None, ""
    for candidate, words in STYLE_WORDS:
        hit = next((w for w in words if w in style), None)
        if hit:
            name, source = candidate, f"the stated style {setup.style!r} ({hit!r})"
            break
    if name is None:
        name = _PATTERN_INTENT.get(pattern, "portrait")
        source = (
            f"no style stated; judged as the {pattern.replace('_', ' ')} pattern's usual intent"
        )
        if setup.subject.kind == SubjectKind.PRODUCT:
            name, source = "product", "no style stated; the subject is a product"
    wanted = INTENTS[name]
    return Intent(
        name=name,
        min_stops=wanted.min_stops,
        max_stops=wanted.max_stops,
        target_stops=wanted.target_stops,
        source=source,
    )
