"""Our canonical `fibo_v1` prompt → BRIA FIBO's own structured prompt.

FIBO's schema (Bria-AI/FIBO, `ImageAnalysis`) keeps lighting and camera as free text:
`lighting{conditions, direction, shadows}`, `photographic_characteristics{depth_of_field, focus,
camera_angle, lens_focal_length}`. So the text written here is the whole hand-over: it must let
a photographer rebuild the set — pattern name, every light's angles in words, modifier and
size, distance, kelvin, power and meter reading, the ratio in stops, and the shadow edge.

What is built is BRIA's own form of a structured prompt (`prolight.domain.bria_fibo`): FIBO's field
order, no empty value anywhere (a blank description or environment is filled with a neutral
word), `aesthetics` with the "very high" quality scores FIBO's own prompts carry, and
`style_medium` "photograph" (so BRIA's request gets FIBO's default negative prompt). It is
checked against `FiboStructuredPrompt` before it is returned: a failure is a bug here, raised
as `FiboSchemaError`, and nothing is sent.

Deterministic: the same prompt gives the same structured prompt, lights in the fixed role order
key, fill, rim, hair, kicker, background, ambient, numbers with fixed precision. No network,
no clock, no randomness.
"""

from __future__ import annotations

from typing import Any

from prolight.domain.analysis import INTENTS, Analysis, analyze
from prolight.domain.bria_fibo import FiboStructuredPrompt
from prolight.domain.physics.softness import shadow_edge
from prolight.domain.schema import CameraAngle, FiboPrompt, Light, Role, ShotType, SubjectKind

__all__ = ["QUALITY", "describe_light", "to_bria_structured_prompt", "to_fibo_prompt"]

QUALITY = {"preference_score": "very high", "aesthetic_score": "very high"}
"""The quality fields FIBO adds to `aesthetics` of every prompt it renders (parse_caption.py)."""

_ROLE_ORDER = list(Role)
_SHOT_WORDS = {
    ShotType.HEADSHOT: "headshot, head and shoulders",
    ShotType.CLOSE_UP: "close-up of the face",
    ShotType.MEDIUM_CLOSE_UP: "medium close-up, chest up",
    ShotType.MEDIUM_SHOT: "medium shot, waist up",
    ShotType.THREE_QUARTER: "three-quarter shot, knees up",
    ShotType.FULL_BODY: "full-length shot",
    ShotType.PRODUCT: "product shot, the object filling the frame",
}
_SIZE_WORDS = {
    ShotType.HEADSHOT: "large within frame",
    ShotType.CLOSE_UP: "fills the frame",
    ShotType.MEDIUM_CLOSE_UP: "large within frame",
    ShotType.MEDIUM_SHOT: "medium within frame",
    ShotType.THREE_QUARTER: "medium within frame",
    ShotType.FULL_BODY: "small within frame",
    ShotType.PRODUCT: "large within frame",
}
_ANGLE_WORDS = {
    CameraAngle.EYE_LEVEL: "eye level",
    CameraAngle.HIGH_ANGLE: "high angle, looking down at the subject",
    CameraAngle.LOW_ANGLE: "low angle, looking up at the subject",
    CameraAngle.OVERHEAD: "overhead, looking straight down",
}


def describe_light(role: Role, light: Light, meter: str) -> str:
    """One light in a photographer's words, e.g. 'key: 90 cm softbox 35° camera-right, …'."""
    size_cm = round(light.size_m * 100)
    modifier = light.modifier.value.replace("_", " ")
    parts = [
        f"{role.value}: {size_cm} cm {modifier}" if role != Role.AMBIENT else "ambient room light",
    ]
    if role != Role.AMBIENT:
        parts.append(light.direction.describe())
        parts.append(f"{light.distance:g} m from the subject")
    kelvin = light.effective_kelvin
    colour = f"{kelvin:.0f} K"
    if light.gel is not None:
        colour += f" ({light.kelvin:.0f} K through a {light.gel.mired_shift:+.0f} mired gel)"
    parts.append(colour)
    if light.modifier.value == "reflector":
        # A passive reflector's intensity is the share of the key it bounces back.
        parts.append(f"returning {light.intensity:.0%} of the light, meters {meter}")
    else:
        parts.append(f"{light.intensity:.0%} power, meters {meter}")
    return ", ".join(parts)


def _lighting(prompt: FiboPrompt, a: Analysis) -> dict[str, str]:
    setup = prompt.scene
    cam = setup.camera
    lights = setup.enabled_lights()
    ratio = a.ratios.key_fill
    if ratio.stops is None:
        ratio_text = "no fill: the shadow side gets no light (unbounded ratio)"
    else:
        ratio_text = (
            f"key:fill {ratio.stops:.1f} stops ({ratio.ratio:.1f}:1, "
            f"(key+fill):fill {ratio.key_plus_fill_to_fill:.1f}:1)"
        )
    fc = a.ratios.face_contrast.stops
    contrast = "unbounded" if fc is None else f"{fc:.1f} stops"
    shutter = f"{cam.shutter_s:g} s" if cam.shutter_s >= 0.5 else f"1/{round(1 / cam.shutter_s)} s"
    conditions = (
        f"studio lighting, {a.pattern.title} pattern, {len(lights)} light"
        f"{'s' if len(lights) != 1 else ''}; {ratio_text}; face contrast "
        f"{contrast}; "
        f"camera white balance {cam.white_balance_k:.0f} K, overall {a.colour.mood} "
        f"({a.colour.face_kelvin:.0f} K on the face); meter readings at ISO {cam.iso}, "
        f"{shutter}, camera at f/{cam.aperture:g}"
    )
    direction = "; ".join(
        describe_light(role, lights[role], a.meter[role].display)
        for role in _ROLE_ORDER
        if role in lights
    )
    turn = setup.subject.head_turn_deg
    if turn:
        side = "left" if turn < 0 else "right"
        direction += f"; the subject's head is turned {abs(turn):g}° towards camera-{side}"
    key = lights.get(a.key_role) if a.key_role else None
    if key is not None:
        edge = shadow_edge(key)
        shadows = (
            f"{edge.quality} key shadows: the nose shadow's edge is {edge.penumbra_mm:.0f} mm wide "
            f"(source subtends {edge.apparent_angle_deg:.0f}°); "
        )
    else:
        shadows = "no directional shadows; "
    if ratio.stops is None:
        shadows += "the shadow side falls to black"
    else:
        shadows += f"the shadow side is {ratio.stops:.1f} stops under the lit side"
    return {"conditions": conditions, "direction": direction, "shadows": shadows}


def _text(value: str | None, fallback: str) -> str:
    """`value` stripped, or `fallback` when blank: FIBO drops empty strings, so a required
    field sent empty would be missing."""
    value = (value or "").strip()
    return value or fallback


def _background(prompt: FiboPrompt, a: Analysis) -> str:
    bg = prompt.scene.background
    level = a.background_stops
    if level >= 1:
        tone = f"brighter than the subject ({level:+.1f} stops), near white"
    elif level <= -3:
        tone = f"falling to near black ({level:+.1f} stops against the face)"
    else:
        tone = f"{level:+.1f} stops against the lit side of the face"
    backdrop = _text(bg.type, "seamless")
    return f"{backdrop} backdrop, colour {bg.color}, {bg.distance_m:g} m behind the subject, {tone}"


def to_bria_structured_prompt(prompt: FiboPrompt) -> dict[str, Any]:
    """BRIA FIBO's structured prompt for a canonical prompt, as a JSON-able dict in FIBO's
    field order (module doc); raises `FiboSchemaError` on a bug in the translation."""
    return to_fibo_prompt(prompt).as_dict()


def to_fibo_prompt(prompt: FiboPrompt) -> FiboStructuredPrompt:
    """BRIA FIBO's structured prompt for a canonical prompt, checked against FIBO's schema
    (module doc); raises `FiboSchemaError` on a bug in the translation."""
    setup = prompt.scene
    a = analyze(setup)
    cam = setup.camera
    subject = setup.subject
    is_product = subject.kind == SubjectKind.PRODUCT
    description = _text(subject.description, "the product" if is_product else "the sitter")
    environment = _text(setup.environment, "photo studio")
    turn = subject.head_turn_deg
    if is_product:
        orientation = "front three-quarter view towards the camera"
    elif turn:
        orientation = f"head turned {abs(turn):g}° towards camera-{'left' if turn < 0 else 'right'}"
    else:
        orientation = "facing the camera"
    obj: dict[str, Any] = {
        "description": description,
        "location": "center",
        "relationship": "the only subject, lit by the studio lights described in lighting",
        "relative_size": _SIZE_WORDS[cam.shot_type],
        "orientation": orientation,
    }
    if not is_product:
        obj["expression"] = "calm, natural"
    intent_style = INTENTS[a.intent.name].label
    style = _text(setup.style, intent_style)
    if cam.aperture <= 2.8:
        dof = f"shallow, f/{cam.aperture:g}: background softly out of focus"
    elif cam.aperture <= 5.6:
        dof = f"moderate, f/{cam.aperture:g}"
    else:
        dof = f"deep, f/{cam.aperture:g}: subject sharp front to back"
    pattern = a.pattern.title
    lens = _text(cam.lens_type, "prime")
    structured = {
        "short_description": (
            f"{description} in a {environment}, {pattern.lower()} lighting, "
            f"{_SHOT_WORDS[cam.shot_type]}, {style}."
        ),
        "objects": [obj],
        "background_setting": _background(prompt, a),
        "lighting": _lighting(prompt, a),
        "aesthetics": {
            "composition": f"{_SHOT_WORDS[cam.shot_type]}, subject centred, "
            f"{prompt.output.aspect_ratio} frame",
            "color_scheme": f"{a.colour.mood} ({a.colour.face_kelvin:.0f} K light on a "
            f"{cam.white_balance_k:.0f} K white balance), backdrop {setup.background.color}",
            "mood_atmosphere": f"{style}; contrast for {intent_style}",
            **QUALITY,
        },
        "photographic_characteristics": {
            "depth_of_field": dof,
            "focus": "sharp focus on the product" if is_product else "sharp focus on the eyes",
            "camera_angle": _ANGLE_WORDS[cam.camera_angle],
            "lens_focal_length": f"{cam.focal_length_mm:.0f} mm {lens} lens "
            f"({cam.fov_deg:.0f}° horizontal field of view, full frame), "
            + (
                f"{cam.distance_m:g} m from the subject"
                if cam.distance_m is not None
                else f"framed for a {cam.shot_type.value.replace('_', ' ')}"
            ),
        },
        "style_medium": "photograph",
        "context": f"studio {'product' if is_product else 'portrait'} photograph; lighting "
        f"rebuilt from a measured setup ({pattern})",
        "artistic_style": "realistic studio photography",
    }
    return FiboStructuredPrompt.check(structured)
