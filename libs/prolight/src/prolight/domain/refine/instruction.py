"""Short plain-language edits ("make the rim light cooler", "one stop less fill"), read by rules
over the edit words of `prolight.domain.vocabulary`: deterministic, never run.

Units of the steps: intensity in stops (×2^stops of the light's power), colour in mired
(1e6 / K; cooler = fewer mired), softness as a fraction 0–1, distance in metres.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from prolight.domain.errors import FieldError, InvalidInput, describe_errors
from prolight.domain.schema import Direction, FiboPrompt, Role
from prolight.domain.schema.light import FULL_POWER, MIN_LIGHT_DISTANCE_M
from prolight.domain.vocabulary import (
    BRIGHTER_WORDS,
    CLOSER_WORDS,
    COOLER_WORDS,
    DIMMER_WORDS,
    EDIT_ROLE_WORDS,
    FACE_ROLES,
    FLATTER_WORDS,
    FURTHER_WORDS,
    HARDER_WORDS,
    NUMBER_WORDS,
    OFF_WORDS,
    ON_WORDS,
    SOFTER_WORDS,
    WARMER_WORDS,
)

__all__ = ["DEFAULT_STOPS", "MAX_INSTRUCTION_CHARS", "MIRED_STEP", "apply_instruction"]

MAX_INSTRUCTION_CHARS = 500
"""Longest refine instruction accepted, in characters."""

DEFAULT_STOPS = 0.5
"""Stops a bare "brighter", "less fill" or "more contrast" moves a light."""

MIRED_STEP = 40.0
"""Mired a bare "warmer" or "cooler" shifts a light (about a quarter CTO / a third CTB)."""

SOFTNESS_STEP = 0.2
DISTANCE_FACTOR = 1.25

_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+")


@dataclass
class _Edit:
    role: Role | None
    what: str  # stops, mired, softness, distance, kelvin, enabled, direction, contrast
    amount: Any
    phrase: str


def _amount(tokens: list[str], i: int) -> float | None:
    """A number just before position i ("one stop", "half a stop", "1.5 stops")."""
    for j in range(i - 1, max(-1, i - 4), -1):
        t = tokens[j]
        if re.fullmatch(r"\d+(?:\.\d+)?", t):
            return float(t)
        if t in NUMBER_WORDS and t not in ("a", "an"):
            return NUMBER_WORDS[t]
    return None


def _read_instruction(text: str) -> tuple[list[_Edit], list[str]]:
    clauses = re.split(r"[,;.]|\band\b|\bbut\b|\bthen\b", text.lower())
    edits: list[_Edit] = []
    ignored: list[str] = []
    for clause in clauses:
        tokens = _TOKEN.findall(clause.replace("-", " "))
        if not tokens:
            continue
        roles = [EDIT_ROLE_WORDS[t] for t in tokens if t in EDIT_ROLE_WORDS]
        role = roles[0] if roles else None
        sign = 0.0
        found = False
        for t in tokens:
            if t in BRIGHTER_WORDS:
                sign = 1.0 if t != "up" or sign == 0 else sign
            if t in DIMMER_WORDS:
                sign = -1.0
        for i, t in enumerate(tokens):
            stops = _amount(tokens, i)
            if t in ("stop", "stops") and sign:
                edits.append(_Edit(role, "stops", sign * (stops or 1.0), clause.strip()))
                found = True
            elif t in COOLER_WORDS:
                edits.append(_Edit(role, "mired", -MIRED_STEP, clause.strip()))
                found = True
            elif t in WARMER_WORDS:
                edits.append(_Edit(role, "mired", MIRED_STEP, clause.strip()))
                found = True
            elif t in SOFTER_WORDS:
                edits.append(_Edit(role, "softness", SOFTNESS_STEP, clause.strip()))
                found = True
            elif t in HARDER_WORDS:
                edits.append(_Edit(role, "softness", -SOFTNESS_STEP, clause.strip()))
                found = True
            elif t in CLOSER_WORDS:
                edits.append(_Edit(role, "distance", 1 / DISTANCE_FACTOR, clause.strip()))
                found = True
            elif t in FURTHER_WORDS:
                edits.append(_Edit(role, "distance", DISTANCE_FACTOR, clause.strip()))
                found = True
            elif t == "contrast" and sign:
                edits.append(_Edit(Role.FILL, "stops", -sign * DEFAULT_STOPS, clause.strip()))
                found = True
            elif t in FLATTER_WORDS:
                edits.append(_Edit(Role.FILL, "stops", DEFAULT_STOPS, clause.strip()))
                found = True
            elif t in OFF_WORDS:
                edits.append(_Edit(role, "enabled", False, clause.strip()))
                found = True
            elif t in ON_WORDS and role is not None and "turn" in tokens:
                edits.append(_Edit(role, "enabled", True, clause.strip()))
                found = True
            elif t in ("k", "kelvin") and i > 0 and re.fullmatch(r"\d+(?:\.\d+)?", tokens[i - 1]):
                edits.append(_Edit(role, "kelvin", float(tokens[i - 1]), clause.strip()))
                found = True
        m = re.search(r"(\d{3,5})\s*k\b", clause)
        if m and not any(e.what == "kelvin" for e in edits if e.phrase == clause.strip()):
            edits.append(_Edit(role, "kelvin", float(m.group(1)), clause.strip()))
            found = True
        where = re.search(
            r"\b(?:to|at|from)\s+(.*(?:left|right|above|below|behind|front).*)$", clause
        )
        if where and role is not None:
            try:
                az, el = _direction(where.group(1))
            except ValueError:
                pass
            else:
                edits.append(_Edit(role, "direction", (az, el), clause.strip()))
                found = True
        if not found and sign and role is not None:
            # "more fill", "less key", "brighter rim": the default step
            edits.append(_Edit(role, "stops", sign * DEFAULT_STOPS, clause.strip()))
            found = True
        if not found:
            ignored.append(clause.strip())
    return edits, ignored


def _direction(text: str) -> tuple[float, float]:
    d = Direction.model_validate(text.strip())
    return d.azimuth, d.elevation


def apply_instruction(prompt: FiboPrompt, text: str) -> tuple[FiboPrompt, list[str], list[str]]:
    """`prompt` with a plain-language edit applied; also the notes and the clauses not used.

    Understood (per clause, for the light it names; no light named: the key for power,
    softness and distance, every face light for colour): "N stop(s) more/less", "brighter",
    "dimmer", "warmer", "cooler", "3200K", "softer", "harder", "closer", "further",
    "more/less contrast" (the fill, opposite way), "turn off", "to 45 degrees camera-left".
    Raises InvalidInput (field `instruction`) when nothing in it can be applied.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput.single("instruction", "an instruction is a non-empty text")
    if len(text) > MAX_INSTRUCTION_CHARS:
        raise InvalidInput.single(
            "instruction", f"at most {MAX_INSTRUCTION_CHARS} characters; got {len(text)}"
        )
    edits, ignored = _read_instruction(text)
    if not edits:
        raise InvalidInput.single(
            "instruction",
            f"nothing to change was understood in {text!r}; say which light and how, e.g. "
            '"one stop less fill", "make the rim light cooler", "softer key"',
        )
    scene = prompt.scene
    lights = dict(scene.lighting)
    notes: list[str] = []
    for edit in edits:
        if edit.role is not None:
            targets = [edit.role]
        elif edit.what == "mired":
            targets = [r for r in FACE_ROLES if r in lights]
        else:
            targets = [Role.KEY] if Role.KEY in lights else list(lights)[:1]
        for role in targets:
            light = lights.get(role)
            if light is None:
                raise InvalidInput.single(
                    "instruction",
                    f"{edit.phrase!r} names the {role.value} light, which this setup does not "
                    f"have (it has: {', '.join(r.value for r in lights)})",
                )
            update: dict[str, Any]
            if edit.what == "stops":
                # Never past full power, nor down to it from a light the user pushed past it.
                top = max(FULL_POWER, light.intensity)
                new = min(top, max(0.0, light.intensity * 2.0 ** float(edit.amount)))
                update = {"intensity": round(new, 4)}
                notes.append(f"{role.value}: {edit.amount:+g} stop(s), intensity "
                             f"{light.intensity:g} → {update['intensity']:g}")  # fmt: skip
            elif edit.what == "mired":
                kelvin = 1e6 / (1e6 / light.kelvin + float(edit.amount))
                update = {"kelvin": round(min(20000.0, max(1000.0, kelvin)), 1)}
                notes.append(f"{role.value}: {light.kelvin:g} K → {update['kelvin']:g} K")
            elif edit.what == "kelvin":
                update = {"kelvin": float(edit.amount)}
                notes.append(f"{role.value}: {light.kelvin:g} K → {edit.amount:g} K")
            elif edit.what == "softness":
                update = {"softness": round(min(1.0, max(0.0, light.softness + edit.amount)), 3)}
                notes.append(f"{role.value}: softness {light.softness:g} → {update['softness']:g}")
            elif edit.what == "distance":
                near = min(MIN_LIGHT_DISTANCE_M, light.distance)  # never into the head
                update = {"distance": round(min(30.0, max(near, light.distance * edit.amount)), 3)}
                notes.append(f"{role.value}: {light.distance:g} m → {update['distance']:g} m")
            elif edit.what == "enabled":
                update = {"enabled": bool(edit.amount)}
                notes.append(f"{role.value}: {'on' if edit.amount else 'off'}")
            else:
                az, el = edit.amount
                update = {"direction": Direction(azimuth=az, elevation=el)}
                notes.append(f"{role.value}: moved to {update['direction'].describe()}")
            lights[role] = light.model_copy(update=update)
    data = prompt.model_dump(mode="json")
    data["scene"]["lighting"] = {r.value: lt.model_dump(mode="json") for r, lt in lights.items()}
    try:
        refined = FiboPrompt.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            [FieldError("instruction", f"the edit gives an invalid setup: {e}")
             for e in describe_errors(exc)]
        ) from exc  # fmt: skip
    return refined, notes, ignored
