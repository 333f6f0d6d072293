"""Named studio lighting setups, with geometry from the standard portrait patterns.

Angles follow the schema's convention (`prolight.domain.schema.direction`): azimuth 0° on the camera
axis, positive camera-right; elevation positive above eye level. Distances in metres, colour
temperature in kelvin, intensity as a fraction of full power.

Pattern geometry (see docs/architecture.md, "Lighting domain"):

- butterfly (paramount): key on the face axis, 25–70° up — a small shadow under the nose;
- clamshell: key on the axis 45° up, a fill on the axis 45° down, 1–2 stops under;
- loop: key 20–50° to the side, 25–60° up — the nose shadow loops down the cheek;
- Rembrandt: key ~45° to the side, ~45° up — a lit triangle on the shadow cheek;
- split: key 90° to the side — half the face lit;
- rim / kicker: behind the subject, opposite the key;
- high-key: ~1:1–2:1 with a lit, light backdrop; low-key: 8:1 or more (3+ stops), dark backdrop.

Broad and short lighting depend on which cheek is lit *relative to the head turn*
(`Subject.head_turn_deg`, negative towards camera-left); the key's azimuth stays in camera
terms. The side of the face towards
the camera (the near, *broad* side) is then the side opposite the turn; the side the face
turns to is the far, *short* side. Short lighting puts the key past the face's axis on the side
the face turns to (it lights the far cheek); broad lighting puts it on the camera side of the
face (it lights the near cheek). Both presets turn the head 30° towards camera-left: short has
its key at 60° camera-left (30° past the face axis), broad at 35° camera-right (65° off the face
axis on the near side). The difference is measurable from the setup alone: the key's azimuth
minus the head turn has the opposite sign to the turn for broad, the same sign for short.

Every preset's camera aperture is the key's incident reading at ISO 100 and 1/125 s rounded to
the nearest third of a stop, so each preset is exposed for its key.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict

from prolight.domain.errors import InvalidInput
from prolight.domain.physics.meter import expose_for_key
from prolight.domain.schema import LightingSetup

__all__ = [
    "PRESETS",
    "Preset",
    "get_preset",
    "normalise_preset_name",
]


class Preset(BaseModel):
    """A named setup: `name` (snake_case key), `title`, a one-line `description`, the `setup`."""

    model_config = ConfigDict(frozen=True)

    name: str
    title: str
    description: str
    setup: LightingSetup


def _exposed(setup: dict[str, Any]) -> LightingSetup:
    """Validate a setup and set its aperture to the key's reading (nearest third stop)."""
    return expose_for_key(LightingSetup.model_validate(setup))


def _light(
    azimuth: float,
    elevation: float,
    intensity: float,
    modifier: str,
    distance: float,
    kelvin: float = 5600,
    softness: float | None = None,
) -> dict[str, Any]:
    soft = {"bare": 0.1, "grid": 0.1, "snoot": 0.05, "fresnel": 0.15, "beauty_dish": 0.4,
            "stripbox": 0.6, "softbox": 0.65, "umbrella": 0.7, "reflector": 0.8,
            "octabox": 0.85}  # fmt: skip
    return {
        "intensity": intensity,
        "kelvin": kelvin,
        "softness": soft.get(modifier, 0.5) if softness is None else softness,
        "distance": distance,
        "direction": {"azimuth": azimuth, "elevation": elevation},
        "modifier": modifier,
    }


_PORTRAIT_CAMERA = {"shot_type": "headshot", "focal_length_mm": 85, "lens_type": "portrait"}
_TURNED_LEFT = {"description": "portrait subject, head turned to camera-left", "head_turn_deg": -30}

_DEFINITIONS: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "butterfly",
        "Butterfly (Paramount)",
        "Beauty dish on the face axis 45° up: a small butterfly shadow under the nose, "
        "sculpted cheekbones.",
        {
            "lighting": {
                "key": _light(0, 45, 0.6, "beauty_dish", 1.2),
                "background": _light(0, 10, 0.06, "bare", 1.5),
            },
            "camera": _PORTRAIT_CAMERA,
            "background": {"color": "grey", "distance_m": 1.5},
            "style": "glamour portrait",
        },
    ),
    (
        "clamshell",
        "Clamshell",
        "Beauty dish 45° above the face axis with a softbox 45° below it 1.5 stops under, "
        "white backdrop: even, wrinkle-hiding beauty light.",
        {
            "lighting": {
                "key": _light(0, 45, 0.6, "beauty_dish", 1.2),
                "fill": _light(0, -45, 0.35, "softbox", 1.2),
                "background": _light(0, 10, 0.4, "softbox", 1.5),
            },
            "camera": _PORTRAIT_CAMERA,
            "background": {"color": "white", "distance_m": 1.5},
            "style": "beauty",
        },
    ),
    (
        "loop",
        "Loop",
        "Softbox 35° camera-right and 35° up, fill 2 stops under: the nose shadow loops "
        "down towards the corner of the mouth.",
        {
            "lighting": {
                "key": _light(35, 35, 0.7, "softbox", 1.4),
                "fill": _light(-40, 0, 0.24, "umbrella", 2.0),
                "background": _light(0, 10, 0.1, "bare", 1.5),
            },
            "camera": _PORTRAIT_CAMERA,
            "background": {"color": "grey", "distance_m": 1.5},
            "style": "classic portrait",
        },
    ),
    (
        "rembrandt",
        "Rembrandt",
        "Softbox 50° camera-right and 45° up, a weak reflector fill: a lit triangle under "
        "the eye on the shadow cheek.",
        {
            "lighting": {
                "key": _light(50, 45, 0.7, "softbox", 1.4),
                "fill": _light(-45, 0, 0.09, "reflector", 1.2),
            },
            "camera": _PORTRAIT_CAMERA,
            "background": {"color": "dark grey", "distance_m": 1.5},
            "style": "moody portrait",
        },
    ),
    (
        "split",
        "Split",
        "Hard light 90° camera-right at eye level: exactly half the face lit, the other "
        "half in shadow.",
        {
            "lighting": {"key": _light(90, 5, 0.5, "bare", 2.0)},
            "camera": _PORTRAIT_CAMERA,
            "background": {"color": "dark grey", "distance_m": 1.5},
            "style": "dramatic",
        },
    ),
    (
        "broad",
        "Broad",
        "Head turned 30° camera-left, softbox 35° camera-right: the near, broad side of the "
        "face is lit (widens a narrow face).",
        {
            "lighting": {
                "key": _light(35, 30, 0.7, "softbox", 1.4),
                "fill": _light(-40, 0, 0.22, "reflector", 1.0),
            },
            "camera": _PORTRAIT_CAMERA,
            "subject": _TURNED_LEFT,
            "background": {"color": "grey", "distance_m": 1.5},
            "style": "classic portrait",
        },
    ),
    (
        "short",
        "Short",
        "Head turned 30° camera-left, softbox 60° camera-left: the far, short side of the "
        "face is lit (slims the face).",
        {
            "lighting": {
                "key": _light(-60, 30, 0.7, "softbox", 1.4),
                "fill": _light(40, 0, 0.11, "reflector", 1.0),
            },
            "camera": _PORTRAIT_CAMERA,
            "subject": _TURNED_LEFT,
            "background": {"color": "dark grey", "distance_m": 1.5},
            "style": "classic portrait",
        },
    ),
    (
        "rim_lit_dramatic_fashion",
        "Rim-lit dramatic fashion",
        "Beauty dish 35° camera-left, two stripbox rims behind on both sides, no fill, "
        "dark backdrop: hard contrast with bright edges.",
        {
            "lighting": {
                "key": _light(-35, 30, 0.6, "beauty_dish", 1.3),
                "rim": _light(140, 20, 0.7, "stripbox", 1.5),
                "kicker": _light(-145, 15, 0.5, "stripbox", 1.5),
            },
            "camera": {
                "shot_type": "medium_close_up",
                "focal_length_mm": 85,
                "lens_type": "portrait",
            },
            "background": {"color": "charcoal", "distance_m": 2.0},
            "style": "dramatic fashion",
        },
    ),
    (
        "soft_beauty_portrait",
        "Soft beauty portrait",
        "Large octabox close, 15° camera-right and 20° up, soft fill 1 stop under and a hair "
        "light: flattering, low-contrast skin.",
        {
            "lighting": {
                "key": _light(15, 20, 0.5, "octabox", 1.0),
                "fill": _light(-35, 0, 0.3, "softbox", 1.3),
                "hair": _light(180, 60, 0.25, "stripbox", 1.2),
                "background": _light(0, 10, 0.2, "softbox", 1.5),
            },
            "camera": _PORTRAIT_CAMERA,
            "background": {"color": "light grey", "distance_m": 1.5},
            "style": "soft beauty",
        },
    ),
    (
        "high_key",
        "High-key",
        "Octabox 20° camera-right with an umbrella fill under 1 stop and a white backdrop "
        "lit a stop over the face: bright and airy.",
        {
            "lighting": {
                "key": _light(20, 25, 0.6, "octabox", 1.3),
                "fill": _light(-30, 5, 0.35, "umbrella", 1.6),
                "background": _light(0, 0, 0.8, "umbrella", 1.2),
            },
            "camera": _PORTRAIT_CAMERA,
            "background": {"color": "white", "distance_m": 2.0},
            "style": "high-key",
        },
    ),
    (
        "low_key",
        "Low-key",
        "Gridded light 60° camera-left and 30° up, no fill, unlit black backdrop: more "
        "than 3 stops of contrast, the face carved out of darkness.",
        {
            "lighting": {"key": _light(-60, 30, 0.4, "grid", 1.5)},
            "camera": _PORTRAIT_CAMERA,
            "background": {"color": "black", "distance_m": 2.5},
            "style": "low-key dramatic",
        },
    ),
    (
        "product_tabletop",
        "Product tabletop",
        "Stripbox 60° camera-left, top softbox fill, stripbox edge light behind right and a "
        "lit white sweep: clean product shot.",
        {
            "lighting": {
                "key": _light(-60, 30, 0.5, "stripbox", 1.0),
                "fill": _light(0, 70, 0.3, "softbox", 1.2),
                "rim": _light(130, 20, 0.4, "stripbox", 1.0),
                "background": _light(0, 0, 0.4, "softbox", 1.0),
            },
            "camera": {"shot_type": "product", "focal_length_mm": 100, "lens_type": "macro"},
            "subject": {"description": "product on a tabletop", "kind": "product"},
            "background": {"color": "white", "distance_m": 1.0},
            "environment": "tabletop studio",
            "style": "clean commercial product",
        },
    ),
]

PRESETS: dict[str, Preset] = {
    name: Preset(name=name, title=title, description=description, setup=_exposed(setup))
    for name, title, description, setup in _DEFINITIONS
}
"""Every preset, by snake_case name."""

# fmt: off
_ALIASES = {"paramount": "butterfly", "rim_lit": "rim_lit_dramatic_fashion",
            "dramatic_fashion": "rim_lit_dramatic_fashion", "soft_beauty": "soft_beauty_portrait",
            "beauty": "soft_beauty_portrait", "highkey": "high_key", "lowkey": "low_key",
            "product": "product_tabletop", "tabletop": "product_tabletop",
            "clam_shell": "clamshell", "broad_lighting": "broad", "short_lighting": "short"}
# fmt: on


def normalise_preset_name(name: str) -> str:
    """'Rim-lit dramatic fashion', 'High Key', 'paramount' → the snake_case key (not checked)."""
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    key = re.sub(r"_(lighting|light|pattern|preset)$", "", key) or key
    return _ALIASES.get(key, key)


def get_preset(name: str) -> Preset:
    """The preset called `name` (any case, spaces or hyphens); InvalidInput on field 'preset'."""
    key = normalise_preset_name(name)
    if key not in PRESETS:
        raise InvalidInput.single(
            "preset", f"unknown preset {name!r}; available: {', '.join(PRESETS)}"
        )
    return PRESETS[key]
