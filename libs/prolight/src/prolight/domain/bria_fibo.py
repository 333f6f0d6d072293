"""BRIA FIBO's structured prompt, as FIBO's own code defines and cleans it, checked strictly.

FIBO's schema is the pydantic model `ImageAnalysis` in Bria-AI/FIBO
(src/fibo_inference/vlm/gemini_api.py). Before a prompt reaches the model FIBO validates it
in strict mode, drops every empty value (None, "", [], {}), adds
`aesthetics.preference_score` / `aesthetic_score` and serialises the fields in this order
(src/fibo_inference/parse_caption.py):

    short_description, objects, background_setting, lighting, aesthetics,
    photographic_characteristics, style_medium, text_render, context, artistic_style

`FiboStructuredPrompt` is that schema with FIBO's written rules made checks: what we send is
already in FIBO's clean form, so an empty string, an unknown field, a sixth object or an
`artistic_style` of more than three words is refused here, by `check` / `check_json`, rather
than guessed at by BRIA. The word limits FIBO's instructions give its translator (200 words
for the short description, 100 for an object's) are guidance for a VLM, not checks, and are
not enforced. The fake BRIA (`prolight_testing.fakes.bria`) checks requests with this model.

`DEFAULT_NEGATIVE_PROMPT` is the negative prompt FIBO's generate.py uses for a photograph when
the caller gives none, byte for byte.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from prolight.domain.errors import FieldError, ProLightError, describe_errors

__all__ = [
    "DEFAULT_NEGATIVE_PROMPT",
    "FIELD_ORDER",
    "MAX_ARTISTIC_STYLE_WORDS",
    "MAX_OBJECTS",
    "PHOTOGRAPHIC_MEDIA",
    "FiboAesthetics",
    "FiboLighting",
    "FiboObject",
    "FiboPhotographicCharacteristics",
    "FiboSchemaError",
    "FiboStructuredPrompt",
    "FiboTextRender",
    "default_negative_prompt",
]

FIELD_ORDER = (
    "short_description",
    "objects",
    "background_setting",
    "lighting",
    "aesthetics",
    "photographic_characteristics",
    "style_medium",
    "text_render",
    "context",
    "artistic_style",
)
"""FIBO's top-level fields in the order FIBO serialises them."""

MAX_OBJECTS = 5
"""FIBO describes at most five prominent objects; the rest belongs in the background."""

MAX_ARTISTIC_STYLE_WORDS = 3

PHOTOGRAPHIC_MEDIA = frozenset({"photograph", "photography", "photo"})
"""`style_medium` values (lower-cased) that FIBO treats as a photograph."""

DEFAULT_NEGATIVE_PROMPT = "{'style_medium':'digital illustration','artistic_style':'non-realistic'}"
"""FIBO's negative prompt for a photograph when none is given (generate.py)."""

Score = Literal["very low", "low", "medium", "high", "very high"]
"""FIBO's quality buckets (parse_caption.py); its own prompts carry "very high"."""


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty: FIBO drops empty values, so a required one is lost")
    return value


Text = Annotated[str, AfterValidator(_not_blank)]


def _at_most_three_words(value: str) -> str:
    if len(value.split()) > MAX_ARTISTIC_STYLE_WORDS:
        raise ValueError(f"at most {MAX_ARTISTIC_STYLE_WORDS} words (FIBO's limit)")
    return value


class _Fibo(BaseModel):
    # strict: FIBO validates with `strict=True`; forbid: a field FIBO does not know is our bug.
    model_config = ConfigDict(extra="forbid", strict=True)


class FiboObject(_Fibo):
    """One prominent object; the people fields (pose … skin_tone_and_texture) for a person."""

    description: Text
    location: Text
    relationship: Text
    relative_size: Text | None = None
    shape_and_color: Text | None = None
    texture: Text | None = None
    appearance_details: Text | None = None
    number_of_objects: int | None = Field(None, ge=1)
    pose: Text | None = None
    expression: Text | None = None
    clothing: Text | None = None
    action: Text | None = None
    gender: Text | None = None
    skin_tone_and_texture: Text | None = None
    orientation: Text | None = None


class FiboLighting(_Fibo):
    """Lighting in words: FIBO has no numeric light fields."""

    conditions: Text
    direction: Text
    shadows: Text | None = None


class FiboAesthetics(_Fibo):
    """Composition, colour and mood, and the quality scores FIBO's cleaner adds."""

    composition: Text
    color_scheme: Text
    mood_atmosphere: Text
    preference_score: Score | None = None
    aesthetic_score: Score | None = None


class FiboPhotographicCharacteristics(_Fibo):
    """Camera in words."""

    depth_of_field: Text
    focus: Text
    camera_angle: Text
    lens_focal_length: Text


class FiboTextRender(_Fibo):
    """Text to render in the image."""

    text: Text
    location: Text
    size: Text
    color: Text
    font: Text
    appearance_details: Text | None = None


class FiboStructuredPrompt(_Fibo):
    """FIBO's `ImageAnalysis` in its cleaned form (module doc); fields in FIBO's order."""

    short_description: Text
    objects: list[FiboObject] = Field(min_length=1, max_length=MAX_OBJECTS)
    background_setting: Text
    lighting: FiboLighting
    aesthetics: FiboAesthetics
    photographic_characteristics: FiboPhotographicCharacteristics | None = None
    style_medium: Text | None = None
    text_render: list[FiboTextRender] | None = Field(None, min_length=1)
    context: Text
    artistic_style: Annotated[Text, AfterValidator(_at_most_three_words)] | None = None

    @classmethod
    def check(cls, value: dict[str, Any]) -> FiboStructuredPrompt:
        """`value` checked strictly; raises `FiboSchemaError` naming every bad field."""
        try:
            return cls.model_validate(value, strict=True)
        except ValidationError as exc:
            raise FiboSchemaError(describe_errors(exc)) from exc

    @classmethod
    def check_json(cls, text: str) -> FiboStructuredPrompt:
        """A structured prompt sent as a JSON string (BRIA's `structured_prompt`), checked as
        FIBO checks it; raises `FiboSchemaError`."""
        try:
            return cls.model_validate_json(text, strict=True)
        except ValidationError as exc:
            raise FiboSchemaError(describe_errors(exc)) from exc

    def as_dict(self) -> dict[str, Any]:
        """The prompt as a JSON-able dict in FIBO's field order, empty values left out."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_json(self) -> str:
        """The JSON string BRIA's `structured_prompt` takes: FIBO's field order, not sorted."""
        return json.dumps(self.as_dict())

    def is_photograph(self) -> bool:
        """True when `style_medium` names a photograph (FIBO's test for its negative prompt)."""
        return (self.style_medium or "").strip().lower() in PHOTOGRAPHIC_MEDIA


class FiboSchemaError(ProLightError, ValueError):
    """Raised when a structured prompt breaks FIBO's schema; `errors` names each field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__(
            "the structured prompt breaks FIBO's schema: " + "; ".join(str(e) for e in errors)
        )


def default_negative_prompt(prompt: FiboStructuredPrompt) -> str | None:
    """FIBO's default negative prompt for `prompt`: `DEFAULT_NEGATIVE_PROMPT` for a
    photograph, None (send none) otherwise."""
    return DEFAULT_NEGATIVE_PROMPT if prompt.is_photograph() else None
