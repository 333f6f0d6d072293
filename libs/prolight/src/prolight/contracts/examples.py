"""The original README's example request bodies, as it gives them.

Each is a promise to a client written against that README: the gateway accepts it and the run
reaches `completed` (tests/e2e/test_seed_examples.py), and the CLI sends it as it is. How the
schema reads the parts a reader could take two ways (`fov: 85` beside a lens type, an
intensity of 1.1, `subject.position`) is in `prolight.domain.schema` and in the response's notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["SEED_EXAMPLES", "SeedExample", "seed_example"]

LIGHTING_SETUP = "/api/generate/lighting-setup"
NATURAL_LANGUAGE = "/api/generate/natural-language"


@dataclass(frozen=True)
class SeedExample:
    """One example body and the endpoint it is sent to."""

    name: str
    path: str
    body: dict[str, Any]
    where: str  # the README section it comes from


SEED_EXAMPLES: tuple[SeedExample, ...] = (
    SeedExample(
        "lighting-setup",
        LIGHTING_SETUP,
        {
            "subject_description": "professional model in studio",
            "environment": "minimalist photography studio",
            "lighting_setup": {
                "key": {
                    "direction": "45 degrees camera-right",
                    "intensity": 0.8,
                    "color_temperature": 5600,
                    "softness": 0.5,
                    "distance": 1.5,
                    "enabled": True,
                },
                "fill": {
                    "direction": "30 degrees camera-left",
                    "intensity": 0.4,
                    "color_temperature": 5600,
                    "softness": 0.7,
                    "distance": 2.0,
                    "enabled": True,
                },
            },
            "camera_settings": {
                "shot_type": "medium shot",
                "camera_angle": "eye-level",
                "fov": 85,
                "lens_type": "portrait",
                "aperture": "f/2.8",
            },
        },
        "API Documentation: Generate Image from Lighting Setup",
    ),
    SeedExample(
        "natural-language",
        NATURAL_LANGUAGE,
        {
            "scene_description": "a professional model in a studio",
            "lighting_description": "soft butterfly lighting with warm tones",
            "subject": "fashion model",
            "style_intent": "professional portrait",
        },
        "API Documentation: Natural Language Generation",
    ),
    SeedExample(
        "fibo-json",
        LIGHTING_SETUP,
        {
            "subject": {
                "main_entity": "professional photographer",
                "attributes": ["professional", "focused"],
                "action": "adjusting camera settings",
            },
            "environment": {"setting": "professional studio", "time_of_day": "controlled lighting"},
            "camera": {
                "shot_type": "medium shot",
                "camera_angle": "eye-level",
                "fov": 85,
                "lens_type": "portrait",
            },
            "lighting": {
                "main_light": {
                    "direction": "45 degrees camera-right",
                    "intensity": 0.8,
                    "color_temperature": 5600,
                    "softness": 0.5,
                },
                "fill_light": {
                    "direction": "30 degrees camera-left",
                    "intensity": 0.4,
                    "color_temperature": 5600,
                    "softness": 0.7,
                },
            },
            "style_medium": "photograph",
            "artistic_style": "professional studio photography",
        },
        "FIBO JSON Schema",
    ),
    SeedExample(
        "usage-rembrandt",
        LIGHTING_SETUP,
        {
            "subject_description": "professional portrait subject",
            "environment": "dark studio with gray backdrop",
            "lighting_setup": {
                "key": {
                    "direction": "45 degrees left and above",
                    "intensity": 0.9,
                    "colorTemperature": 5600,
                    "softness": 0.6,
                    "distance": 1.5,
                    "enabled": True,
                },
                "fill": {
                    "direction": "30 degrees right",
                    "intensity": 0.3,
                    "colorTemperature": 4500,
                    "softness": 0.7,
                    "distance": 2.0,
                    "enabled": True,
                },
            },
            "camera_settings": {
                "shot_type": "medium close-up",
                "camera_angle": "eye-level",
                "fov": 85,
                "lens_type": "portrait",
            },
        },
        "Usage Examples: Basic Lighting Setup (classical Rembrandt)",
    ),
    SeedExample(
        "usage-fashion",
        NATURAL_LANGUAGE,
        {
            "scene_description": "a fashion model in a luxury studio",
            "lighting_description": "dramatic high-contrast lighting with strong rim light",
            "subject": "fashion model in evening dress",
            "style_intent": "editorial fashion",
        },
        "Usage Examples: Natural Language Workflow",
    ),
    SeedExample(
        "fibo-v1",
        LIGHTING_SETUP,
        {
            "schema_version": "fibo_v1",
            "metadata": {
                "project": "campaign-123",
                "seed": 12345,
                "creator": "user_abc",
                "locked_fields": ["camera", "composition"],
            },
            "scene": {
                "subject": {
                    "description": "silver table lamp",
                    "position": {"x": 0, "y": 0, "z": 0},
                },
                "background": {"type": "seamless", "color": "#ffffff"},
                "camera": {"fov": 85, "aperture": "f/4", "distance": 1.2, "angle": "eye-level"},
                "lighting": {
                    "key": {
                        "type": "directional",
                        "intensity": 1.1,
                        "kelvin": 5600,
                        "direction": [0.5, -0.2, 1.0],
                        "softness": 0.2,
                    },
                    "fill": {
                        "type": "softbox",
                        "intensity": 0.5,
                        "kelvin": 5600,
                        "direction": [-0.3, 0.2, 0.5],
                        "softness": 0.7,
                    },
                    "rim": {"type": "hairlight", "intensity": 0.4, "direction": [0, 0.6, -0.5]},
                },
            },
            "output": {"aspect_ratio": "4:5", "resolution": [2048, 2560], "format": "png"},
        },
        "Data models & FIBO schemas: Canonical FIBO lighting prompt",
    ),
)
"""Every example body of the original README, in its order."""


def seed_example(name: str) -> SeedExample:
    """The example called `name` (KeyError if there is none)."""
    for example in SEED_EXAMPLES:
        if example.name == name:
            return example
    raise KeyError(name)
