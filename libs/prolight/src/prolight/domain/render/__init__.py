"""The local preview renderer, lighting diagrams and contact sheets.

`render(prompt, seed, width, height)` draws a lighting setup physically (see `renderer.py`);
`diagram(setup)` / `diagram_svg(setup)` draw the top-down studio plan; `contact_sheet(items)`
lays candidates out in a grid. None of them needs a GPU or torch.
"""

from prolight.domain.render.contact_sheet import SheetItem, contact_sheet
from prolight.domain.render.diagram import diagram, diagram_svg
from prolight.domain.render.renderer import (
    MAX_SIDE,
    MIN_SIDE,
    RenderReport,
    RenderResult,
    RenderTimings,
    render,
)

__all__ = [
    "MAX_SIDE",
    "MIN_SIDE",
    "RenderReport",
    "RenderResult",
    "RenderTimings",
    "SheetItem",
    "contact_sheet",
    "diagram",
    "diagram_svg",
    "render",
]
