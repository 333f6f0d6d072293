"""Where a light stands, relative to the subject's face.

Every accepted form normalises to azimuth/elevation in degrees:

- azimuth: 0° on the camera axis (the light beside the lens), positive towards
  camera-right, negative towards camera-left, ±180° straight behind the subject;
  normalised to (-180, 180].
- elevation: 0° at eye level, positive above, negative below; [-90, 90].

"Left" and "right" always mean camera-left and camera-right (as a photographer
reads a lighting diagram), never the subject's own left and right.

Accepted forms:
- text: "45 degrees camera-right", "30° left", "45 degrees left and above",
  "from above", "behind, camera-left", "90 right, 20 up", "azimuth 30 elevation 15";
- a vector `[x, y, z]` from the subject towards the light, x camera-right, y up,
  z towards the camera (any length but zero);
- a mapping `{"azimuth": deg, "elevation": deg}`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from prolight.domain.schema.published import InputForms, JsonSchema

__all__ = [
    "ACCEPTED_FORMS",
    "ANGLE_DECIMALS",
    "DIRECTION_TEXT_PATTERN",
    "Direction",
    "parse_direction_text",
]

ANGLE_DECIMALS = 2
"""Angles are kept to 0.01°: two spellings of one direction compare (and hash) equal."""

ACCEPTED_FORMS = (
    'text such as "45 degrees camera-right", "30 degrees left and above", "from above", '
    '"behind, camera-left", "90 right, 20 up"; a vector [x, y, z] (x camera-right, y up, '
    'z towards the camera); or {"azimuth": degrees, "elevation": degrees}'
)

# Elevation given by a word alone, in degrees.
_VERTICAL_WORDS = {
    "above": 45.0,
    "up": 45.0,
    "high": 45.0,
    "elevated": 30.0,
    "raised": 30.0,
    "overhead": 75.0,
    "top": 75.0,
    "below": -30.0,
    "under": -30.0,
    "underneath": -30.0,
    "low": -30.0,
    "down": -30.0,
    "eye-level": 0.0,
    "level": 0.0,
}
_SLIGHTLY = 1 / 3  # "slightly above" = a third of the plain word's angle
_SIDE_WORDS = {"left": -1.0, "right": 1.0}
_FILLER = {
    "degrees",
    "degree",
    "deg",
    "camera",
    "and",
    "of",
    "the",
    "from",
    "to",
    "at",
    "a",
    "an",
    "light",
    "lit",
    "placed",
    "positioned",
    "eye",
    "angle",
    "off",
    "axis",
    "on",
    "with",
    "position",
    "facing",
    "toward",
    "towards",
    "subject",
    "face",
}
_FRONT_WORDS = {"front", "frontal", "on-axis", "straight", "head-on", "direct", "centre", "center"}
_BACK_WORDS = {"behind", "back", "rear", "backlight", "backlit"}
_TOKEN = re.compile(r"-?\d+(?:\.\d+)?|[a-z]+(?:-[a-z]+)*")


def _norm_azimuth(deg: float) -> float:
    a = math.fmod(deg, 360.0)
    if a <= -180.0:
        a += 360.0
    elif a > 180.0:
        a -= 360.0
    return round(a, ANGLE_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def _norm_elevation(deg: float) -> float:
    return round(max(-90.0, min(90.0, deg)), ANGLE_DECIMALS) + 0.0


def parse_direction_text(text: str) -> tuple[float, float]:
    """Parse a photographer's description of a light position into (azimuth, elevation).

    Raises ValueError quoting the text and listing the accepted forms when any word
    is not understood; nothing is guessed silently.
    """
    raw = text
    s = text.lower().replace("°", " degrees ").replace("camera left", "camera-left")
    s = s.replace("camera right", "camera-right").replace("eye level", "eye-level")
    s = s.replace("on axis", "on-axis").replace("head on", "head-on")
    tokens = _TOKEN.findall(s)
    leftover = _TOKEN.sub(" ", s).replace(",", " ").replace(";", " ").replace("/", " ").strip()
    if leftover:
        raise ValueError(
            f"cannot read direction {raw!r}: unexpected {leftover!r}; accepted: {ACCEPTED_FORMS}"
        )

    side: float | None = None
    azimuth_number: float | None = None
    elevation: float | None = None
    pending: float | None = None  # a number waiting for the word that says what it measures
    behind = front = slightly = side_only = False
    explicit_az: float | None = None
    unknown: list[str] = []
    want: str | None = None  # "az" / "el" after the words azimuth / elevation

    for tok in tokens:
        word = tok.removeprefix("camera-")
        if re.fullmatch(r"-?\d+(?:\.\d+)?", tok):
            value = float(tok)
            if want == "az":
                explicit_az, want = value, None
            elif want == "el":
                elevation, want = value, None
            else:
                pending = value
            continue
        if word in ("azimuth", "az"):
            want = "az"
        elif word in ("elevation", "el", "height"):
            want = "el"
        elif word in _SIDE_WORDS:
            side = _SIDE_WORDS[word]
            if pending is not None:
                azimuth_number, pending = pending, None
        elif word in _VERTICAL_WORDS:
            if pending is not None:
                sign = -1.0 if _VERTICAL_WORDS[word] < 0 else 1.0
                elevation, pending = sign * abs(pending), None
            elif elevation is None:
                elevation = _VERTICAL_WORDS[word] * (_SLIGHTLY if slightly else 1.0)
        elif word in _BACK_WORDS:
            behind = True
        elif word in _FRONT_WORDS:
            front = True
        elif word == "slightly":
            slightly = True
        elif word in _FILLER:
            continue
        elif word == "side":
            side_only = True
        else:
            unknown.append(tok)
    if unknown:
        raise ValueError(
            f"cannot read direction {raw!r}: unknown word(s) {', '.join(map(repr, unknown))}; "
            f"accepted: {ACCEPTED_FORMS}"
        )
    if pending is not None:
        # A bare number ("45 degrees") is an angle off the camera axis; with a side word later
        # it has already been taken. Alone it cannot say which side.
        if side is None and explicit_az is None:
            raise ValueError(
                f"cannot read direction {raw!r}: {pending:g}° to which side? Say camera-left or "
                f"camera-right; accepted: {ACCEPTED_FORMS}"
            )
        azimuth_number = pending

    if explicit_az is not None:
        azimuth = explicit_az
    elif behind:
        # Behind: measured from the back axis when a number is given ("30 degrees behind
        # camera-left" = 30° off the back axis); a side alone means 45° off it.
        off_back = azimuth_number if azimuth_number is not None else (45.0 if side else 0.0)
        if azimuth_number is not None and azimuth_number > 90:
            off_back = 180.0 - azimuth_number  # "135 degrees left, behind" = the same place
        azimuth = (180.0 - off_back) * (side if side is not None else 1.0)
    elif azimuth_number is not None:
        azimuth = azimuth_number * (side if side is not None else 1.0)
    elif side is not None:
        # A side with no angle: "camera-left" on its own is the classic 45° key position,
        # "camera-left side" is a side light at 90°.
        azimuth = (90.0 if side_only else 45.0) * side
    elif side_only:
        raise ValueError(
            f"cannot read direction {raw!r}: which side? Say camera-left or camera-right; "
            f"accepted: {ACCEPTED_FORMS}"
        )
    elif front or elevation is not None:
        azimuth = 0.0
    else:
        raise ValueError(
            f"cannot read direction {raw!r}: no position found; accepted: {ACCEPTED_FORMS}"
        )
    return _norm_azimuth(azimuth), _norm_elevation(elevation if elevation is not None else 0.0)


_SMALLEST = 1e-9
"""A direction vector needs a component at least this large (any unit): a shorter one points
nowhere in particular."""

_SIDE = r"(?:camera[- ])?(?:left|right)"
_ANGLE = r"[0-9]{1,3}(?:\.[0-9]{1,2})?(?:°| degrees?)"
DIRECTION_TEXT_PATTERN = (
    rf"^(?:(?:{_ANGLE} )?{_SIDE}(?:,?(?: and)? (?:above|below))?"
    rf"|from (?:above|below)|front|behind(?:,? {_SIDE})?)$"
)
"""The text forms the published schema offers: "45 degrees camera-right", "30° left and above",
"camera-left, below", "from above", "behind, camera-left". `parse_direction_text` reads more
(any order, more words: module doc), which no pattern can list; every text of this one is read."""

_VECTOR_SCHEMA = {
    "type": "array",
    "items": {"type": "number"},
    "minItems": 3,
    "maxItems": 3,
    "not": {"items": {"exclusiveMinimum": -_SMALLEST, "exclusiveMaximum": _SMALLEST}},
    "description": "[x, y, z] from the subject towards the light: x camera-right, y up, z "
    "towards the camera; any length, not all three near 0.",
}


class Direction(InputForms, BaseModel):
    """A light's position around the subject, as azimuth/elevation in degrees (see module doc)."""

    # strict: the angles are JSON numbers ("45" and true are refused, as the schema says)
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    azimuth: float = Field(
        description="Degrees around the subject: 0 on the camera axis, positive camera-right, "
        "negative camera-left, ±180 behind. Normalised to (-180, 180].",
        allow_inf_nan=False,
    )
    elevation: float = Field(
        0.0,
        ge=-90,
        le=90,
        description="Degrees above (positive) or below (negative) the subject's eye level.",
        allow_inf_nan=False,
    )

    @model_validator(mode="before")
    @classmethod
    def _accept_every_form(cls, data: Any) -> Any:
        if isinstance(data, Direction):
            return data
        if isinstance(data, str):
            az, el = parse_direction_text(data)
            return {"azimuth": az, "elevation": el}
        if isinstance(data, (list, tuple)):
            if len(data) != 3 or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                for v in data
            ):
                raise ValueError(
                    f"a direction vector is three finite numbers [x, y, z], got {list(data)!r}"
                )
            x, y, z = (float(v) for v in data)
            if max(abs(x), abs(y), abs(z)) < _SMALLEST:
                raise ValueError("a direction vector cannot be [0, 0, 0]")
            return {
                "azimuth": math.degrees(math.atan2(x, z)),
                "elevation": math.degrees(math.atan2(y, math.hypot(x, z))),
            }
        if isinstance(data, dict):
            return data
        raise ValueError(
            f"a direction is text, [x, y, z] or {{azimuth, elevation}}; got {type(data).__name__}"
        )

    @classmethod
    def input_forms(cls, target: JsonSchema) -> None:
        as_object = {k: target.pop(k) for k in list(target) if k not in ("title", "description")}
        target["anyOf"] = [
            as_object,
            _VECTOR_SCHEMA,
            {"type": "string", "pattern": DIRECTION_TEXT_PATTERN, "description": ACCEPTED_FORMS},
        ]

    @model_validator(mode="after")
    def _normalise(self) -> Direction:
        object.__setattr__(self, "azimuth", _norm_azimuth(self.azimuth))
        object.__setattr__(self, "elevation", _norm_elevation(self.elevation))
        return self

    def vector(self) -> tuple[float, float, float]:
        """Unit vector from the subject towards the light (x camera-right, y up, z to camera)."""
        az, el = math.radians(self.azimuth), math.radians(self.elevation)
        return (math.cos(el) * math.sin(az), math.sin(el), math.cos(el) * math.cos(az))

    def describe(self) -> str:
        """Plain words a photographer would use, e.g. '45° camera-right, 30° above eye level'."""
        az, el = self.azimuth, self.elevation
        if abs(az) < 0.5:
            horiz = "on the camera axis"
        elif abs(abs(az) - 180) < 0.5:
            horiz = "directly behind the subject"
        else:
            horiz = f"{abs(az):g}° camera-{'right' if az > 0 else 'left'}"
            if abs(az) > 90:
                horiz += " (behind the subject)"
        if abs(el) < 0.5:
            vert = "at eye level"
        else:
            vert = f"{abs(el):g}° {'above' if el > 0 else 'below'} eye level"
        return f"{horiz}, {vert}"
