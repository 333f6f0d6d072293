"""The words of lighting: every word a reader of plain language here understands, in one place.

Three readers use it, each with its own grammar:

- a description (`translator`) is read phrase by phrase, longest phrase first: the
  `*_PHRASES` tables, each a meaning → the phrases that say it;
- an edit instruction (`refine`) is read word by word, in clauses: `EDIT_ROLE_WORDS`,
  `NUMBER_WORDS` and the comparatives (`BRIGHTER_WORDS`, `WARMER_WORDS`, …);
- a stated style (`analysis`) is searched for words: `STYLE_WORDS`, `COLOUR_STYLE_WORDS`;
- the subject's description (`sitter`) is searched for who sits: `SITTER_WORDS`,
  `SITTER_AGE`; the translator moves a phrase that says it into the subject
  (`describes_sitter`).

Where two readers take one word differently it is on purpose: in a description "background"
is the backdrop (a light on it is a "background light"); in an edit every word names a light,
so "background" and "backdrop" are the light on the backdrop, and "back" is the rim.

Values are the schema's own (`Role`, `Modifier`, `ShotType` values, preset names), so a
table can be checked against the schema (tests/domain/test_vocabulary.py).
"""

from __future__ import annotations

import re

from prolight.domain.schema import Role

__all__ = [
    "ACCENT_ROLES",
    "BACKDROP_COLOUR_PHRASES",
    "BACKDROP_SHADE_PHRASES",
    "BRIGHTER_WORDS",
    "CLAUSE_WORDS",
    "CLOSER_WORDS",
    "COLOUR_STYLE_WORDS",
    "CONTRAST_PHRASES",
    "COOLER_WORDS",
    "DIMMER_WORDS",
    "EDIT_ROLE_WORDS",
    "FACE_ROLES",
    "FLATTER_WORDS",
    "FURTHER_WORDS",
    "GRAMMAR_WORDS",
    "HARDER_WORDS",
    "LIGHT_ROLES",
    "MODIFIER_PHRASES",
    "NEGATION_WORDS",
    "NUMBER_WORDS",
    "OFF_WORDS",
    "ON_WORDS",
    "PATTERN_PHRASES",
    "ROLE_PHRASES",
    "SEPARATION_ROLES",
    "SHOT_PHRASES",
    "SIDE_PHRASES",
    "SITTER_AGE",
    "SITTER_WORDS",
    "SOFTER_WORDS",
    "SOFTNESS_PHRASES",
    "STRENGTH_PHRASES",
    "STYLE_WORDS",
    "TONE_COLOURS",
    "TONE_KELVIN",
    "WARMER_WORDS",
    "describes_sitter",
]

# ------------------------------------------------------------------ roles

LIGHT_ROLES = (Role.KEY, Role.FILL, Role.RIM, Role.KICKER, Role.HAIR, Role.BACKGROUND,
               Role.AMBIENT)  # fmt: skip
"""Every light a text can switch on or off, in the order the translator reports them."""

FACE_ROLES = (Role.KEY, Role.FILL, Role.HAIR, Role.AMBIENT)
"""The lights that light the face: a tone word with no light named ("warm") applies to them."""

SEPARATION_ROLES = (Role.RIM, Role.KICKER, Role.HAIR)
"""Lights that outline the subject against the backdrop."""

ACCENT_ROLES = (*SEPARATION_ROLES, Role.BACKGROUND)
"""Lights whose colour may differ from the key's without a cast on the face."""

# ------------------------------------------------------------------ descriptions (translator)

PATTERN_PHRASES = {
    "butterfly": ("butterfly", "paramount", "hollywood", "glamour"),
    "clamshell": ("clamshell", "clam shell"),
    "loop": ("loop",),
    "rembrandt": ("rembrandt",),
    "split": ("split",),
    "broad": ("broad",),
    "short": ("short lighting", "short light", "short pattern", "short side"),
    "high_key": ("high key", "highkey"),
    "low_key": ("low key", "lowkey"),
    "soft_beauty_portrait": ("beauty", "soft beauty"),
    "rim_lit_dramatic_fashion": ("fashion", "dramatic fashion"),
    "product_tabletop": ("product", "tabletop", "table top", "still life", "packshot",
                         "pack shot"),
}  # fmt: skip
"""Preset name → the phrases that name its pattern."""

ROLE_PHRASES = {
    "key": ("key", "key light", "main light", "main"),
    "fill": ("fill", "fill light"),
    "rim": ("rim", "rim light", "rimlight", "rim lit", "edge light", "edge", "backlight",
            "back light", "backlit", "separation light"),
    "kicker": ("kicker",),
    "hair": ("hair", "hair light", "hairlight"),
    "background": ("background light", "backdrop light", "background lit", "lit background"),
    "ambient": ("ambient", "ambient light"),
    "backdrop": ("backdrop", "background", "seamless", "sweep", "wall", "paper"),
}  # fmt: skip
"""Role (or "backdrop", the surface behind the subject) → the phrases that name it."""

SOFTNESS_PHRASES = {
    "soft": ("soft", "softer", "diffused", "diffuse", "gentle", "wrapping", "wraparound",
             "flattering", "soft shadows"),
    "hard": ("hard", "harder", "harsh", "crisp", "specular", "hard shadows", "sharp shadows"),
}  # fmt: skip
"""Shadow edge → the phrases that ask for it."""

CONTRAST_PHRASES = {
    "high": ("dramatic", "high contrast", "contrasty", "moody", "chiaroscuro", "noir",
             "film noir", "deep shadows", "dark shadows", "punchy"),
    "low": ("low contrast", "flat", "even", "evenly", "airy", "shadowless", "open shadows"),
}  # fmt: skip
"""Contrast (how far the fill sits under the key) → the phrases that ask for it."""

STRENGTH_PHRASES = {
    "strong": ("strong", "bright", "intense", "bold", "powerful", "hot"),
    "subtle": ("subtle", "faint", "weak", "dim", "delicate", "hint", "touch"),
}  # fmt: skip
"""Strength of one light → the phrases that ask for it."""

MODIFIER_PHRASES = {
    "softbox": ("softbox", "soft box"),
    "octabox": ("octabox", "octa", "octobox", "octa box"),
    "stripbox": ("stripbox", "strip box", "strip", "strip light"),
    "umbrella": ("umbrella",),
    "shoot_through_umbrella": ("shoot through umbrella", "shoot through"),
    "beauty_dish": ("beauty dish", "dish"),
    "grid": ("grid", "grid spot", "honeycomb"),
    "snoot": ("snoot",),
    "fresnel": ("fresnel", "spotlight", "spot"),
    "reflector": ("reflector", "bounce", "bounce card", "v flat"),
    "bare": ("bare", "bare bulb", "bare flash"),
}
"""`Modifier` value → the phrases that name it."""

SIDE_PHRASES = {"left": ("left", "camera left"), "right": ("right", "camera right")}
"""Side of the camera → the phrases that name it."""

NEGATION_WORDS = ("no", "without", "remove", "skip", "drop")
"""Words that switch off the light named just after them."""

SHOT_PHRASES = {
    "headshot": ("headshot", "head shot"),
    "close_up": ("close up", "closeup"),
    "full_body": ("full body", "full length"),
    "medium_shot": ("medium shot", "waist up"),
    "three_quarter": ("three quarter",),
}
"""`ShotType` value → the phrases that name it."""

TONE_KELVIN = {
    "warm": 4300.0, "golden": 3500.0, "gold": 3800.0, "tungsten": 3200.0, "incandescent": 3200.0,
    "candle": 1900.0, "sunset": 3000.0, "amber": 2700.0, "orange": 2700.0,
    "neutral": 5600.0, "daylight": 5600.0, "white": 5600.0, "silver": 5600.0,
    "cool": 7000.0, "cold": 8000.0, "icy": 10000.0, "moonlight": 9000.0, "blue": 12000.0,
}  # fmt: skip
"""Tone word → the kelvin it sets (gold is a gold reflector's bounce, blue a strongly cooled
head)."""

TONE_COLOURS = frozenset({"white", "blue", "orange"})
"""Tone words that also name a backdrop colour ("a white backdrop")."""

BACKDROP_SHADE_PHRASES = {"dark": ("dark",)}
"""A backdrop's shade with no colour named → the phrases that ask for it."""

BACKDROP_COLOUR_PHRASES = {
    "light grey": ("light grey", "light gray"),
    "dark grey": ("dark grey", "dark gray"),
    **{c: (c,) for c in ("black", "grey", "gray", "charcoal", "navy", "red", "green", "beige",
                         "cream", "brown", "teal", "pink", "yellow", "purple")},
}  # fmt: skip
"""Backdrop colour (a name `Background.color` reads) → the phrases that name it."""

CLAUSE_WORDS = frozenset({"and", "with", "but", "plus", "then", "while", "also"})
"""Words that start a new clause: a describing word belongs to a light in its own clause."""

GRAMMAR_WORDS = frozenset({
    "a", "an", "the", "of", "on", "in", "for", "as", "to", "from", "at", "by", "is", "it", "its",
    "this", "that", "into", "onto", "over", "under", "some", "very", "really", "quite",
    "slightly", "more", "less", "lot", "bit", "light", "lights", "lighting", "lit", "setup",
    "set", "look", "style", "tone", "tones", "tonality", "mood", "feel", "using", "use", "used",
    "please", "i", "want", "like", "me", "give", "make", "create", "camera", "side", "portrait",
    "photo", "photograph", "picture", "image", "shot", "studio", "subject", "model", "person",
    "face", "shadow", "shadows"
})  # fmt: skip
"""Grammar and context words: skipped in a description without being reported as ignored."""

# ------------------------------------------------------------------ edits (refine)

EDIT_ROLE_WORDS = {
    "key": Role.KEY, "main": Role.KEY, "fill": Role.FILL, "rim": Role.RIM, "back": Role.RIM,
    "backlight": Role.RIM, "hair": Role.HAIR, "kicker": Role.KICKER, "kick": Role.KICKER,
    "background": Role.BACKGROUND, "backdrop": Role.BACKGROUND, "ambient": Role.AMBIENT,
}  # fmt: skip
"""Word in an edit instruction → the light it names."""

NUMBER_WORDS = {
    "a": 1.0, "an": 1.0, "one": 1.0, "two": 2.0, "three": 3.0, "half": 0.5, "third": 1 / 3,
    "quarter": 0.25,
}  # fmt: skip
"""Number words of an amount ("half a stop", "two stops")."""

BRIGHTER_WORDS = ("more", "brighter", "stronger", "up", "increase", "raise", "boost")
DIMMER_WORDS = ("less", "dimmer", "weaker", "down", "lower", "reduce", "darker")
WARMER_WORDS = ("warmer", "hotter", "golden", "oranger")
COOLER_WORDS = ("cooler", "colder", "bluer")
SOFTER_WORDS = ("softer", "diffused")
HARDER_WORDS = ("harder", "crisper", "sharper")
CLOSER_WORDS = ("closer", "nearer")
FURTHER_WORDS = ("further", "farther", "away")
FLATTER_WORDS = ("flatter",)
"""Less contrast: the fill comes up."""
OFF_WORDS = ("off", "disable", "remove", "no", "without", "kill")
ON_WORDS = ("on", "enable")
"""Switch a named light on (with "turn": "turn the rim on")."""

# ------------------------------------------------------------------ styles (analysis)

STYLE_WORDS = (
    ("low_key", ("low-key", "low key", "lowkey", "noir", "chiaroscuro")),
    ("high_key", ("high-key", "high key", "highkey", "airy", "bright")),
    ("dramatic", ("dramatic", "moody", "cinematic", "dark", "edgy", "contrast")),
    ("beauty", ("beauty", "glamour", "glamor", "soft", "flattering")),
    ("fashion", ("fashion", "editorial")),
    ("product", ("product", "commercial", "packshot", "e-commerce")),
    ("portrait", ("portrait", "classic", "headshot", "corporate")),
)
"""Intent → words of a stated style that ask for it; checked in order, so "dramatic fashion"
is dramatic and "high-key beauty" is high-key."""

COLOUR_STYLE_WORDS = ("mixed", "teal", "orange", "colour", "color", "gel", "cinematic", "neon",
                      "tungsten", "sunset", "golden", "warm", "cool", "cold", "blue")  # fmt: skip
"""Words of a stated style that make mixed colour temperatures a choice, not a mistake."""


SITTER_WORDS: dict[str, dict[str, float | str]] = {
    # gender
    "woman": {"gender": 0.0},
    "female": {"gender": 0.0},
    "girl": {"gender": 0.0, "age": 12},
    "lady": {"gender": 0.0},
    "bride": {"gender": 0.0},
    "actress": {"gender": 0.0},
    "man": {"gender": 1.0},
    "male": {"gender": 1.0},
    "boy": {"gender": 1.0, "age": 12},
    "gentleman": {"gender": 1.0},
    "groom": {"gender": 1.0},
    "actor": {"gender": 1.0},
    "businessman": {"gender": 1.0},
    "businesswoman": {"gender": 0.0},
    # age
    "child": {"age": 9},
    "kid": {"age": 9},
    "teen": {"age": 16},
    "teenager": {"age": 16},
    "young": {"age": 24},
    "middle-aged": {"age": 48},
    "elderly": {"age": 75},
    "senior": {"age": 70},
    # build
    "slim": {"weight": 0.25},
    "slender": {"weight": 0.25},
    "thin": {"weight": 0.15},
    "heavy": {"weight": 0.85},
    "plump": {"weight": 0.8},
    "stocky": {"weight": 0.7, "muscle": 0.7},
    "athletic": {"muscle": 0.8, "weight": 0.4},
    "muscular": {"muscle": 0.95},
    # skin
    "pale-skinned": {"skin": "pale"},
    "fair": {"skin": "light"},
    "light-skinned": {"skin": "light"},
    "olive": {"skin": "olive"},
    "tanned": {"skin": "tan"},
    "tan-skinned": {"skin": "tan"},
    "brown-skinned": {"skin": "brown"},
    "dark-skinned": {"skin": "dark"},
}
"""Description words and what they set: gender 0–1, age in years, weight and muscle 0–1,
skin one of `sitter.SKIN_TONES`. Later words win. Words a lighting description uses for
something else are left out ("black" backdrop, "old" Hollywood, "pale" or "tan" colours)."""

SITTER_AGE = re.compile(r"\b(\d{1,2})[- ]?(?:year|yr)s?[- ]?old\b|\bin (?:her|his|their) (\d)0s\b")
"""An age in years: "35-year-old", "35 yr old", "in her 40s"."""


def describes_sitter(phrase: str) -> bool:
    """Whether `phrase` says who sits (gender, age, build, skin tone): a `SITTER_WORDS` word
    or an age."""
    text = phrase.lower()
    return bool(SITTER_AGE.search(text)) or any(
        w in SITTER_WORDS for w in re.findall(r"[a-z][a-z-]*", text)
    )
