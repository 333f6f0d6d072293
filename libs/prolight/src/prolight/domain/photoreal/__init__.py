"""The photoreal renderer: a MakeHuman sitter (or the product bottle) under true area lights,
rendered by Mitsuba 3 in two qualities (draft and final) from one scene.

`render(prompt, seed, width, height)` renders in `prompt.output.quality`; `model_name(quality)`
names it in prompt-cache keys. Importing this package starts Mitsuba (`engine.py`).
"""

from prolight.domain.photoreal.renderer import (
    QUALITIES,
    Buffers,
    Quality,
    Surfaces,
    model_name,
    render,
    render_with_buffers,
    surfaces,
)

__all__ = [
    "QUALITIES",
    "Buffers",
    "Quality",
    "Surfaces",
    "model_name",
    "render",
    "render_with_buffers",
    "surfaces",
]
