"""Who sits: the subject's words read as a body and a skin tone.

The description is read for gender, age, build and skin tone (`vocabulary.SITTER_WORDS`,
`vocabulary.SITTER_AGE`); what it does not say stays at the defaults: an adult of 30, gender
halfway, average build, a medium skin tone. The bottle is the product subject. The meter zone
is where `render.measure` reads the cheeks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from prolight.domain.render.relief import LABEL_BOTTOM_Y, LABEL_TOP_Y
from prolight.domain.schema import Subject, SubjectKind
from prolight.domain.sitter.body import EYE_Y, Appearance
from prolight.domain.vocabulary import SITTER_AGE, SITTER_WORDS

__all__ = ["SKIN_TONES", "Sitter", "sitter"]

F32 = NDArray[np.float32]

SKIN_TONES: dict[str, tuple[float, float, float]] = {
    # Linear RGB diffuse albedo of skin, light to deep (after measured reflectance spectra of
    # the Fitzpatrick types, reduced to sRGB primaries).
    "pale": (0.72, 0.52, 0.43),
    "light": (0.64, 0.43, 0.33),
    "medium": (0.52, 0.33, 0.23),
    "olive": (0.43, 0.29, 0.18),
    "tan": (0.36, 0.22, 0.14),
    "brown": (0.22, 0.12, 0.07),
    "dark": (0.13, 0.075, 0.045),
}


@dataclass(frozen=True)
class Sitter:
    kind: SubjectKind
    appearance: Appearance
    skin_rgb: NDArray[np.float64]

    def meter_zone(self, points: F32) -> NDArray[np.bool_]:
        """Where on the metered shape (skin, or the bottle's label) the cheek probes read:
        below the eyes, above the mouth's corners, clear of the nose; mid-label."""
        x, y = np.abs(points[:, 0]), points[:, 1]
        if self.kind == SubjectKind.PRODUCT:
            zone: NDArray[np.bool_] = (y > LABEL_BOTTOM_Y + 0.01) & (y < LABEL_TOP_Y - 0.01)
            return zone
        zone = (y > EYE_Y - 0.068) & (y < EYE_Y - 0.016) & (x > 0.024) & (x < 0.07)
        return zone


def sitter(subject: Subject) -> Sitter:
    """The sitter the subject's description asks for (defaults where it is silent)."""
    values: dict[str, float | str] = {}
    text = subject.description.lower()
    for word in re.findall(r"[a-z][a-z-]*", text):
        values |= SITTER_WORDS.get(word, {})
    match = SITTER_AGE.search(text)
    if match:
        values["age"] = float(match.group(1)) if match.group(1) else float(match.group(2)) * 10 + 5
    appearance = Appearance(
        gender=float(values.get("gender", 0.5)),
        age_years=float(min(90.0, max(1.0, float(values.get("age", 30.0))))),
        weight=float(values.get("weight", 0.5)),
        muscle=float(values.get("muscle", 0.5)),
    )
    skin = SKIN_TONES[str(values.get("skin", "medium"))]
    return Sitter(subject.kind, appearance, np.array(skin))
