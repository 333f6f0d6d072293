"""A whole lighting setup: the lights by role, the camera, the subject and the backdrop."""

from __future__ import annotations

import math
import re
from enum import StrEnum
from typing import Any

from pydantic import AliasChoices, Field, field_validator, model_validator

from prolight.schema.light import Light, Role, StrictModel

__all__ = [
    "SENSOR_WIDTH_MM",
    "Background",
    "Camera",
    "CameraAngle",
    "LightingSetup",
    "ShotType",
    "Subject",
    "SubjectKind",
    "parse_colour",
]

SENSOR_WIDTH_MM = 36.0
"""Full-frame sensor width; `fov` is the horizontal field of view on it."""


def _enum_text(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().lower().replace("-", "_").replace(" ", "_")
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
        ge=8,
        le=800,
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
        gt=0.1,
        le=30,
        allow_inf_nan=False,
        validation_alias=AliasChoices("distance_m", "distance"),
        description="Metres from the camera to the subject; null (the default): as far as the "
        "lens needs to frame the shot type. An explicit value, not whether one was typed, "
        "decides the picture, so equal prompts render equal images.",
    )

    fov: float | None = Field(
        None,
        ge=1,
        le=150,
        allow_inf_nan=False,
        exclude=True,
        description="Input only: horizontal field of view in degrees (1–150) on a full-frame "
        "sensor, converted to focal_length_mm (which wins when both are given).",
    )

    @model_validator(mode="after")
    def _fov_to_focal_length(self) -> Camera:
        # fov is a real field (not popped in a before-validator) so a bad value is reported
        # under `camera.fov`; once converted it is cleared, so a camera typed with fov and one
        # typed with the matching focal length are the same model.
        if self.fov is not None:
            if "focal_length_mm" not in self.model_fields_set:
                focal = SENSOR_WIDTH_MM / (2 * math.tan(math.radians(self.fov) / 2))
                object.__setattr__(self, "focal_length_mm", focal)
            object.__setattr__(self, "fov", None)
        return self

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
        return math.degrees(2 * math.atan(SENSOR_WIDTH_MM / (2 * self.focal_length_mm)))


class SubjectKind(StrEnum):
    """Which model the renderer places on the set."""

    PORTRAIT = "portrait"
    PRODUCT = "product"


class Subject(StrictModel):
    """Who or what is lit."""

    description: str = Field("portrait subject", max_length=500)
    kind: SubjectKind = SubjectKind.PORTRAIT
    head_turn_deg: float = Field(
        0.0,
        ge=-90,
        le=90,
        allow_inf_nan=False,
        description="Degrees the face is turned away from the camera: negative towards "
        "camera-left, positive towards camera-right. Broad and short lighting are read "
        "against it; light directions stay in camera terms.",
    )


_NAMED_COLOURS = {
    "white": "#f2f2f2",
    "black": "#101010",
    "grey": "#808080",
    "gray": "#808080",
    "light_grey": "#b4b4b4",
    "light_gray": "#b4b4b4",
    "dark_grey": "#3a3a3a",
    "dark_gray": "#3a3a3a",
    "charcoal": "#2b2b2b",
    "blue": "#2f4f8f",
    "navy": "#1c2a4a",
    "red": "#8f2f2f",
    "green": "#2f6f3f",
    "beige": "#d8c8a8",
    "cream": "#efe6d0",
    "brown": "#5a4030",
    "teal": "#2a6f6f",
    "pink": "#e8b4c0",
    "yellow": "#e0c040",
    "orange": "#d07030",
    "purple": "#5a3a7a",
}


def parse_colour(value: str) -> str:
    """A backdrop colour as '#rrggbb' from '#RGB', '#RRGGBB' or a name like 'dark grey'."""
    v = value.strip().lower()
    key = v.replace("-", "_").replace(" ", "_")
    if key in _NAMED_COLOURS:
        return _NAMED_COLOURS[key]
    if re.fullmatch(r"#[0-9a-f]{6}", v):
        return v
    if re.fullmatch(r"#[0-9a-f]{3}", v):
        return "#" + "".join(c * 2 for c in v[1:])
    raise ValueError(
        f"colour {value!r} is neither #rrggbb nor a known name "
        f"({', '.join(sorted(_NAMED_COLOURS))})"
    )


class Background(StrictModel):
    """The backdrop behind the subject."""

    type: str = Field("seamless", max_length=60, description="seamless, muslin, wall…")
    color: str = Field("#808080", description="#rrggbb or a colour name")
    distance_m: float = Field(
        1.5,
        gt=0.2,
        le=20,
        allow_inf_nan=False,
        description="Metres from the subject to the backdrop.",
    )

    @field_validator("color", mode="before")
    @classmethod
    def _colour(cls, v: Any) -> Any:
        return parse_colour(v) if isinstance(v, str) else v


# Keys the original README used for lights in the flat lighting_setup shape.
_ROLE_ALIASES = {
    "main": "key",
    "main_light": "key",
    "key_light": "key",
    "fill_light": "fill",
    "rim_light": "rim",
    "hair_light": "hair",
    "back_light": "rim",
    "backlight": "rim",
    "kicker_light": "kicker",
    "background_light": "background",
    "bg": "background",
    "ambient_light": "ambient",
}


class LightingSetup(StrictModel):
    """The set: lights by role (`key`, `fill`, `rim`, …), camera, subject, backdrop and intent."""

    lighting: dict[Role, Light] = Field(
        description="The lights, filed by role: key, fill, rim, hair, kicker, background, ambient."
    )
    camera: Camera = Field(default_factory=Camera)
    subject: Subject = Field(default_factory=Subject)
    background: Background = Field(default_factory=Background)
    environment: str = Field("photo studio", max_length=500)
    style: str | None = Field(
        None,
        max_length=200,
        description="Mood or style intent, e.g. 'dramatic', 'high-key beauty'.",
    )

    @field_validator("lighting", mode="before")
    @classmethod
    def _role_names(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        out: dict[str, Any] = {}
        for name, light in v.items():
            role = _ROLE_ALIASES.get(str(name).strip().lower(), str(name).strip().lower())
            if role not in Role._value2member_map_:
                raise ValueError(
                    f"unknown light role {name!r}; allowed: {', '.join(r.value for r in Role)}"
                )
            if role in out:
                raise ValueError(f"two lights are filed as {role!r} ({name!r} duplicates it)")
            out[role] = light
        return out

    @field_validator("lighting", mode="after")
    @classmethod
    def _roles_match(cls, v: dict[Role, Light]) -> dict[Role, Light]:
        # A field (not model) validator, so these errors are filed under `lighting`.
        for role, light in v.items():
            if light.role is None:
                # Set directly: re-validating the light here would run its before-validators again.
                object.__setattr__(light, "role", role)
            elif light.role != role:
                raise ValueError(
                    f"the light filed under {role.value!r} has role {light.role.value!r}; "
                    "a light's role must match the key it is filed under"
                )
        if not any(light.enabled for light in v.values()):
            raise ValueError("at least one light must be enabled")
        return v

    def enabled_lights(self) -> dict[Role, Light]:
        """The lights that are switched on, by role."""
        return {role: light for role, light in self.lighting.items() if light.enabled}
