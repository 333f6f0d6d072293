"""Both local renderers, the mannequin and the photoreal one, refuse what they cannot draw
with a clear error: a size outside the documented range, a bad seed, a set the schema would
have refused at the door (changed without validation), never a black image."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from prolight.domain import photoreal, render
from prolight.domain.errors import InvalidInput, RenderError
from prolight.domain.presets import PRESETS
from prolight.domain.render import MAX_SIDE, RenderResult
from prolight.domain.schema import FiboPrompt, LightingSetup
from prolight_testing.setups import unchecked

Renderer = Callable[[FiboPrompt, int, int, int], RenderResult]

RENDERERS = [
    pytest.param(render.render, id="mannequin"),
    pytest.param(photoreal.render, id="photoreal"),
]

LOOP = PRESETS["loop"].setup


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize(
    ("width", "height"),
    [
        pytest.param(MAX_SIDE + 1, 640, id="too-wide"),
        pytest.param(512, 10, id="too-small"),
        pytest.param(0, 0, id="zero"),
    ],
)
def test_sizes_outside_the_documented_range_are_invalid_input(
    renderer: Renderer, width: int, height: int
) -> None:
    with pytest.raises(InvalidInput, match="pixels"):
        renderer(FiboPrompt(scene=LOOP), 0, width, height)


@pytest.mark.parametrize("renderer", RENDERERS)
def test_a_negative_seed_is_invalid_input(renderer: Renderer) -> None:
    with pytest.raises(InvalidInput, match="seed"):
        renderer(FiboPrompt(scene=LOOP), -1, 128, 160)


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize(
    ("setup", "message"),
    [
        pytest.param(
            unchecked(
                LOOP, key={"intensity": 0.0}, fill={"intensity": 0.0}, background={"intensity": 0.0}
            ),
            "no light reaches",
            id="no-light",
        ),
        pytest.param(
            LOOP.model_copy(
                update={"background": LOOP.background.model_copy(update={"distance_m": 0.25})}
            ),
            "cut through",
            id="backdrop-in-subject",
        ),
        pytest.param(unchecked(LOOP, key={"distance": 0.1}), "inside", id="light-in-head"),
    ],
)
def test_sets_it_cannot_draw_raise_render_error(
    renderer: Renderer, setup: LightingSetup, message: str
) -> None:
    # The schema refuses each of these at the door (tests/schema/test_seed_reading.py); a setup
    # changed without validation still never renders wrong.
    with pytest.raises(RenderError, match=message):
        renderer(FiboPrompt(scene=setup), 0, 128, 160)
