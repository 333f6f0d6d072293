"""One studio light: role, power, colour, modifier, distance and direction.

Units: intensity is a fraction of the unit's full (nominal) power, 0–1, or up to
`MAX_INTENSITY` for a head pushed past it; colour temperature in kelvin; distance and modifier
size in metres; gels in CTO/CTB fractions or mireds.

Parse notes: a validator that reads a value in a way the sender might not expect (a field of
view read as a focal length, a light pushed past full power) says so with `note(info, …)`;
`load_prompt(..., notes=[])` collects them for the response.

Over 400 lines on purpose: `Light`'s validators read the enums and tables above them (roles,
modifier specs and spellings, gels), and apart they would be one model split from its checks.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from prolight.domain.schema.direction import Direction
from prolight.domain.schema.published import (
    InputForms,
    JsonSchema,
    add_aliases,
    also,
    nullable,
    spellings,
)

__all__ = [
    "FULL_POWER",
    "MAX_INTENSITY",
    "MIN_LIGHT_DISTANCE_M",
    "MODIFIERS",
    "Gel",
    "Light",
    "Modifier",
    "ModifierSpec",
    "Role",
    "StrictModel",
    "effective_kelvin",
    "modifier_for_softness",
    "note",
    "snake",
]


_NUMBERS = (int, float, int | None, float | None)


def note(info: ValidationInfo, text: str) -> None:
    """Record a parse note when the caller validates with `context={"notes": [...]}`."""
    notes = info.context.get("notes") if isinstance(info.context, dict) else None
    if isinstance(notes, list) and text not in notes:
        notes.append(text)


class StrictModel(InputForms, BaseModel):
    """Base of every schema model: unknown fields are rejected and named, and a number field
    refuses true/false (pydantic would read them as 1 and 0)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_assignment=True)

    @field_validator("*", mode="before")
    @classmethod
    def _json_types(cls, v: Any, info: ValidationInfo) -> Any:
        # pydantic's lax mode reads "0.5" and true as numbers and "yes" or 1 as true; the
        # published schema says a JSON number and a JSON boolean. A field's own text form
        # ("f/2.8") is read by its validator first (before-validators run subclass first).
        field = cls.model_fields.get(info.field_name) if info.field_name else None
        if field is None:
            return v
        if field.annotation in _NUMBERS and isinstance(v, bool):
            raise ValueError(f"expected a number, not true/false (got {str(v).lower()})")
        if field.annotation in _NUMBERS and isinstance(v, str):
            kind = "integer" if field.annotation in (int, int | None) else "number"
            raise ValueError(f"Input should be a valid {kind}, not text (got {v!r})")
        if field.annotation in (bool, bool | None) and not isinstance(v, bool | None):
            raise ValueError(f"Input should be a valid boolean, true or false (got {v!r})")
        return v


class Role(StrEnum):
    """What a light does in the set."""

    KEY = "key"
    FILL = "fill"
    RIM = "rim"
    HAIR = "hair"
    KICKER = "kicker"
    BACKGROUND = "background"
    AMBIENT = "ambient"

    @property
    def aims_at_face(self) -> bool:
        """A head aimed at the face, so held to `MIN_LIGHT_DISTANCE_M` from it (the ambient
        has no place; a background light is aimed at the backdrop)."""
        return self not in (Role.AMBIENT, Role.BACKGROUND)


class Modifier(StrEnum):
    """What is in front of the flash head."""

    BARE = "bare"
    SOFTBOX = "softbox"
    OCTABOX = "octabox"
    STRIPBOX = "stripbox"
    UMBRELLA = "umbrella"
    SHOOT_THROUGH_UMBRELLA = "shoot_through_umbrella"
    BEAUTY_DISH = "beauty_dish"
    GRID = "grid"
    SNOOT = "snoot"
    FRESNEL = "fresnel"
    REFLECTOR = "reflector"


class ModifierSpec(BaseModel):
    """Physical facts about a modifier used by the physics and the renderer."""

    model_config = ConfigDict(frozen=True)

    size_m: float
    """Default apparent size of the source in metres (diameter, or the long side of a strip)."""
    efficiency: float
    """Light reaching the subject relative to a bare reflector at the same power and distance."""
    beam_deg: float
    """Full beam angle in degrees (180 = spills everywhere in front of it)."""
    shape: Literal["round", "rect", "strip", "octagon", "dish", "spot"]
    description: str


MODIFIERS: dict[Modifier, ModifierSpec] = {
    Modifier.BARE: ModifierSpec(
        size_m=0.18, efficiency=1.0, beam_deg=90, shape="dish", description="standard reflector"
    ),
    Modifier.SOFTBOX: ModifierSpec(
        size_m=0.9, efficiency=0.5, beam_deg=120, shape="rect", description="90 cm softbox"
    ),
    Modifier.OCTABOX: ModifierSpec(
        size_m=1.2, efficiency=0.45, beam_deg=120, shape="octagon", description="120 cm octabox"
    ),
    Modifier.STRIPBOX: ModifierSpec(
        size_m=1.2, efficiency=0.35, beam_deg=110, shape="strip", description="30×120 cm stripbox"
    ),
    Modifier.UMBRELLA: ModifierSpec(
        size_m=1.0,
        efficiency=0.6,
        beam_deg=140,
        shape="round",
        description="100 cm reflective umbrella",
    ),
    Modifier.SHOOT_THROUGH_UMBRELLA: ModifierSpec(
        size_m=1.1,
        efficiency=0.5,
        beam_deg=160,
        shape="round",
        description="110 cm shoot-through umbrella",
    ),
    Modifier.BEAUTY_DISH: ModifierSpec(
        size_m=0.55, efficiency=0.75, beam_deg=80, shape="dish", description="55 cm beauty dish"
    ),
    Modifier.GRID: ModifierSpec(
        size_m=0.18,
        efficiency=0.7,
        beam_deg=30,
        shape="spot",
        description="reflector with a 20° grid",
    ),
    Modifier.SNOOT: ModifierSpec(
        size_m=0.06, efficiency=0.4, beam_deg=15, shape="spot", description="snoot"
    ),
    Modifier.FRESNEL: ModifierSpec(
        size_m=0.2, efficiency=1.4, beam_deg=35, shape="spot", description="fresnel spot"
    ),
    Modifier.REFLECTOR: ModifierSpec(
        size_m=1.0,
        efficiency=0.25,
        beam_deg=140,
        shape="round",
        description="100 cm passive reflector bouncing the key (intensity = the share it returns)",
    ),
}

# Names people type for modifiers, mapped to ours. The canonical prompt's older `type` field
# also used light kinds ("directional", "hairlight"); those map to the nearest modifier.
_MODIFIER_SYNONYMS = {
    "none": Modifier.BARE,
    "bare_bulb": Modifier.BARE,
    "standard_reflector": Modifier.BARE,
    "directional": Modifier.BARE,
    "hard": Modifier.BARE,
    "spot": Modifier.FRESNEL,
    "spotlight": Modifier.FRESNEL,
    "soft_box": Modifier.SOFTBOX,
    "octa": Modifier.OCTABOX,
    "octa_box": Modifier.OCTABOX,
    "octobox": Modifier.OCTABOX,
    "strip": Modifier.STRIPBOX,
    "strip_box": Modifier.STRIPBOX,
    "stripbox_softbox": Modifier.STRIPBOX,
    "hairlight": Modifier.STRIPBOX,
    "shoot_through": Modifier.SHOOT_THROUGH_UMBRELLA,
    "shoot_through_umbrella": Modifier.SHOOT_THROUGH_UMBRELLA,
    "dish": Modifier.BEAUTY_DISH,
    "grid_spot": Modifier.GRID,
    "honeycomb": Modifier.GRID,
    "bounce": Modifier.REFLECTOR,
    "reflector_card": Modifier.REFLECTOR,
    "v_flat": Modifier.REFLECTOR,
}


def snake(text: str) -> str:
    """A word as the schema's names spell it: "Medium close-up" → "medium_close_up"."""
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def _modifier_from_text(value: Any) -> Any:
    if isinstance(value, Modifier) or not isinstance(value, str):
        return value
    key = snake(value)
    if key in Modifier._value2member_map_:
        return key
    if key in _MODIFIER_SYNONYMS:
        return _MODIFIER_SYNONYMS[key].value
    raise ValueError(f"unknown modifier {value!r}; allowed: {', '.join(m.value for m in Modifier)}")


def modifier_for_softness(softness: float) -> Modifier:
    """The modifier a light without one gets: softer asks for a bigger source."""
    if softness >= 0.75:
        return Modifier.OCTABOX
    if softness >= 0.45:
        return Modifier.SOFTBOX
    if softness >= 0.25:
        return Modifier.BEAUTY_DISH
    return Modifier.BARE


class Gel(StrictModel):
    """A colour-correction gel: a CTO/CTB fraction (1 = full) or a mired shift."""

    kind: Literal["cto", "ctb", "mired"] = Field(
        description="cto warms (full = +159 mired), ctb cools (full = -137 mired), "
        "mired = explicit shift"
    )
    amount: float = Field(
        description="For cto/ctb the fraction of a full gel (0.125–2, e.g. 0.25 = quarter); "
        "for mired the shift itself (-500 to 500).",
        allow_inf_nan=False,
    )

    @field_validator("amount")
    @classmethod
    def _check_amount(cls, v: float, info: ValidationInfo) -> float:
        # A field validator (not a model one) so the error is filed under gel.amount.
        kind = info.data.get("kind")
        if kind == "mired":
            if not -500 <= v <= 500:
                raise ValueError(f"a mired shift is between -500 and 500; got {v:g}")
        elif kind in ("cto", "ctb") and not 0.125 <= v <= 2:
            raise ValueError(
                f"a {kind.upper()} gel is 0.125 (1/8) to 2 (double) of a full gel; got {v:g}"
            )
        return v

    @classmethod
    def input_forms(cls, target: JsonSchema) -> None:
        target["oneOf"] = [  # the amount's range follows the kind
            {
                "properties": {
                    "kind": {"enum": ["cto", "ctb"]},
                    "amount": {"minimum": 0.125, "maximum": 2},
                }
            },
            {
                "properties": {
                    "kind": {"const": "mired"},
                    "amount": {"minimum": -500, "maximum": 500},
                }
            },
        ]

    @property
    def mired_shift(self) -> float:
        if self.kind == "cto":
            return 159.0 * self.amount
        if self.kind == "ctb":
            return -137.0 * self.amount
        return self.amount


def effective_kelvin(kelvin: float, gel: Gel | None) -> float:
    """Colour temperature after the gel, mixing in mireds (1e6 / K)."""
    if gel is None:
        return kelvin
    mired = 1e6 / kelvin + gel.mired_shift
    return 1e6 / max(mired, 1e6 / 40000)  # a blue gel cannot push past 40,000 K


MIN_LIGHT_DISTANCE_M = 0.3
"""Nearest a light that lights the subject may stand to the face, in metres."""


def _note_readings(data: dict[str, Any], info: ValidationInfo) -> None:
    """Parse notes for a raw light whose role is known: a light kind read as a modifier, a
    direction vector in words, an intensity past full power."""
    role = data.get("role")
    name = f"lighting.{role.value if isinstance(role, Role) else role}" if role else "light"
    kind = data.get("type")
    if isinstance(kind, str) and data.get("modifier") is None:
        try:
            modifier = _modifier_from_text(kind)
        except ValueError:
            pass  # reported under the field
        else:
            if modifier != snake(kind):
                note(info, f"{name}.type {kind!r} read as the {modifier} modifier")
    vector = data.get("direction")
    if isinstance(vector, (list, tuple)):
        try:
            words = Direction.model_validate(vector).describe()
        except ValueError:
            pass
        else:
            note(
                info,
                f"{name}.direction {list(vector)} read as {words} (a vector from the subject "
                "to the light: x camera-right, y up, z towards the camera)",
            )
    power = data.get("intensity")
    if (
        isinstance(power, (int, float))
        and not isinstance(power, bool)
        and FULL_POWER < power <= MAX_INTENSITY
    ):
        note(
            info,
            f"{name}.intensity {power:g} is past full power: {power * 100:.0f} % of the "
            f"unit's rated output, {math.log2(power):+.2f} stop (accepted up to "
            f"{MAX_INTENSITY:g})",
        )


_KELVIN_NAMES = ("kelvin", "color_temperature", "colorTemperature", "colour_temperature")

FULL_POWER = 1.0
"""Intensity of a unit at its rated (nominal) power."""

MAX_INTENSITY = 2.0
"""Highest intensity accepted: one stop past full power (a head's boost mode, or two heads
behind one modifier). The light's output scales linearly with it, like any other intensity."""

Intensity = Annotated[
    float,
    Field(
        ge=0,
        le=MAX_INTENSITY,
        allow_inf_nan=False,
        description="Fraction of the unit's full power: 0–1, and up to 2 for a light pushed "
        "past its nominal power (1.1 = 110 %, +0.14 stop; 2 = one stop over).",
    ),
]


class Light(StrictModel):
    """One light of the set. Its role is the key it is filed under in `lighting`."""

    role: Role | None = Field(
        None, description="Filled in from the key it is filed under; given, it must match."
    )
    enabled: bool = True
    intensity: Intensity = 0.5
    kelvin: float = Field(
        5600,
        ge=1000,
        le=20000,
        allow_inf_nan=False,
        validation_alias=AliasChoices(*_KELVIN_NAMES),
        description="Colour temperature in kelvin (1,000–20,000); also accepted as "
        "color_temperature or colorTemperature.",
    )
    softness: float = Field(
        0.5, ge=0, le=1, allow_inf_nan=False, description="0 = hard, 1 = as soft as it gets."
    )
    distance: float = Field(
        1.5,
        ge=0.05,  # nearer than 5 cm is not a studio light, and 1/d² would blow up
        le=30,
        allow_inf_nan=False,
        description="Metres from the light to the subject's face.",
    )
    direction: Direction = Field(
        default_factory=lambda: Direction(azimuth=0.0, elevation=0.0),
        description=f"Where the light stands: {Direction.__doc__}",
    )
    modifier: Modifier = Field(
        None,  # type: ignore[assignment]  # resolved from softness by the validator below
        validation_alias=AliasChoices("modifier", "type"),
        description="Modifier in front of the head; if omitted, chosen from softness "
        "(≥0.75 octabox, ≥0.45 softbox, ≥0.25 beauty dish, else bare).",
    )
    modifier_size: float | None = Field(
        None,
        gt=0,
        le=5,
        allow_inf_nan=False,
        description="Override of the modifier's size in metres.",
    )
    gel: Gel | None = None

    @model_validator(mode="before")
    @classmethod
    def _resolve_modifier(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        _note_readings(data, info)
        given = [name for name in _KELVIN_NAMES if name in data]
        if len(given) > 1:
            # Pydantic would take the first alias and call the others unknown fields; say what
            # actually happened instead.
            raise ValueError(
                f"colour temperature given twice ({' and '.join(given)}); give it once, in kelvin"
            )
        if data.get("modifier") is not None and data.get("type") is not None:
            raise ValueError("modifier given twice (modifier and type); give it once")
        # Unknown modifier names are left for the field validator, so the error names the field.
        if data.get("modifier") is None and data.get("type") is None:
            data.pop("type", None)
            softness = data.get("softness", 0.5)
            if isinstance(softness, (int, float)) and 0 <= softness <= 1:
                data["modifier"] = modifier_for_softness(float(softness)).value
            else:
                data["modifier"] = Modifier.SOFTBOX.value  # softness itself will be reported
        return data

    @field_validator("modifier", mode="before")
    @classmethod
    def _modifier_name(cls, v: Any) -> Any:
        return _modifier_from_text(v)

    @classmethod
    def input_forms(cls, target: JsonSchema) -> None:
        props = target["properties"]
        names = [*_MODIFIER_SYNONYMS, *(m.value for m in Modifier)]
        words = [w for w in spellings(names) if w not in Modifier._value2member_map_]
        named = also(props["modifier"], {"type": "string", "enum": words})
        props["modifier"] = nullable(named)  # null: chosen from the softness
        add_aliases(target, "kelvin", _KELVIN_NAMES[1:])
        add_aliases(target, "modifier", ["type"])

    @field_validator("distance")
    @classmethod
    def _outside_the_head(cls, v: float, info: ValidationInfo) -> float:
        role = info.data.get("role")
        if role is not None and role.aims_at_face and v < MIN_LIGHT_DISTANCE_M:
            raise ValueError(
                f"{v:g} m from the face puts the {role.value} light inside the subject; "
                f"use at least {MIN_LIGHT_DISTANCE_M:g} m"
            )
        return v

    @property
    def spec(self) -> ModifierSpec:
        return MODIFIERS[self.modifier]

    @property
    def size_m(self) -> float:
        """Apparent size of the source in metres (the override, or the modifier's own)."""
        return self.modifier_size if self.modifier_size is not None else self.spec.size_m

    @property
    def effective_kelvin(self) -> float:
        """Colour temperature after the gel."""
        return effective_kelvin(self.kelvin, self.gel)
