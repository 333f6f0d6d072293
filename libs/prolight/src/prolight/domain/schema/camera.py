"""The camera: lens (focal length or field of view), distance, shot type, angle, exposure."""

from __future__ import annotations

import math
import re
from enum import StrEnum
from typing import Any

from pydantic import (
    AliasChoices,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from prolight.domain.schema.light import StrictModel, note, snake
from prolight.domain.schema.published import JsonSchema, add_aliases, also, decimal_range, spellings

__all__ = [
    "FOCAL_LENGTH_MM",
    "FOV_AS_FOCAL_LENGTH_ABOVE",
    "FOV_DEG",
    "FRAME_HEIGHT_M",
    "MIN_CAMERA_DISTANCE_M",
    "SENSOR_WIDTH_MM",
    "Camera",
    "CameraAngle",
    "ShotType",
]

SENSOR_WIDTH_MM = 36.0
"""Full-frame sensor width; a field of view in degrees is the horizontal one on it."""

FOV_AS_FOCAL_LENGTH_ABOVE = 60.0
"""A bare `fov` number above this is a focal length in mm: a horizontal field of view wider
than 60° (a lens shorter than 31 mm) frames no studio portrait or product shot, while 85, 105
or 135 are the portrait lenses photographers name."""

FOCAL_LENGTH_MM = (8.0, 800.0)
"""Shortest and longest lens accepted, in mm."""


def _fov_of(focal_mm: float) -> float:
    return math.degrees(2 * math.atan(SENSOR_WIDTH_MM / (2 * focal_mm)))


def _focal_of(fov_deg: float) -> float:
    return SENSOR_WIDTH_MM / (2 * math.tan(math.radians(fov_deg) / 2))


FOV_DEG = (
    math.ceil(_fov_of(FOCAL_LENGTH_MM[1]) * 10) / 10,
    math.floor(_fov_of(FOCAL_LENGTH_MM[0]) * 10) / 10,
)
"""Narrowest and widest horizontal field of view accepted, in degrees (2.6–132): the lenses
above, rounded inwards so that every accepted angle is an accepted lens."""

MIN_CAMERA_DISTANCE_M = 0.35
"""Nearest the camera may stand to the subject's face, in metres: nearer, the lens is inside
or against the head (or the product)."""


def _enum_text(value: Any) -> Any:
    if isinstance(value, str):
        return snake(value)
    return value


class ShotType(StrEnum):
    """How much of the subject the frame holds."""

    HEADSHOT = "headshot"
    CLOSE_UP = "close_up"
    MEDIUM_CLOSE_UP = "medium_close_up"
    MEDIUM_SHOT = "medium_shot"
    THREE_QUARTER = "three_quarter"
    FULL_BODY = "full_body"
    PRODUCT = "product"


class CameraAngle(StrEnum):
    """Camera height relative to the subject's eyes."""

    EYE_LEVEL = "eye_level"
    HIGH_ANGLE = "high_angle"
    LOW_ANGLE = "low_angle"
    OVERHEAD = "overhead"


FRAME_HEIGHT_M = {
    ShotType.CLOSE_UP: 0.30,
    ShotType.HEADSHOT: 0.55,
    ShotType.MEDIUM_CLOSE_UP: 0.62,
    ShotType.MEDIUM_SHOT: 0.90,
    ShotType.THREE_QUARTER: 1.40,
    ShotType.FULL_BODY: 2.10,
    ShotType.PRODUCT: 0.40,
}
"""Metres of subject the frame's height holds for each shot type, when the camera's distance
is not given: the camera then stands where the lens frames exactly that."""

_FOV_TEXT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(mm|°|deg|degrees?)?\s*", re.IGNORECASE)


def _numeral(value: float) -> str:
    return f"{value:g}"


_UNIT_MM = "[mM][mM]"
_UNIT_DEG = "°|[dD][eE][gG](?:[rR][eE][eE][sS]?)?"
FOV_TEXT_PATTERN = (
    rf"^\s*(?:{decimal_range(*map(_numeral, FOCAL_LENGTH_MM))}\s*(?:{_UNIT_MM})"
    rf"|{decimal_range(*map(_numeral, FOV_DEG))}\s*(?:{_UNIT_DEG})?)\s*$"
)
"""Every text `fov` accepted: a focal length in mm ("85mm"), or a field of view in degrees
("40°", "40 deg", or a bare "40"), within the ranges above."""
_APERTURE_TEXT = rf"^\s*(?:[fF]\s*/?\s*)?{decimal_range('0.95', '64')}\s*$"
_SHUTTER_TEXT = (
    rf"^\s*(?:0*0\.[0-9]*[1-9][0-9]*|{decimal_range('1', '30')}|1\s*/\s*0*[1-9][0-9]{{0,5}})"
    r"\s*s?\s*$"
)  # seconds, or 1/N of a second (the validator reads any a/b; the schema offers these)


def _range(bounds: tuple[float, float]) -> str:
    return f"{bounds[0]:g}–{bounds[1]:g}"


def _fov_reading(value: float | str) -> tuple[float, str | None]:
    """A checked `fov` as (number, unit): "mm", "deg", or None for a bare number."""
    if isinstance(value, str):
        m = _FOV_TEXT.fullmatch(value)
        assert m is not None  # Camera._fov_text let only this form through
        return float(m.group(1)), ("mm" if (m.group(2) or "").lower() == "mm" else "deg")
    return float(value), None


_SHOT_SYNONYMS = {
    "medium": "medium_shot",
    "closeup": "close_up",
    "head_shot": "headshot",
    "full_length": "full_body",
    "full_shot": "full_body",
    "tabletop": "product",
    "half_body": "medium_shot",
    "waist_up": "medium_shot",
}
_ANGLE_SYNONYMS = {
    "eye": "eye_level",
    "eyelevel": "eye_level",
    "high": "high_angle",
    "low": "low_angle",
    "top_down": "overhead",
    "birds_eye": "overhead",
}


class Camera(StrictModel):
    """The camera: framing, height, lens and exposure settings used by the light meter."""

    shot_type: ShotType = ShotType.MEDIUM_CLOSE_UP
    camera_angle: CameraAngle = Field(
        CameraAngle.EYE_LEVEL, validation_alias=AliasChoices("camera_angle", "angle")
    )
    focal_length_mm: float = Field(
        85.0,
        ge=FOCAL_LENGTH_MM[0],
        le=FOCAL_LENGTH_MM[1],
        allow_inf_nan=False,
        validation_alias=AliasChoices("focal_length_mm", "focal_length"),
    )
    lens_type: str = Field(
        "portrait", max_length=60, description="Free text, e.g. portrait, macro, wide."
    )
    aperture: float = Field(
        8.0, ge=0.95, le=64, allow_inf_nan=False, description='f-number: 2.8 or "f/2.8".'
    )
    iso: int = Field(100, ge=25, le=204800)
    shutter_s: float = Field(
        1 / 125,
        gt=0,
        le=30,
        allow_inf_nan=False,
        description='Shutter in seconds: 0.008 or "1/125".',
    )
    white_balance_k: float = Field(
        5600, ge=2000, le=12000, allow_inf_nan=False, description="Camera white balance in kelvin."
    )
    distance_m: float | None = Field(
        None,
        ge=MIN_CAMERA_DISTANCE_M,
        le=30,
        allow_inf_nan=False,
        validation_alias=AliasChoices("distance_m", "distance"),
        description="Metres from the camera to the subject; null (the default): as far as the "
        "lens needs to frame the shot type. An explicit value, not whether one was typed, "
        "decides the picture, so equal prompts render equal images.",
    )

    fov: float | str | None = Field(
        None,
        exclude=True,
        description="Input only, as the original README uses it. A bare number is a focal "
        "length in mm when lens_type is given beside it (and it is at least 8) or when it is "
        f"above {FOV_AS_FOCAL_LENGTH_ABOVE:g}; otherwise a horizontal field of view in degrees "
        'on a full-frame sensor. "85mm" or "40°" say which. Converted to focal_length_mm '
        "(which wins when both are given); the response's notes say how it was read.",
    )

    @field_validator("fov", mode="before")
    @classmethod
    def _fov_text(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError(f"expected a number, not true/false (got {str(v).lower()})")
        if isinstance(v, str):
            if _FOV_TEXT.fullmatch(v) is None:
                raise ValueError(
                    f'fov is a focal length ("85mm") or a field of view ("40°"); got {v!r}'
                )
            number, unit = _fov_reading(v)
            if unit == "mm" and not FOCAL_LENGTH_MM[0] <= number <= FOCAL_LENGTH_MM[1]:
                raise ValueError(f"a focal length is {_range(FOCAL_LENGTH_MM)} mm; got {v!r}")
            if unit == "deg" and not FOV_DEG[0] <= number <= FOV_DEG[1]:
                raise ValueError(f"a field of view is {_range(FOV_DEG)}°; got {v!r}")
            return v.strip()
        low, high = FOV_DEG[0], FOCAL_LENGTH_MM[1]
        if isinstance(v, (int, float)) and not (math.isfinite(v) and low <= v <= high):
            raise ValueError(
                f"fov is {low:g}–{high:g}: a field of view in degrees or a focal length in mm; "
                f"got {v!r}"
            )
        return v

    @classmethod
    def input_forms(cls, target: JsonSchema) -> None:
        props = target["properties"]
        low, high = FOV_DEG[0], FOCAL_LENGTH_MM[1]
        props["fov"] = {
            "anyOf": [
                {"type": "number", "minimum": low, "maximum": high},
                {"type": "string", "pattern": FOV_TEXT_PATTERN},
                {"type": "null"},
            ],
            "description": props["fov"].get("description", ""),
        }
        props["aperture"] = also(props["aperture"], {"type": "string", "pattern": _APERTURE_TEXT})
        props["shutter_s"] = also(props["shutter_s"], {"type": "string", "pattern": _SHUTTER_TEXT})
        for name, enum, synonyms in (
            ("shot_type", ShotType, _SHOT_SYNONYMS),
            ("camera_angle", CameraAngle, _ANGLE_SYNONYMS),
        ):
            words = [*(e.value for e in enum), *synonyms]
            extra = [w for w in spellings(words) if w not in enum._value2member_map_]
            props[name] = also(props[name], {"type": "string", "enum": extra})
        add_aliases(target, "camera_angle", ["angle"])
        add_aliases(target, "focal_length_mm", ["focal_length"])
        add_aliases(target, "distance_m", ["distance"])

    @model_validator(mode="after")
    def _fov_to_focal_length(self, info: ValidationInfo) -> Camera:
        # fov is a real field (not popped in a before-validator) so a bad value is reported
        # under `camera.fov`; once converted it is cleared, so a camera typed with fov and one
        # typed with the matching focal length are the same model.
        if self.fov is None:
            return self
        value, unit = _fov_reading(self.fov)
        object.__setattr__(self, "fov", None)
        how = ""
        if unit is None:
            with_lens = "lens_type" in self.model_fields_set and value >= FOCAL_LENGTH_MM[0]
            unit = "mm" if with_lens or value > FOV_AS_FOCAL_LENGTH_ABOVE else "deg"
            if with_lens:
                why = "a lens type is given beside it"
            elif unit == "mm":
                why = f"a field of view over {FOV_AS_FOCAL_LENGTH_ABOVE:g}° frames no studio shot"
            else:
                why = f"{FOV_AS_FOCAL_LENGTH_ABOVE:g} or less, with no lens type beside it"
            other = f'"{value:g}°"' if unit == "mm" else f'"{value:g}mm"'
            how = f" ({why}; write {other} for the other reading)"
        if "focal_length_mm" in self.model_fields_set:
            note(info, f"camera.fov ignored: focal_length_mm {self.focal_length_mm:g} is given")
            return self
        if unit == "mm":
            object.__setattr__(self, "focal_length_mm", value)
            note(info, f"camera.fov {value:g} read as a focal length of {value:g} mm{how}")
        else:
            focal = _focal_of(value)
            object.__setattr__(self, "focal_length_mm", focal)
            note(
                info,
                f"camera.fov {value:g} read as a {value:g}° horizontal field of view, "
                f"a {focal:.0f} mm lens on full frame{how}",
            )
        return self

    def framing_distance(self, aspect: float) -> float:
        """Metres from the camera to the face: `distance_m`, or where the lens frames the shot
        type in a frame of `aspect` (width ÷ height), never nearer than MIN_CAMERA_DISTANCE_M."""
        if self.distance_m is not None:
            return self.distance_m
        return max(MIN_CAMERA_DISTANCE_M, self.natural_distance(aspect))

    def natural_distance(self, aspect: float) -> float:
        """Metres at which the lens frames exactly the shot type's height in a frame of
        `aspect` (width ÷ height); may be nearer than the camera can stand."""
        tan_half = math.tan(math.radians(self.fov_deg) / 2)
        return FRAME_HEIGHT_M[self.shot_type] * aspect / (2 * tan_half)

    @field_validator("shot_type", mode="before")
    @classmethod
    def _shot(cls, v: Any) -> Any:
        v = _enum_text(v)
        return _SHOT_SYNONYMS.get(v, v) if isinstance(v, str) else v

    @field_validator("camera_angle", mode="before")
    @classmethod
    def _angle(cls, v: Any) -> Any:
        v = _enum_text(v)
        return _ANGLE_SYNONYMS.get(v, v) if isinstance(v, str) else v

    @field_validator("aperture", mode="before")
    @classmethod
    def _aperture(cls, v: Any) -> Any:
        if isinstance(v, str):
            m = re.fullmatch(r"\s*(?:f\s*/?\s*)?(\d+(?:\.\d+)?)\s*", v.lower())
            if not m:
                raise ValueError(f'aperture is an f-number like "f/2.8" or 2.8; got {v!r}')
            return float(m.group(1))
        return v

    @field_validator("shutter_s", mode="before")
    @classmethod
    def _shutter(cls, v: Any) -> Any:
        if isinstance(v, str):
            m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?))?\s*s?\s*", v)
            if not m or (m.group(2) is not None and float(m.group(2)) == 0):
                raise ValueError(f'shutter is seconds like "1/125" or 0.5; got {v!r}')
            return float(m.group(1)) / float(m.group(2) or 1)
        return v

    @property
    def fov_deg(self) -> float:
        """Horizontal field of view in degrees on a full-frame sensor."""
        return _fov_of(self.focal_length_mm)
