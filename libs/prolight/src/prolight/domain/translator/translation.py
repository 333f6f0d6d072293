"""`translate`: a description → a `LightingSetup` and how every word was used (package doc)."""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from prolight.domain.physics.meter import expose_for_key
from prolight.domain.presets import get_preset
from prolight.domain.schema import LightingSetup, Role
from prolight.domain.translator.lights import (
    BASES,
    MODIFIER_SOFTNESS,
    SMALL_MODIFIERS,
    SOFTNESS,
    STRENGTH,
    copy_json,
    intensity_for,
    lux,
    new_light,
    placement,
    side_sign,
)
from prolight.domain.translator.reading import (
    check_text,
    contradiction,
    read_text,
)
from prolight.domain.vocabulary import (
    FACE_ROLES,
    LIGHT_ROLES,
    TONE_KELVIN,
    describes_sitter,
)

__all__ = ["CONTRAST_STOPS", "DEFAULT_PRESET", "Translation", "translate"]

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


def translate(text: str) -> Translation:
    """Turn a plain-language lighting description into a `LightingSetup` (see module doc).

    Raises InvalidInput (field "text") for an empty text or one over `MAX_TEXT_CHARS`.
    Deterministic: the same text always gives the same setup, notes and lists.
    """
    reading = read_text(check_text(text))
    notes: list[str] = []
    resolved: list[str] = []

    pattern = reading.last("", "pattern")
    preset = get_preset(pattern or DEFAULT_PRESET)
    if (r := contradiction(reading, "", "pattern", "", {})) is not None:
        resolved.append(r.replace("came last and wins", "came last and is the base"))
    notes.append(
        f"base: {preset.title} preset"
        if pattern
        else f"no pattern named: base {preset.title} preset"
    )
    setup = copy_json(BASES[preset.name])
    lights: dict[str, dict[str, Any]] = setup["lighting"]
    key = lights["key"]
    fill_stops = math.log2(lux(key) / lux(lights["fill"])) if "fill" in lights else None

    # Global describing words go to the key (softness, modifier, strength, side) or the face.
    for aspect in ("soft", "modifier", "strength", "side"):
        for value, phrase in reading.asks.pop(("", aspect), []):
            reading.add("key", aspect, value, phrase)

    # Which side the key is on: mirror the whole set so the pattern keeps its shape.
    side = reading.last("key", "side")
    if (r := contradiction(reading, "key", "side", " for the key", {})) is not None:
        resolved.append(r)
    if side is not None:
        want = -1.0 if side == "left" else 1.0
        if abs(float(key["direction"]["azimuth"])) < 0.5:
            resolved.append(
                f"'{side}' does not apply to {preset.title}: its key is on the face axis, "
                "kept there"
            )
        elif side_sign(key) != want:
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
    for role in (r.value for r in LIGHT_ROLES):
        presence = reading.last(role, "presence")
        if presence is None:
            continue
        if (r := contradiction(reading, role, "presence", f" for the {role}", {})) is not None:
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
            lights[role] = new_light(role, key)
            notes.append(
                f"added a {role} light, {placement(lights[role])}, {lights[role]['modifier']}"
            )
            if role == "fill":
                fill_stops = CONTRAST_STOPS["added_fill"]

    # Per-light modifier, softness, strength, side.
    for role, light in lights.items():
        modifier = reading.last(role, "modifier")
        if modifier is not None:
            if (r := contradiction(reading, role, "modifier", f" for the {role}", {})) is not None:
                resolved.append(r)
            light["modifier"] = modifier
            light["softness"] = MODIFIER_SOFTNESS[modifier]
            light["modifier_size"] = None
            notes.append(f"{role}: {modifier.replace('_', ' ')}")
        soft = reading.last(role, "soft")
        if soft is not None:
            if (r := contradiction(reading, role, "soft", f" for the {role}", {})) is not None:
                resolved.append(r)
            light["softness"] = SOFTNESS[soft]
            if modifier is None:
                if soft == "soft" and light["modifier"] in SMALL_MODIFIERS:
                    light["modifier"] = "octabox"
                elif soft == "hard" and light["modifier"] not in SMALL_MODIFIERS:
                    light["modifier"] = "bare"
                light["modifier_size"] = None
            notes.append(f"{role}: {soft}, softness {light['softness']:g} ({light['modifier']})")
        strength = reading.last(role, "strength")
        if strength is not None and role != "fill":
            if (r := contradiction(reading, role, "strength", f" for the {role}", {})) is not None:
                resolved.append(r)
            strong, subtle = STRENGTH[role]
            light["intensity"] = strong if strength == "strong" else subtle
            notes.append(f"{role}: {strength}, intensity {light['intensity']:g}")
        role_side = reading.last(role, "side")
        if role_side is not None and role != "key":
            want = -1.0 if role_side == "left" else 1.0
            az = float(light["direction"]["azimuth"])
            light["direction"]["azimuth"] = want * abs(az) if abs(az) > 0.5 else want * 40.0
            notes.append(f"{role}: camera-{role_side}, {placement(light)}")

    # Fill level: contrast words and fill strength are one question, asked last-wins.
    for value, phrase in reading.asks.get(("fill", "strength"), []):
        reading.add("", "contrast", "low" if value == "strong" else "high", phrase)
    level = reading.last("", "contrast")
    if (r := contradiction(reading, "", "contrast", " for the contrast", {})) is not None:
        resolved.append(r)
    if level is not None:
        mood = [p for v, p in reading.asks[("", "contrast")] if v == level]
        if "fill" in lights:
            fill_stops = CONTRAST_STOPS[level]
            notes.append(
                f"{' '.join(dict.fromkeys(mood))}: fill {fill_stops:g} stops under the key"
            )
        elif level == "low":
            lights["fill"] = new_light("fill", key)
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
                for w, k in TONE_KELVIN.items()
            }
            if (r := contradiction(reading, role, "tone", f" for the {role}", groups)) is not None:
                resolved.append(r)
            light["kelvin"] = TONE_KELVIN[tone]
            notes.append(f"{role}: {tone}, {light['kelvin']:,.0f} K")
    tone = reading.last("", "tone")
    if tone is not None:
        groups = {
            w: ("warm" if k < 5000 else "cool" if k > 6000 else "neutral")
            for w, k in TONE_KELVIN.items()
        }
        if (r := contradiction(reading, "", "tone", "", groups)) is not None:
            resolved.append(r)
        toned = [r.value for r in FACE_ROLES if r in lights and reading.last(r, "tone") is None]
        for role in toned:
            lights[role]["kelvin"] = TONE_KELVIN[tone]
        notes.append(f"{tone} tones: {', '.join(toned)} at {TONE_KELVIN[tone]:,.0f} K")

    if "fill" in lights and fill_stops is not None:
        lights["fill"]["intensity"] = intensity_for(lights["key"], lights["fill"], fill_stops)

    # The backdrop.
    colour = reading.last("backdrop", "colour")
    shade = reading.last("backdrop", "shade")
    if colour is not None or shade is not None:
        if (r := contradiction(reading, "backdrop", "colour", " for the backdrop", {})) is not None:
            resolved.append(r)
        name = colour or "charcoal"  # "a dark backdrop" with no colour named
        setup["background"]["color"] = name
        notes.append(f"backdrop: {name}")

    shot = reading.last("", "shot")
    if shot is not None:
        setup["camera"]["shot_type"] = shot
        notes.append(f"framing: {shot.replace('_', ' ')}")

    # Who sits: phrases the renderer's sitter understands (gender, age, build, skin tone)
    # describe the subject rather than being ignored.
    sitting = [phrase for phrase in reading.ignored if describes_sitter(phrase)]
    if sitting and setup["subject"].get("kind", "portrait") == "portrait":
        setup["subject"]["description"] = ", ".join(sitting)
        reading.ignored = [phrase for phrase in reading.ignored if phrase not in sitting]
        notes.append(f"subject: {', '.join(sitting)}")

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
