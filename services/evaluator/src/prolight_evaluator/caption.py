"""The short text CLIP compares an image with, derived from the structured prompt.

CLIP reads at most 77 tokens and knows photographs, not light meters, so the caption names
what a picture shows: the shot, the subject, the lighting pattern (from `prolight.domain.analysis`),
the style, the backdrop and the place — e.g. "a photo, headshot, head and shoulders: portrait
subject, Rembrandt lighting, moody portrait, #3a3a3a seamless background, photo studio".
Deterministic: the same setup always gives the same caption (the text embedding is cached on it).
"""

from __future__ import annotations

from functools import lru_cache

from prolight.domain.analysis import analyze
from prolight.domain.schema import LightingSetup

__all__ = ["caption"]

_SHOT_WORDS = {
    "headshot": "headshot, head and shoulders",
    "close_up": "close-up of the face",
    "medium_close_up": "medium close-up",
    "medium_shot": "medium shot",
    "three_quarter": "three-quarter shot",
    "full_body": "full-length shot",
    "product": "product shot",
}


def caption(setup: LightingSetup) -> str:
    """The caption of `setup` (module doc)."""
    return _caption(setup.model_dump_json())


@lru_cache(maxsize=256)
def _caption(setup_json: str) -> str:
    setup = LightingSetup.model_validate_json(setup_json)
    shot = setup.camera.shot_type.value
    parts = [
        f"a photo, {_SHOT_WORDS.get(shot, shot.replace('_', ' '))}: {setup.subject.description}",
        f"{analyze(setup).pattern.title} lighting",
    ]
    if setup.style:
        parts.append(setup.style)
    parts.append(f"{setup.background.color} {setup.background.type} background")
    parts.append(setup.environment)
    return ", ".join(parts)
