"""The canonical structured prompt, `fibo_v1`, and the older shapes it accepts.

`load_prompt` reads any of:

1. the canonical prompt: `{"schema_version": "fibo_v1", "metadata": …, "scene": …, "output": …}`;
2. the original API body: `{"subject_description", "environment", "lighting_setup": {"key": …,
   "fill": …}, "camera_settings": …}`;
3. the original FIBO-style JSON: `{"subject": {"main_entity", …}, "environment": {"setting", …},
   "camera": …, "lighting": {"main_light": …, "fill_light": …}, "style_medium", "artistic_style"}`;
4. a bare lighting setup (`{"lighting": {"key": …}, "camera": …}`, see `LightingSetup`).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from prolight.domain.errors import FieldError, InvalidInput, describe_errors
from prolight.domain.schema.camera import MIN_CAMERA_DISTANCE_M
from prolight.domain.schema.light import StrictModel, note
from prolight.domain.schema.setup import _ROLE_ALIASES, LightingSetup

__all__ = [
    "ASPECT_RATIOS",
    "LOCKABLE_FIELDS",
    "LOCKABLE_PATTERN",
    "MAX_RESOLUTION",
    "FiboPrompt",
    "Metadata",
    "Output",
    "has_aspect",
    "load_prompt",
    "load_setup",
    "nearest_aspect",
]

ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9")
"""The aspect ratios BRIA FIBO accepts; ours are the same so a prompt works on either backend."""

MAX_RESOLUTION = 4096
"""Longest side of a requested image in pixels."""

LOCKABLE_FIELDS = (
    "camera",
    "composition",
    "subject",
    "background",
    "environment",
    "style",
    "lighting",
    "lighting.key",
    "lighting.fill",
    "lighting.rim",
    "lighting.hair",
    "lighting.kicker",
    "lighting.background",
    "lighting.ambient",
    "output",
)


LOCKABLE_PATTERN = "^(" + "|".join(re.escape(f) for f in LOCKABLE_FIELDS) + r")$|^lighting\."
"""The paths `locked_fields` may name, as a regular expression."""


class Metadata(StrictModel):
    """Who asked, under which seed, and what a refine step may not touch."""

    project: str = Field("default", max_length=120)
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Same prompt + seed ⇒ same image.")
    creator: str = Field("anonymous", max_length=120)
    locked_fields: list[str] = Field(
        default_factory=list,
        json_schema_extra={"items": {"type": "string", "pattern": LOCKABLE_PATTERN}},
        description=f"Paths a refine step never changes; any of {', '.join(LOCKABLE_FIELDS)} "
        "or a deeper path under lighting (e.g. lighting.key.kelvin).",
    )

    @field_validator("locked_fields")
    @classmethod
    def _known_paths(cls, v: list[str]) -> list[str]:
        for path in v:
            if path not in LOCKABLE_FIELDS and not path.startswith("lighting."):
                raise ValueError(f"cannot lock {path!r}; lockable: {', '.join(LOCKABLE_FIELDS)}")
        return sorted(set(v))


ASPECT_TOLERANCE = 0.02
"""How far (as a fraction) a resolution's shape may be from its aspect ratio: 1024×1280 is
4:5 exactly, BRIA's 832×1248 is 2:3 exactly, 1920×1080 is 16:9 to 0.01 %."""


def _ratio(aspect: str) -> float:
    w, h = aspect.split(":")
    return int(w) / int(h)


def nearest_aspect(width: float, height: float) -> str:
    """The aspect ratio of `ASPECT_RATIOS` nearest a width × height frame."""
    return min(ASPECT_RATIOS, key=lambda r: abs(math.log(width / height / _ratio(r))))


def has_aspect(width: float, height: float, aspect: str) -> bool:
    """Whether a width × height frame is `aspect` to within `ASPECT_TOLERANCE`."""
    return abs(width / height / _ratio(aspect) - 1) <= ASPECT_TOLERANCE


def _json_integer(v: Any) -> Any:
    # lax int reads "1024" and true; the schema says a JSON integer (1024.0 is one)
    if isinstance(v, bool | str):
        raise ValueError(f"Input should be a valid integer, not {type(v).__name__} (got {v!r})")
    return v


_Side = Annotated[int, BeforeValidator(_json_integer)]


def _sides_in_range(schema: dict[str, Any]) -> None:
    for side in schema.get("prefixItems", []):  # what the `_size` validator checks
        side.update(minimum=64, maximum=MAX_RESOLUTION)


class Output(StrictModel):
    """The image asked for: one shape, given by the aspect ratio, the resolution, or both."""

    aspect_ratio: Literal["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9"] = Field(
        "4:5",
        description="The frame's shape (BRIA's aspect ratios). Given alone, the resolution "
        "follows it (1280 px on the long side); given with a resolution, the two must agree "
        f"to {ASPECT_TOLERANCE:.0%}; left out, it is the resolution's own (which must be one "
        "of these).",
    )
    resolution: tuple[_Side, _Side] = Field(
        (1024, 1280),
        description=f"[width, height] in pixels, each 64–{MAX_RESOLUTION}.",
        json_schema_extra=_sides_in_range,
    )
    format: Literal["png"] = "png"
    quality: Literal["draft", "final"] = Field(
        "draft",
        description="The local renderer's quality: draft (direct light, interactive, a run's "
        "candidates) or final (path traced and denoised, a few seconds). BRIA ignores it.",
    )

    @model_validator(mode="after")
    def _one_shape(self) -> Output:
        given = self.model_fields_set
        w, h = self.resolution
        if "resolution" not in given:
            if "aspect_ratio" in given:
                a = _ratio(self.aspect_ratio)
                size = (1280, round(1280 / a)) if a >= 1 else (round(1280 * a), 1280)
                object.__setattr__(self, "resolution", size)
            return self
        nearest = nearest_aspect(w, h)
        if "aspect_ratio" not in given:
            # Refused rather than sent as the nearest shape: BRIA would draw another frame than
            # the renderer, and the stored pair would not read back as it was accepted.
            if not has_aspect(w, h, nearest):
                raise ValueError(
                    f"output.resolution {w}×{h} has none of the aspect ratios a prompt can ask "
                    f"for ({', '.join(ASPECT_RATIOS)}); the nearest is {nearest}"
                )
            object.__setattr__(self, "aspect_ratio", nearest)
        elif not has_aspect(w, h, self.aspect_ratio):
            raise ValueError(
                f"output.resolution {w}×{h} is not {self.aspect_ratio} (it is nearest "
                f"{nearest}); give the resolution or the aspect ratio, or two that agree"
            )
        return self

    @field_validator("resolution", mode="before")
    @classmethod
    def _shape(cls, v: Any) -> Any:
        if not isinstance(v, (list, tuple)) or len(v) != 2:
            raise ValueError(
                f"resolution is [width, height] in pixels, each 64–{MAX_RESOLUTION}; got {v!r}"
            )
        return v

    @field_validator("resolution")
    @classmethod
    def _size(cls, v: tuple[int, int]) -> tuple[int, int]:
        if not all(64 <= side <= MAX_RESOLUTION for side in v):
            raise ValueError(f"each side is 64–{MAX_RESOLUTION} pixels; got {list(v)}")
        return v


class FiboPrompt(StrictModel):
    """The canonical structured prompt: everything needed to reproduce an image."""

    schema_version: Literal["fibo_v1"] = "fibo_v1"
    metadata: Metadata = Field(default_factory=Metadata)
    scene: LightingSetup
    output: Output = Field(default_factory=Output)

    @model_validator(mode="after")
    def _framing(self, info: ValidationInfo) -> FiboPrompt:
        camera = self.scene.camera
        if camera.distance_m is None:
            w, h = self.output.resolution
            natural = camera.natural_distance(w / h)
            if natural < MIN_CAMERA_DISTANCE_M:
                note(
                    info,
                    f"camera: a {camera.shot_type.value.replace('_', ' ')} at "
                    f"{camera.focal_length_mm:.0f} mm would put the camera {natural:.2f} m from "
                    f"the face; it stands at {MIN_CAMERA_DISTANCE_M:g} m, so the frame holds a "
                    "little more (a longer lens frames it exactly)",
                )
        return self


def _from_api_body(data: dict[str, Any]) -> dict[str, Any]:
    """The original README's request body → a lighting setup dict."""
    known = {
        "subject_description",
        "subject",
        "environment",
        "lighting_setup",
        "camera_settings",
        "style_intent",
        "background",
    }
    _reject_unknown(data, known)
    scene: dict[str, Any] = {"lighting": data["lighting_setup"]}
    if "subject" in data:  # the subject as an object: description, kind, head_turn_deg
        scene["subject"] = data["subject"]
    if "subject_description" in data:
        subject = scene.get("subject", {})
        if isinstance(subject, dict) and "description" in subject:
            raise InvalidInput.single(
                "subject_description", "given twice (and as subject.description); give one"
            )
        if isinstance(subject, dict):  # anything else is reported as it is, under subject
            scene["subject"] = {**subject, "description": data["subject_description"]}
    if "environment" in data:
        scene["environment"] = data["environment"]
    if "camera_settings" in data:
        scene["camera"] = data["camera_settings"]
    if "style_intent" in data:
        scene["style"] = data["style_intent"]
    if "background" in data:
        scene["background"] = data["background"]
    return scene


def _from_legacy_fibo(data: dict[str, Any]) -> dict[str, Any]:
    """The original README's FIBO-style JSON (main_light/fill_light) → a lighting setup dict."""
    _reject_unknown(
        data, {"subject", "environment", "camera", "lighting", "style_medium", "artistic_style"}
    )
    if "lighting" not in data:
        raise InvalidInput.single("lighting", "Field required (main_light, fill_light, … by role)")
    scene: dict[str, Any] = {"lighting": data["lighting"]}
    subject = data.get("subject")
    if isinstance(subject, dict):
        _reject_unknown(subject, {"main_entity", "attributes", "action"}, prefix="subject")
        attributes = subject.get("attributes", [])
        if not isinstance(attributes, list) or not all(isinstance(a, str) for a in attributes):
            raise InvalidInput.single(
                "subject.attributes", 'a list of words, e.g. ["professional"]'
            )
        words = [subject.get("main_entity", ""), *attributes, subject.get("action", "")]
        if not all(isinstance(w, str) for w in words):
            raise InvalidInput.single("subject", "main_entity and action are text")
        scene["subject"] = {"description": ", ".join(w for w in words if w) or "portrait subject"}
    elif isinstance(subject, str):
        scene["subject"] = {"description": subject}
    env = data.get("environment")
    if isinstance(env, dict):
        scene["environment"] = ", ".join(str(v) for v in env.values() if v) or "photo studio"
    elif isinstance(env, str):
        scene["environment"] = env
    if "camera" in data:
        scene["camera"] = data["camera"]
    style = data.get("artistic_style")
    if style:
        scene["style"] = style
    return scene


def _reject_unknown(data: dict[str, Any], known: set[str], prefix: str = "") -> None:
    extra = sorted(set(data) - known)
    if extra:
        raise InvalidInput(
            [
                FieldError(
                    f"{prefix}.{k}" if prefix else k, "unknown field (not part of the schema)"
                )
                for k in extra
            ]
        )


# Where each canonical setup field came from in the two older shapes, so an error names the
# field the user actually typed (`lighting_setup.key.intensity`, not `lighting.key.intensity`).
_API_BODY_PATHS = {
    "lighting": "lighting_setup",
    "camera": "camera_settings",
    "style": "style_intent",
    "subject.description": "subject_description",
    "subject": "subject_description",
}
_LEGACY_FIBO_PATHS = {"subject.description": "subject", "style": "artistic_style"}


def _user_paths(
    exc: ValidationError, renames: dict[str, str], lighting: Any, lights_at: str = "lighting"
) -> InvalidInput:
    """Errors of the converted input, with paths renamed back to what the user typed.

    `lights_at` is the path of the lights in the converted input; a light's role is named
    as the user spelled it there (`main_light`, not `key`); `renames` then maps converted
    path prefixes to the user's (`lighting` → `lighting_setup`).
    """
    role_names: dict[str, str] = {}
    if isinstance(lighting, dict):
        for name in lighting:
            typed = str(name)
            role_names[_ROLE_ALIASES.get(typed.strip().lower(), typed.strip().lower())] = typed
    out: list[FieldError] = []
    for err in describe_errors(exc):
        path = err.field
        if path.startswith(lights_at + "."):
            role, dot, tail = path[len(lights_at) + 1 :].partition(".")
            path = f"{lights_at}.{role_names.get(role, role)}{dot}{tail}"
        for old, new in renames.items():
            if path == old or path.startswith(old + "."):
                path = (new + path[len(old) :]).lstrip(".")
                break
        out.append(FieldError(path, err.message))
    return InvalidInput(out)


def load_prompt(
    data: Any, *, seed: int | None = None, notes: list[str] | None = None
) -> FiboPrompt:
    """Read a structured prompt in any accepted shape (see module doc) into the canonical one.

    Raises InvalidInput naming each bad field. `seed`, when given, overrides metadata.seed.
    `notes`, when given, receives a sentence for each value read in a way the sender might not
    expect (a bare `fov` taken as a focal length, a light past full power, an ignored field).
    """
    if not isinstance(data, dict):
        raise InvalidInput.single("", f"a prompt is a JSON object, got {type(data).__name__}")
    context = {"notes": notes if notes is not None else []}
    if "schema_version" in data or "scene" in data:
        try:
            prompt = FiboPrompt.model_validate(data, context=context)
        except ValidationError as exc:
            scene = data.get("scene")
            lighting = scene.get("lighting") if isinstance(scene, dict) else None
            raise _user_paths(exc, {}, lighting, lights_at="scene.lighting") from exc
    else:
        setup = load_setup(data, notes=context["notes"])
        prompt = FiboPrompt.model_validate({"scene": setup}, context=context)
    if seed is not None:
        prompt = prompt.model_copy(
            update={"metadata": prompt.metadata.model_copy(update={"seed": seed})}
        )
    return prompt


def load_setup(data: Any, *, notes: list[str] | None = None) -> LightingSetup:
    """Read a lighting setup from its own shape or either of the original README's shapes
    (`notes` as for `load_prompt`)."""
    if not isinstance(data, dict):
        raise InvalidInput.single(
            "", f"a lighting setup is a JSON object, got {type(data).__name__}"
        )
    if "lighting_setup" in data:
        shape, renames, lighting = _from_api_body(data), _API_BODY_PATHS, data["lighting_setup"]
        if "subject" in data:  # errors inside a subject object keep the user's own path
            renames = {k: v for k, v in renames.items() if not k.startswith("subject")}
    elif (
        isinstance(data.get("lighting"), dict)
        and any(k in data["lighting"] for k in ("main_light", "fill_light"))
    ) or (isinstance(data.get("subject"), dict) and "main_entity" in data["subject"]):
        shape, renames, lighting = _from_legacy_fibo(data), _LEGACY_FIBO_PATHS, data.get("lighting")
    elif "lighting" not in data and any(k in data for k in ("key", "fill", "rim", "main_light")):
        shape, renames, lighting = {"lighting": data}, {"lighting": ""}, data  # just the lights
    else:
        shape, renames, lighting = data, {}, data.get("lighting")
    try:
        return LightingSetup.model_validate(
            shape, context={"notes": notes if notes is not None else []}
        )
    except ValidationError as exc:
        raise _user_paths(exc, renames, lighting) from exc
