"""A whole lighting setup: the lights by role, the camera, the subject and the backdrop."""

from __future__ import annotations

import copy
import math
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    Field,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from prolight.domain.schema.light import MIN_LIGHT_DISTANCE_M, Light, Role, StrictModel, note, snake
from prolight.domain.schema.published import JsonSchema, add_aliases, also, decimal_range, spellings

__all__ = [
    "BACKDROP_BEHIND_SUBJECT",
    "FOV_AS_FOCAL_LENGTH_ABOVE",
    "FRAME_HEIGHT_M",
    "MIN_BACKDROP_M",
    "MIN_CAMERA_DISTANCE_M",
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


class SubjectKind(StrEnum):
    """Which model the renderer places on the set."""

    PORTRAIT = "portrait"
    PRODUCT = "product"


class Position(StrictModel):
    """A point in metres (the original README's `subject.position`)."""

    x: float = Field(0.0, allow_inf_nan=False)
    y: float = Field(0.0, allow_inf_nan=False)
    z: float = Field(0.0, allow_inf_nan=False)


# Words that make a description name a person, and words that name an object on a table; a
# subject whose kind is not given is a product only when it names an object and no person.
_PERSON_WORDS = frozenset(
    (  # noqa: SIM905  (a word list reads best as words)
        "person people man men woman women model models portrait face headshot sitter girl boy "
        "child kid actor actress bride groom photographer dancer athlete executive ceo he she "
        "businessman businesswoman musician singer chef"
    ).split()
)
_PRODUCT_WORDS = frozenset(
    (  # noqa: SIM905
        "product products bottle bottles lamp watch perfume shoe shoes sneaker sneakers bag "
        "handbag jar cup mug glass vase phone smartphone can box jewelry jewellery ring necklace "
        "lipstick cosmetics packshot tabletop headphones sunglasses cosmetic candle"
    ).split()
)


class Subject(StrictModel):
    """Who or what is lit."""

    description: str = Field(
        "portrait subject",
        min_length=1,
        max_length=500,
        pattern=r"\S",
        description="Who or what is lit, in words (not empty).",
    )
    kind: SubjectKind = Field(
        SubjectKind.PORTRAIT,
        description="portrait or product; if not given, product when the description names "
        "an object (a bottle, a lamp…) and no person, otherwise portrait.",
    )
    head_turn_deg: float = Field(
        0.0,
        ge=-90,
        le=90,
        allow_inf_nan=False,
        description="Degrees the face is turned away from the camera: negative towards "
        "camera-left, positive towards camera-right. Broad and short lighting are read "
        "against it; light directions stay in camera terms.",
    )
    position: Position | None = Field(
        None,
        exclude=True,
        description="Input only, accepted and ignored: the subject always stands at the set's "
        "origin, and lights, camera and backdrop are placed relative to it.",
    )

    @model_validator(mode="after")
    def _read_description(self, info: ValidationInfo) -> Subject:
        if self.position is not None:
            note(
                info,
                "subject.position ignored: the subject stands at the set's origin and the "
                "lights, camera and backdrop are placed relative to it",
            )
            object.__setattr__(self, "position", None)
        if "kind" not in self.model_fields_set:
            words = set(re.findall(r"[a-z]+", self.description.lower()))
            objects = sorted(words & _PRODUCT_WORDS)
            if objects and not words & _PERSON_WORDS:
                object.__setattr__(self, "kind", SubjectKind.PRODUCT)
                note(
                    info,
                    f"subject.kind read as product: {objects[0]!r} in the description names "
                    "an object (give subject.kind to choose)",
                )
        return self


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
    key = snake(v)
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
        gt=0,  # how near depends on the subject: see MIN_BACKDROP_M
        le=20,
        allow_inf_nan=False,
        description="Metres from the subject to the backdrop: at least 0.26 behind a head, "
        "0.08 behind a product.",
    )

    @field_validator("color", mode="before")
    @classmethod
    def _colour(cls, v: Any) -> Any:
        return parse_colour(v) if isinstance(v, str) else v

    @classmethod
    def input_forms(cls, target: JsonSchema) -> None:
        props = target["properties"]
        props["color"] = also(
            {**props["color"], "pattern": r"^\s*#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})\s*$"},
            {"type": "string", "enum": spellings(_NAMED_COLOURS)},
        )


MIN_BACKDROP_M = {SubjectKind.PORTRAIT: 0.26, SubjectKind.PRODUCT: 0.08}
"""Nearest the backdrop may stand behind the subject's front, in metres: the depth of the head
(18 cm) or of the product's base, plus 8 cm of air."""


def _backdrop_at_least(metres: float) -> JsonSchema:
    return {"properties": {"distance_m": {"minimum": metres}}}


BACKDROP_BEHIND_SUBJECT: JsonSchema = {
    "anyOf": [
        {
            "required": ["subject"],
            "properties": {
                "subject": {"required": ["kind"], "properties": {"kind": {"const": "product"}}},
                "background": _backdrop_at_least(MIN_BACKDROP_M[SubjectKind.PRODUCT]),
            },
        },
        {"properties": {"background": _backdrop_at_least(MIN_BACKDROP_M[SubjectKind.PORTRAIT])}},
    ]
}
"""JSON Schema of an object with `subject` and `background` members: the backdrop's nearest
place depends on the subject, a product's being nearer (`LightingSetup` checks it). A subject
read as a product from its words alone is held to the portrait's here."""


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


class _LightsSchema:
    """The lights map's JSON Schema says what its validators check: a light filed under each
    role (its own `role`, if given, the same), at least one light on, and the nearest a light
    may stand to the face."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        lighting = handler(core_schema)
        if handler.mode != "validation":
            return lighting
        light = lighting.pop("additionalProperties")
        lighting.pop("propertyNames", None)
        on_the_face = {"properties": {"distance": {"minimum": MIN_LIGHT_DISTANCE_M}}}
        lighting["properties"] = {
            role.value: {
                "allOf": [
                    light,
                    {"properties": {"role": {"enum": [role.value, None]}}},
                    *([on_the_face] if role.aims_at_face else []),
                ]
            }
            for role in Role
        }
        lighting["additionalProperties"] = False
        lighting["anyOf"] = [  # one light on (enabled and intensity default to true and 0.5)
            {
                "required": [role.value],
                "properties": {
                    role.value: {
                        "properties": {
                            "enabled": {"const": True},
                            "intensity": {"exclusiveMinimum": 0},
                        }
                    }
                },
            }
            for role in Role
        ]
        lighting["description"] = (
            "The lights, filed by role (also read under the original README's names: "
            + ", ".join(sorted(_ROLE_ALIASES))
            + ")."
        )
        return lighting


Lights = Annotated[dict[Role, Light], _LightsSchema()]
"""The lights of a setup by role, as `LightingSetup.lighting` holds them."""


class LightingSetup(StrictModel):
    """The set: lights by role (`key`, `fill`, `rim`, …), camera, subject, backdrop and intent."""

    lighting: Lights = Field(
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
            # The light learns its role here, so its own checks (how near it may stand) and
            # notes can name it.
            out[role] = (
                {**light, "role": light.get("role", role)} if isinstance(light, dict) else light
            )
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
        if not any(light.enabled and light.intensity > 0 for light in v.values()):
            raise ValueError("at least one light must be enabled with an intensity above 0")
        return v

    @field_validator("background")
    @classmethod
    def _backdrop_behind_subject(cls, v: Background, info: ValidationInfo) -> Background:
        subject = info.data.get("subject")
        kind = subject.kind if isinstance(subject, Subject) else SubjectKind.PORTRAIT
        if v.distance_m < MIN_BACKDROP_M[kind]:
            raise ValueError(
                f"background.distance_m {v.distance_m:g} m would cut through the {kind.value} "
                f"subject; the backdrop must be at least {MIN_BACKDROP_M[kind]:g} m behind it"
            )
        return v

    @classmethod
    def input_forms(cls, target: JsonSchema) -> None:
        target.update(copy.deepcopy(BACKDROP_BEHIND_SUBJECT))

    def enabled_lights(self) -> dict[Role, Light]:
        """The lights that are switched on, by role."""
        return {role: light for role, light in self.lighting.items() if light.enabled}
