"""Our canonical `fibo_v1` prompt → BRIA FIBO's own structured prompt.

FIBO's schema (Bria-AI/FIBO, `ImageAnalysis`) keeps lighting and camera as free text:
`lighting{conditions, direction, shadows}`, `photographic_characteristics{depth_of_field, focus,
camera_angle, lens_focal_length}`. So the text written here is the whole hand-over: it must let
a photographer rebuild the set — pattern name, every light's angles in words, modifier and
size, distance, kelvin, power and meter reading, the ratio in stops, and the shadow edge.

Deterministic: the same prompt gives the same dict (and the same `json.dumps(..., sort_keys=True)`),
lights in the fixed role order key, fill, rim, hair, kicker, background, ambient, numbers with
fixed precision. No network, no clock, no randomness.
"""

from __future__ import annotations

from typing import Any

from prolight.analysis import INTENTS, Analysis, analyze
from prolight.physics.softness import shadow_edge
from prolight.schema import CameraAngle, FiboPrompt, Light, Role, ShotType, SubjectKind

__all__ = ["describe_light", "to_bria_structured_prompt"]

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


def _background(prompt: FiboPrompt, a: Analysis) -> str:
    bg = prompt.scene.background
    level = a.background_stops
    if level >= 1:
        tone = f"brighter than the subject ({level:+.1f} stops), near white"
    elif level <= -3:
        tone = f"falling to near black ({level:+.1f} stops against the face)"
    else:
        tone = f"{level:+.1f} stops against the lit side of the face"
    return f"{bg.type} backdrop, colour {bg.color}, {bg.distance_m:g} m behind the subject, {tone}"


def to_bria_structured_prompt(prompt: FiboPrompt) -> dict[str, Any]:
    """BRIA FIBO's structured prompt (a JSON-able dict) for a canonical prompt (see module doc)."""
    setup = prompt.scene
    a = analyze(setup)
    cam = setup.camera
    subject = setup.subject
    is_product = subject.kind == SubjectKind.PRODUCT
    turn = subject.head_turn_deg
    if is_product:
        orientation = "front three-quarter view towards the camera"
    elif turn:
        orientation = f"head turned {abs(turn):g}° towards camera-{'left' if turn < 0 else 'right'}"
    else:
        orientation = "facing the camera"
    obj: dict[str, Any] = {
        "description": subject.description,
        "location": "center",
        "relationship": "the only subject, lit by the studio lights described in lighting",
        "relative_size": _SIZE_WORDS[cam.shot_type],
        "orientation": orientation,
    }
    if not is_product:
        obj["expression"] = "calm, natural"
    style = setup.style or INTENTS[a.intent.name][3]
    if cam.aperture <= 2.8:
        dof = f"shallow, f/{cam.aperture:g}: background softly out of focus"
    elif cam.aperture <= 5.6:
        dof = f"moderate, f/{cam.aperture:g}"
    else:
        dof = f"deep, f/{cam.aperture:g}: subject sharp front to back"
    pattern = a.pattern.title
    return {
        "short_description": (
            f"{subject.description} in a {setup.environment}, {pattern.lower()} lighting, "
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
            "mood_atmosphere": f"{style}; contrast for {INTENTS[a.intent.name][3]}",
        },
        "photographic_characteristics": {
            "depth_of_field": dof,
            "focus": "sharp focus on the product" if is_product else "sharp focus on the eyes",
            "camera_angle": _ANGLE_WORDS[cam.camera_angle],
            "lens_focal_length": f"{cam.focal_length_mm:.0f} mm {cam.lens_type} lens "
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
        "artistic_style": "studio photography",
    }
