"""Plain language → `LightingSetup`, by rules: deterministic, fast, and never executed.

`translate("Rembrandt with a gold reflector as fill")` starts from the named pattern's preset
(`prolight.domain.presets`; `DEFAULT_PRESET` when none is named) and applies what the rest of the
phrase asks for. The text is only looked up in the word lists of `prolight.domain.vocabulary`:
nothing in it is run, formatted into a template or passed to a model, so an instruction hidden
in it ("ignore previous instructions and …") changes nothing and is reported in `ignored`.

How a phrase is read:

1. Lower-cased and split into words (hyphens split too: "high-contrast" = "high contrast")
   and into clauses at punctuation and at "and", "with", "but", "plus".
2. The longest known phrase wins at each position ("beauty dish" is a modifier, "beauty"
   alone the soft beauty preset). Grammar words ("a", "the", "lighting") are skipped
   silently; any other unknown word lands in `ignored`.
3. A describing word (soft/hard, warm/cool, strong/subtle, a modifier, a colour, a side)
   belongs to the light named in its clause (the next one, else the previous one):
   "cold blue rim" tints the rim, "gold reflector as fill" makes the fill a gold reflector.
   Without a light in its clause it describes the whole set: softness and side go to the
   key, tones to every light that lights the face (key, fill, hair, ambient).
4. When two words ask for opposite things for the same light ("soft … hard"), the one that
   came last wins, and `resolved` says so.

Units in the result follow the schema: degrees, metres, kelvin, intensity as a fraction of
full power. Contrast words set the fill's on-axis level below the key in stops
(`CONTRAST_STOPS`), computed with the same photometry as the light meter; otherwise the
fill keeps the preset's ratio even when the key's or the fill's modifier changes. The camera
aperture is re-metered for the key (nearest third stop at the camera's ISO and shutter).

    reading.py      steps 1–3: the text read into what it asks of each light
    lights.py       the lights being built: new ones, fill levels, what each word sets
    translation.py  `translate`: the preset, then each ask applied (step 4 included)
"""

from __future__ import annotations

from prolight.domain.translator.reading import MAX_TEXT_CHARS
from prolight.domain.translator.translation import (
    CONTRAST_STOPS,
    DEFAULT_PRESET,
    Translation,
    translate,
)

__all__ = [
    "CONTRAST_STOPS",
    "DEFAULT_PRESET",
    "MAX_TEXT_CHARS",
    "Translation",
    "translate",
]
