"""Plain language → `LightingSetup`, by rules: deterministic, fast, and never executed.

`translate("Rembrandt with a gold reflector as fill")` starts from the named pattern's preset
(`prolight.domain.presets`; `DEFAULT_PRESET` when none is named) and applies what the rest of the
phrase asks for. The text is only looked up in the word lists below: nothing in it is run,
formatted into a template or passed to a model, so an instruction hidden in it ("ignore
previous instructions and …") changes nothing and is reported in `ignored`.

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
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from prolight.domain.errors import InvalidInput
from prolight.domain.physics.meter import expose_for_key
from prolight.domain.presets import PRESETS, get_preset
from prolight.domain.schema import MODIFIERS, LightingSetup, Modifier, Role

__all__ = [
    "CONTRAST_STOPS",
    "DEFAULT_PRESET",
    "MAX_TEXT_CHARS",
    "Translation",
    "translate",
]

MAX_TEXT_CHARS = 2000
"""Longest description accepted, in characters."""

DEFAULT_PRESET = "loop"
"""The base when no pattern is named: the everyday portrait pattern."""

CONTRAST_STOPS = {
    "high": 3.0,
    "low": 1.0,
    "strong_fill": 1.0,
    "subtle_fill": 3.0,
    "added_fill": 2.0,
}
"""Fill level below the key, in stops of on-axis illuminance, for each way a text asks for it."""


class Translation(BaseModel):
    """What a description became, and how: every word is accounted for in one of the lists."""

    model_config = ConfigDict(frozen=True)

    setup: LightingSetup
    preset: str | None = Field(
        description=f"The preset the setup started from, as named in the text; None when no "
        f"pattern was named and the default ({DEFAULT_PRESET}) was used."
    )
    notes: list[str] = Field(description="What was understood, with the values it set.")
    ignored: list[str] = Field(description="Words and phrases that were not used, in text order.")
    resolved: list[str] = Field(description="Contradictions in the text and how each was settled.")


# --- vocabulary ---------------------------------------------------------------------------
# Each phrase maps to (kind, value). Kinds: pattern, role, soft, contrast, tone, strength,
# modifier, colour, shade, side, negate, shot.

_Entry = tuple[str, str]

_KELVIN = {
    "warm": 4300.0, "golden": 3500.0, "gold": 3800.0, "tungsten": 3200.0, "incandescent": 3200.0,
    "candle": 1900.0, "sunset": 3000.0, "amber": 2700.0, "orange": 2700.0,
    "neutral": 5600.0, "daylight": 5600.0, "white": 5600.0, "silver": 5600.0,
    "cool": 7000.0, "cold": 8000.0, "icy": 10000.0, "moonlight": 9000.0, "blue": 12000.0,
}  # fmt: skip
"""Kelvin each tone word sets (gold is a gold reflector's bounce, blue a strongly cooled head)."""

_PHRASES: dict[str, _Entry] = {
    # patterns → preset names
    "butterfly": ("pattern", "butterfly"), "paramount": ("pattern", "butterfly"),
    "hollywood": ("pattern", "butterfly"), "glamour": ("pattern", "butterfly"),
    "clamshell": ("pattern", "clamshell"), "clam shell": ("pattern", "clamshell"),
    "loop": ("pattern", "loop"), "rembrandt": ("pattern", "rembrandt"),
    "split": ("pattern", "split"), "broad": ("pattern", "broad"),
    "short lighting": ("pattern", "short"), "short light": ("pattern", "short"),
    "short pattern": ("pattern", "short"), "short side": ("pattern", "short"),
    "high key": ("pattern", "high_key"), "highkey": ("pattern", "high_key"),
    "low key": ("pattern", "low_key"), "lowkey": ("pattern", "low_key"),
    "beauty": ("pattern", "soft_beauty_portrait"),
    "soft beauty": ("pattern", "soft_beauty_portrait"),
    "fashion": ("pattern", "rim_lit_dramatic_fashion"),
    "dramatic fashion": ("pattern", "rim_lit_dramatic_fashion"),
    "product": ("pattern", "product_tabletop"), "tabletop": ("pattern", "product_tabletop"),
    "table top": ("pattern", "product_tabletop"), "still life": ("pattern", "product_tabletop"),
    "packshot": ("pattern", "product_tabletop"), "pack shot": ("pattern", "product_tabletop"),
    # lights and the backdrop
    "key": ("role", "key"), "key light": ("role", "key"), "main light": ("role", "key"),
    "main": ("role", "key"), "fill": ("role", "fill"), "fill light": ("role", "fill"),
    "rim": ("role", "rim"), "rim light": ("role", "rim"), "rimlight": ("role", "rim"),
    "rim lit": ("role", "rim"), "edge light": ("role", "rim"), "edge": ("role", "rim"),
    "backlight": ("role", "rim"), "back light": ("role", "rim"), "backlit": ("role", "rim"),
    "separation light": ("role", "rim"), "kicker": ("role", "kicker"),
    "hair": ("role", "hair"), "hair light": ("role", "hair"), "hairlight": ("role", "hair"),
    "background light": ("role", "background"), "backdrop light": ("role", "background"),
    "background lit": ("role", "background"), "lit background": ("role", "background"),
    "ambient": ("role", "ambient"), "ambient light": ("role", "ambient"),
    "backdrop": ("role", "backdrop"), "background": ("role", "backdrop"),
    "seamless": ("role", "backdrop"), "sweep": ("role", "backdrop"), "wall": ("role", "backdrop"),
    "paper": ("role", "backdrop"),
    # softness
    "soft": ("soft", "soft"), "softer": ("soft", "soft"), "diffused": ("soft", "soft"),
    "diffuse": ("soft", "soft"), "gentle": ("soft", "soft"), "wrapping": ("soft", "soft"),
    "wraparound": ("soft", "soft"), "flattering": ("soft", "soft"),
    "soft shadows": ("soft", "soft"), "hard": ("soft", "hard"), "harder": ("soft", "hard"),
    "harsh": ("soft", "hard"), "crisp": ("soft", "hard"), "specular": ("soft", "hard"),
    "hard shadows": ("soft", "hard"), "sharp shadows": ("soft", "hard"),
    # contrast (fill level)
    "dramatic": ("contrast", "high"), "high contrast": ("contrast", "high"),
    "contrasty": ("contrast", "high"), "moody": ("contrast", "high"),
    "chiaroscuro": ("contrast", "high"), "noir": ("contrast", "high"),
    "film noir": ("contrast", "high"), "deep shadows": ("contrast", "high"),
    "dark shadows": ("contrast", "high"), "punchy": ("contrast", "high"),
    "low contrast": ("contrast", "low"), "flat": ("contrast", "low"), "even": ("contrast", "low"),
    "evenly": ("contrast", "low"), "airy": ("contrast", "low"), "shadowless": ("contrast", "low"),
    "open shadows": ("contrast", "low"),
    # strength of a light
    "strong": ("strength", "strong"), "bright": ("strength", "strong"),
    "intense": ("strength", "strong"), "bold": ("strength", "strong"),
    "powerful": ("strength", "strong"), "hot": ("strength", "strong"),
    "subtle": ("strength", "subtle"), "faint": ("strength", "subtle"),
    "weak": ("strength", "subtle"), "dim": ("strength", "subtle"),
    "delicate": ("strength", "subtle"), "hint": ("strength", "subtle"),
    "touch": ("strength", "subtle"),
    # modifiers
    "softbox": ("modifier", "softbox"), "soft box": ("modifier", "softbox"),
    "octabox": ("modifier", "octabox"), "octa": ("modifier", "octabox"),
    "octobox": ("modifier", "octabox"), "octa box": ("modifier", "octabox"),
    "stripbox": ("modifier", "stripbox"), "strip box": ("modifier", "stripbox"),
    "strip": ("modifier", "stripbox"), "strip light": ("modifier", "stripbox"),
    "umbrella": ("modifier", "umbrella"),
    "shoot through umbrella": ("modifier", "shoot_through_umbrella"),
    "shoot through": ("modifier", "shoot_through_umbrella"),
    "beauty dish": ("modifier", "beauty_dish"), "dish": ("modifier", "beauty_dish"),
    "grid": ("modifier", "grid"), "grid spot": ("modifier", "grid"),
    "honeycomb": ("modifier", "grid"), "snoot": ("modifier", "snoot"),
    "fresnel": ("modifier", "fresnel"), "spotlight": ("modifier", "fresnel"),
    "spot": ("modifier", "fresnel"), "reflector": ("modifier", "reflector"),
    "bounce": ("modifier", "reflector"), "bounce card": ("modifier", "reflector"),
    "v flat": ("modifier", "reflector"), "bare": ("modifier", "bare"),
    "bare bulb": ("modifier", "bare"), "bare flash": ("modifier", "bare"),
    # sides
    "left": ("side", "left"), "right": ("side", "right"),
    "camera left": ("side", "left"), "camera right": ("side", "right"),
    # negation
    "no": ("negate", ""), "without": ("negate", ""), "remove": ("negate", ""),
    "skip": ("negate", ""), "drop": ("negate", ""),
    # framing
    "headshot": ("shot", "headshot"), "head shot": ("shot", "headshot"),
    "close up": ("shot", "close_up"), "closeup": ("shot", "close_up"),
    "full body": ("shot", "full_body"), "full length": ("shot", "full_body"),
    "medium shot": ("shot", "medium_shot"), "waist up": ("shot", "medium_shot"),
    "three quarter": ("shot", "three_quarter"),
    # colours of the backdrop (the tone words above double as colours)
    "dark": ("shade", "dark"), "light grey": ("colour", "light grey"),
    "light gray": ("colour", "light grey"), "dark grey": ("colour", "dark grey"),
    "dark gray": ("colour", "dark grey"),
}  # fmt: skip
for _word in _KELVIN:
    _PHRASES.setdefault(_word, ("tone", _word))
for _colour in ("black", "grey", "gray", "charcoal", "navy", "red", "green", "beige", "cream",
                "brown", "teal", "pink", "yellow", "purple"):  # fmt: skip
    _PHRASES.setdefault(_colour, ("colour", _colour))

_LONGEST = max(len(p.split()) for p in _PHRASES)
_LOOKUP = {tuple(p.split()): entry for p, entry in _PHRASES.items()}

_SKIP_WORDS = (
    "a an the of on in for as to from at by is it its this that into onto over under some very "
    "really quite slightly more less lot bit light lights lighting lit setup set look style "
    "tone tones tonality mood feel using use used please i want like me give make create "
    "camera side portrait photo photograph picture image shot studio subject model person face "
    "shadow shadows"
)
_SKIP = frozenset(_SKIP_WORDS.split())
"""Grammar and context words: skipped without being reported as ignored."""
_CLAUSE_WORDS = frozenset({"and", "with", "but", "plus", "then", "while", "also"})
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CLAUSE_PUNCT = re.compile(r"[,.;:!?()\[\]{}\n]+")

_BACKDROP_TONES = frozenset({"white", "blue", "orange"})  # tone words that also name a colour
_LIGHT_ROLES = ("key", "fill", "rim", "kicker", "hair", "background", "ambient")
_FACE_ROLES = ("key", "fill", "hair", "ambient")
_SOFTNESS = {"soft": 0.85, "hard": 0.1}
_MODIFIER_SOFTNESS = {
    "bare": 0.1, "grid": 0.1, "snoot": 0.05, "fresnel": 0.15, "beauty_dish": 0.4,
    "stripbox": 0.6, "softbox": 0.65, "umbrella": 0.7, "shoot_through_umbrella": 0.75,
    "reflector": 0.8, "octabox": 0.85,
}  # fmt: skip
_SMALL = frozenset({"bare", "grid", "snoot", "fresnel", "beauty_dish"})
_STRENGTH = {  # intensity (fraction of full power) for strong / subtle
    "rim": (0.85, 0.25), "kicker": (0.8, 0.25), "hair": (0.5, 0.15),
    "background": (0.6, 0.1), "ambient": (0.5, 0.1), "key": (0.9, 0.4),
}  # fmt: skip
_WARMTH = {"warm": 1, "cool": -1, "neutral": 0}


@dataclass(frozen=True)
class _Match:
    kind: str
    value: str
    phrase: str
    clause: int
    pos: int


@dataclass
class _Reading:
    """Everything the text asked for, grouped as (target, aspect) → [(value, phrase)] in order."""

    asks: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def add(self, target: str, aspect: str, value: str, phrase: str) -> None:
        self.asks.setdefault((target, aspect), []).append((value, phrase))

    def last(self, target: str, aspect: str) -> str | None:
        got = self.asks.get((target, aspect))
        return got[-1][0] if got else None


# --- reading -------------------------------------------------------------------------------


def _check(text: Any) -> str:
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
            if words[i] in _CLAUSE_WORDS:
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
                if words[i] not in _SKIP:
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


def _read(text: str) -> _Reading:
    matches, ignored = _match(text)
    reading = _Reading(ignored=ignored)
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
            m.kind == "tone" and m.value in _BACKDROP_TONES and _target(m, roles) == "backdrop"
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


# --- building --------------------------------------------------------------------------------


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


_BASES: dict[str, dict[str, Any]] = {
    name: preset.setup.model_dump(mode="json") for name, preset in PRESETS.items()
}


def _lux(light: dict[str, Any]) -> float:
    """On-axis illuminance relative to a bare unit at full power 1 m away (see photometry)."""
    eff = MODIFIERS[Modifier(light["modifier"])].efficiency
    return float(light["intensity"]) * eff / float(light["distance"]) ** 2


def _intensity_for(key: dict[str, Any], light: dict[str, Any], stops: float) -> float:
    eff = MODIFIERS[Modifier(light["modifier"])].efficiency
    wanted = _lux(key) * math.pow(2.0, -stops) * float(light["distance"]) ** 2 / eff
    return round(min(1.0, max(0.01, wanted)), 3)


def _side_sign(key: dict[str, Any]) -> float:
    az = float(key["direction"]["azimuth"])
    return -1.0 if az < 0 else 1.0


def _new_light(role: str, key: dict[str, Any]) -> dict[str, Any]:
    """A light the text asked for that the preset lacks, placed by convention (see notes)."""
    s = _side_sign(key)
    kelvin = key["kelvin"]
    az, el, modifier, distance, intensity = {
        "fill": (-s * 40, 0, "umbrella", 2.0, 0.25),
        "rim": (-s * 145, 25, "stripbox", 1.5, 0.5),
        "kicker": (-s * 120, 10, "stripbox", 1.5, 0.45),
        "hair": (180, 60, "stripbox", 1.2, 0.3),
        "background": (0, 10, "bare", 1.5, 0.3),
        "ambient": (0, 0, "octabox", 3.0, 0.3),
    }[role]
    return {
        "role": role, "enabled": True, "intensity": intensity, "kelvin": kelvin,
        "softness": 1.0 if role == "ambient" else _MODIFIER_SOFTNESS[modifier],
        "distance": distance, "direction": {"azimuth": az, "elevation": el},
        "modifier": modifier, "modifier_size": None, "gel": None,
    }  # fmt: skip


def _where(light: dict[str, Any]) -> str:
    az, el = float(light["direction"]["azimuth"]), float(light["direction"]["elevation"])
    if abs(az) < 0.5:
        side = "on axis"
    elif abs(az) > 179.5:
        side = "directly behind"
    else:
        side = f"{abs(az):g}° camera-{'right' if az > 0 else 'left'}"
    return f"{side}, {el:g}° {'up' if el >= 0 else 'down'}"


def _contradiction(
    reading: _Reading, target: str, aspect: str, what: str, groups: dict[str, str]
) -> str | None:
    """A note when one aspect of one light was asked for in opposite ways (last one wins)."""
    asks = reading.asks.get((target, aspect), [])
    kinds = {groups.get(v, v) for v, _ in asks}
    if len(kinds) < 2:
        return None
    phrases = list(dict.fromkeys(p for _, p in asks))
    listed = " and ".join(f"'{p}'" for p in phrases)
    return f"{listed} both given{what}: '{asks[-1][1]}' came last and wins"


def translate(text: str) -> Translation:
    """Turn a plain-language lighting description into a `LightingSetup` (see module doc).

    Raises InvalidInput (field "text") for an empty text or one over `MAX_TEXT_CHARS`.
    Deterministic: the same text always gives the same setup, notes and lists.
    """
    reading = _read(_check(text))
    notes: list[str] = []
    resolved: list[str] = []

    pattern = reading.last("", "pattern")
    preset = get_preset(pattern or DEFAULT_PRESET)
    if (r := _contradiction(reading, "", "pattern", "", {})) is not None:
        resolved.append(r.replace("came last and wins", "came last and is the base"))
    notes.append(
        f"base: {preset.title} preset"
        if pattern
        else f"no pattern named: base {preset.title} preset"
    )
    setup = _copy(_BASES[preset.name])
    lights: dict[str, dict[str, Any]] = setup["lighting"]
    key = lights["key"]
    fill_stops = math.log2(_lux(key) / _lux(lights["fill"])) if "fill" in lights else None

    # Global describing words go to the key (softness, modifier, strength, side) or the face.
    for aspect in ("soft", "modifier", "strength", "side"):
        for value, phrase in reading.asks.pop(("", aspect), []):
            reading.add("key", aspect, value, phrase)

    # Which side the key is on: mirror the whole set so the pattern keeps its shape.
    side = reading.last("key", "side")
    if (r := _contradiction(reading, "key", "side", " for the key", {})) is not None:
        resolved.append(r)
    if side is not None:
        want = -1.0 if side == "left" else 1.0
        if abs(float(key["direction"]["azimuth"])) < 0.5:
            resolved.append(
                f"'{side}' does not apply to {preset.title}: its key is on the face axis, "
                "kept there"
            )
        elif _side_sign(key) != want:
            for light in lights.values():
                light["direction"]["azimuth"] = -float(light["direction"]["azimuth"])
            description = setup["subject"]["description"]
            setup["subject"]["description"] = re.sub(
                r"camera-(left|right)",
                lambda m: "camera-right" if m.group(1) == "left" else "camera-left",
                description,
            )
            notes.append(f"key from camera-{side}: the set is mirrored")
        else:
            notes.append(f"key from camera-{side}, as the preset has it")

    # Lights switched on or off.
    for role in _LIGHT_ROLES:
        presence = reading.last(role, "presence")
        if presence is None:
            continue
        if (r := _contradiction(reading, role, "presence", f" for the {role}", {})) is not None:
            resolved.append(r)
        if presence == "off":
            if role == "key":
                resolved.append("the key cannot be removed: kept")
            elif role in lights:
                del lights[role]
                notes.append(f"no {role} light")
            else:
                notes.append(f"no {role} light (the preset has none)")
            unused = [a for a in ("soft", "modifier", "strength", "tone", "side")
                      if reading.asks.pop((role, a), None)]  # fmt: skip
            if unused:
                resolved.append(f"the {role} is switched off, so what describes it is not used")
            if role == "fill":
                fill_stops = None
        elif role not in lights:
            lights[role] = _new_light(role, key)
            notes.append(
                f"added a {role} light, {_where(lights[role])}, {lights[role]['modifier']}"
            )
            if role == "fill":
                fill_stops = CONTRAST_STOPS["added_fill"]

    # Per-light modifier, softness, strength, side.
    for role, light in lights.items():
        modifier = reading.last(role, "modifier")
        if modifier is not None:
            if (r := _contradiction(reading, role, "modifier", f" for the {role}", {})) is not None:
                resolved.append(r)
            light["modifier"] = modifier
            light["softness"] = _MODIFIER_SOFTNESS[modifier]
            light["modifier_size"] = None
            notes.append(f"{role}: {modifier.replace('_', ' ')}")
        soft = reading.last(role, "soft")
        if soft is not None:
            if (r := _contradiction(reading, role, "soft", f" for the {role}", {})) is not None:
                resolved.append(r)
            light["softness"] = _SOFTNESS[soft]
            if modifier is None:
                if soft == "soft" and light["modifier"] in _SMALL:
                    light["modifier"] = "octabox"
                elif soft == "hard" and light["modifier"] not in _SMALL:
                    light["modifier"] = "bare"
                light["modifier_size"] = None
            notes.append(f"{role}: {soft}, softness {light['softness']:g} ({light['modifier']})")
        strength = reading.last(role, "strength")
        if strength is not None and role != "fill":
            if (r := _contradiction(reading, role, "strength", f" for the {role}", {})) is not None:
                resolved.append(r)
            strong, subtle = _STRENGTH[role]
            light["intensity"] = strong if strength == "strong" else subtle
            notes.append(f"{role}: {strength}, intensity {light['intensity']:g}")
        role_side = reading.last(role, "side")
        if role_side is not None and role != "key":
            want = -1.0 if role_side == "left" else 1.0
            az = float(light["direction"]["azimuth"])
            light["direction"]["azimuth"] = want * abs(az) if abs(az) > 0.5 else want * 40.0
            notes.append(f"{role}: camera-{role_side}, {_where(light)}")

    # Fill level: contrast words and fill strength are one question, asked last-wins.
    for value, phrase in reading.asks.get(("fill", "strength"), []):
        reading.add("", "contrast", "low" if value == "strong" else "high", phrase)
    level = reading.last("", "contrast")
    if (r := _contradiction(reading, "", "contrast", " for the contrast", {})) is not None:
        resolved.append(r)
    if level is not None:
        mood = [p for v, p in reading.asks[("", "contrast")] if v == level]
        if "fill" in lights:
            fill_stops = CONTRAST_STOPS[level]
            notes.append(
                f"{' '.join(dict.fromkeys(mood))}: fill {fill_stops:g} stops under the key"
            )
        elif level == "low":
            lights["fill"] = _new_light("fill", key)
            fill_stops = CONTRAST_STOPS["low"]
            notes.append(
                f"{' '.join(dict.fromkeys(mood))}: added a fill {fill_stops:g} stop under the key"
            )
        else:
            notes.append(f"{' '.join(dict.fromkeys(mood))}: no fill, as contrasty as it gets")
        clash = {"high_key": "low", "soft_beauty_portrait": "low", "clamshell": "low",
                 "low_key": "high", "split": "high",
                 "rim_lit_dramatic_fashion": "high"}  # fmt: skip
        if pattern in clash and clash[pattern] != level:
            resolved.append(
                f"{preset.title} has a {clash[pattern]}-contrast look and '{mood[-1]}' asks for "
                f"{level} contrast: the contrast word wins"
            )
        setup["style"] = ", ".join(
            [*dict.fromkeys(mood), *([setup["style"]] if setup.get("style") else [])]
        )[:200]

    # Colour temperature: per light first, then the whole-set tone for the lights on the face.
    for role, light in lights.items():
        tone = reading.last(role, "tone")
        if tone is not None:
            groups = {
                w: ("warm" if k < 5000 else "cool" if k > 6000 else "neutral")
                for w, k in _KELVIN.items()
            }
            if (r := _contradiction(reading, role, "tone", f" for the {role}", groups)) is not None:
                resolved.append(r)
            light["kelvin"] = _KELVIN[tone]
            notes.append(f"{role}: {tone}, {light['kelvin']:,.0f} K")
    tone = reading.last("", "tone")
    if tone is not None:
        groups = {
            w: ("warm" if k < 5000 else "cool" if k > 6000 else "neutral")
            for w, k in _KELVIN.items()
        }
        if (r := _contradiction(reading, "", "tone", "", groups)) is not None:
            resolved.append(r)
        toned = [r for r in _FACE_ROLES if r in lights and reading.last(r, "tone") is None]
        for role in toned:
            lights[role]["kelvin"] = _KELVIN[tone]
        notes.append(f"{tone} tones: {', '.join(toned)} at {_KELVIN[tone]:,.0f} K")

    if "fill" in lights and fill_stops is not None:
        lights["fill"]["intensity"] = _intensity_for(lights["key"], lights["fill"], fill_stops)

    # The backdrop.
    colour = reading.last("backdrop", "colour")
    shade = reading.last("backdrop", "shade")
    if colour is not None or shade is not None:
        if (
            r := _contradiction(reading, "backdrop", "colour", " for the backdrop", {})
        ) is not None:
            resolved.append(r)
        name = colour or "charcoal"  # "a dark backdrop" with no colour named
        setup["background"]["color"] = name
        notes.append(f"backdrop: {name}")

    shot = reading.last("", "shot")
    if shot is not None:
        setup["camera"]["shot_type"] = shot
        notes.append(f"framing: {shot.replace('_', ' ')}")

    built = LightingSetup.model_validate(setup)
    built = expose_for_key(built)
    where = built.lighting[Role.KEY].direction.describe()
    notes.append(f"key: {where}, aperture f/{built.camera.aperture:g}")
    return Translation(
        setup=built,
        preset=preset.name if pattern else None,
        notes=notes,
        ignored=reading.ignored,
        resolved=resolved,
    )
