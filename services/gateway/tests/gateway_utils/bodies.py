"""Request bodies the tests send: small factories, each a fresh dict."""

from __future__ import annotations

from typing import Any

from prolight.presets import get_preset


def readme_body(**options: Any) -> dict[str, Any]:
    """The original README's POST /api/generate/lighting-setup body."""
    return {
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
        **options,
    }


def fibo_body(**options: Any) -> dict[str, Any]:
    """A canonical fibo_v1 prompt (the Rembrandt preset) with run options at the top."""
    setup = get_preset("rembrandt").setup.model_dump(mode="json")
    return {
        "schema_version": "fibo_v1",
        "metadata": {"seed": 7, "project": "tests"},
        "scene": setup,
        "output": {"aspect_ratio": "4:5", "resolution": [512, 640]},
        **options,
    }
