"""A whole lighting setup: the lights by role, the camera, the subject and the backdrop."""

from __future__ import annotations

import copy
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    Field,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from prolight.domain.schema.camera import Camera
from prolight.domain.schema.light import MIN_LIGHT_DISTANCE_M, Light, Role, StrictModel, note, snake
from prolight.domain.schema.published import JsonSchema, also, spellings

__all__ = [
    "BACKDROP_BEHIND_SUBJECT",
    "MIN_BACKDROP_M",
    "Background",
    "LightingSetup",
    "Subject",
    "SubjectKind",
    "parse_colour",
]


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
