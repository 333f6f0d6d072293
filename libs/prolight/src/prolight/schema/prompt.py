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

from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from prolight.errors import FieldError, InvalidInput, describe_errors
from prolight.schema.light import StrictModel
from prolight.schema.setup import _ROLE_ALIASES, LightingSetup

__all__ = [
    "ASPECT_RATIOS",
    "LOCKABLE_FIELDS",
    "MAX_RESOLUTION",
    "FiboPrompt",
    "Metadata",
    "Output",
    "load_prompt",
    "load_setup",
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


class Metadata(StrictModel):
    """Who asked, under which seed, and what a refine step may not touch."""

    project: str = Field("default", max_length=120)
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Same prompt + seed ⇒ same image.")
    creator: str = Field("anonymous", max_length=120)
    locked_fields: list[str] = Field(
        default_factory=list,
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


class Output(StrictModel):
    """The image asked for."""

    aspect_ratio: Literal["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9"] = "4:5"
    resolution: tuple[int, int] = Field(
        (1024, 1280), description=f"[width, height] in pixels, each 64–{MAX_RESOLUTION}."
    )
    format: Literal["png"] = "png"

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
        subject = scene.get("subject")
        base = subject if isinstance(subject, dict) else {}
        scene["subject"] = {**base, "description": data["subject_description"]}
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


def load_prompt(data: Any, *, seed: int | None = None) -> FiboPrompt:
    """Read a structured prompt in any accepted shape (see module doc) into the canonical one.

    Raises InvalidInput naming each bad field. `seed`, when given, overrides metadata.seed.
    """
    if not isinstance(data, dict):
        raise InvalidInput.single("", f"a prompt is a JSON object, got {type(data).__name__}")
    if "schema_version" in data or "scene" in data:
        try:
            prompt = FiboPrompt.model_validate(data)
        except ValidationError as exc:
            scene = data.get("scene")
            lighting = scene.get("lighting") if isinstance(scene, dict) else None
            raise _user_paths(exc, {}, lighting, lights_at="scene.lighting") from exc
    else:
        prompt = FiboPrompt(scene=load_setup(data))
    if seed is not None:
        prompt = prompt.model_copy(
            update={"metadata": prompt.metadata.model_copy(update={"seed": seed})}
        )
    return prompt


def load_setup(data: Any) -> LightingSetup:
    """Read a lighting setup from its own shape or either of the original README's shapes."""
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
        return LightingSetup.model_validate(shape)
    except ValidationError as exc:
        raise _user_paths(exc, renames, lighting) from exc
