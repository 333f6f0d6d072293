"""The studio diagram and the contact sheet: valid images of the right size, bad input."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from prolight.domain.errors import InvalidInput
from prolight.domain.presets import PRESETS
from prolight.domain.render import SheetItem, contact_sheet, diagram, diagram_svg, render
from prolight.domain.schema import FiboPrompt


def _image(png: bytes) -> Image.Image:
    with Image.open(io.BytesIO(png)) as im:
        im.load()
        assert im.format == "PNG"
        return im.copy()


@pytest.mark.parametrize("name", ["rembrandt", "product_tabletop", "rim_lit_dramatic_fashion"])
def test_diagram_is_a_png_of_the_asked_size(name: str) -> None:
    im = _image(diagram(PRESETS[name].setup, size=640))
    assert im.size == (640, 640)
    # Not a blank page: the set is drawn in several colours.
    assert len(im.convert("RGB").getcolors(maxcolors=1 << 16) or []) > 20


def test_diagram_svg_names_every_light_with_its_meter_reading() -> None:
    setup = PRESETS["soft_beauty_portrait"].setup
    svg = diagram_svg(setup)
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    for role in setup.enabled_lights():
        assert role.value.upper() in svg
    assert svg.count("f/") >= len(setup.enabled_lights())


def test_contact_sheet_lays_out_a_grid_with_seeds_and_scores() -> None:
    prompt = FiboPrompt(scene=PRESETS["loop"].setup)
    items = [
        SheetItem(
            png=render(prompt, seed, 64, 80).png, seed=seed, scores={"score": 0.5 + seed / 10}
        )
        for seed in range(3)
    ]
    im = _image(contact_sheet(items, columns=2, cell_width=128))
    cols, rows = 2, 2
    assert im.width == cols * (128 + 12) + 12
    assert im.height > rows * 160


def test_contact_sheet_refuses_nothing_and_non_images() -> None:
    with pytest.raises(InvalidInput, match="at least one"):
        contact_sheet([])
    with pytest.raises(InvalidInput, match=r"items\[0\]\.png"):
        contact_sheet([SheetItem(png=b"not a png", seed=0)])
