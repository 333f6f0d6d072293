"""Inspire: a setup measured back from the photoreal renders of every preset (the renderer a user
without a BRIA key sees); uploads checked strictly."""

from __future__ import annotations

import io
import math
from functools import cache

import numpy as np
import pytest
from PIL import Image

from prolight.domain.errors import InvalidInput
from prolight.domain.inspire import MAX_IMAGE_BYTES, RATIO_CAP_STOPS, Reading
from prolight.domain.inspire.measuring import measure, read_image
from prolight.domain.photoreal import render, render_with_buffers
from prolight.domain.physics.face import face_light
from prolight.domain.physics.meter import expose_for_key
from prolight.domain.presets import PRESETS
from prolight.domain.render.relief import Material
from prolight.domain.schema import Direction, FiboPrompt, LightingSetup, Role

KEY_TOLERANCE_DEG = 20.0
RATIO_TOLERANCE_STOPS = 0.5


def angle(a: Direction, b: Direction) -> float:
    dot = sum(x * y for x, y in zip(a.vector(), b.vector(), strict=True))
    return math.degrees(math.acos(max(-1.0, min(1.0, dot))))


def contrast(setup: LightingSetup) -> float:
    """The analysis's face contrast in stops (the bottle's label included, with the tabletop
    sweep's bounce: docs/decisions/analysis-light-model.md), capped where an 8-bit image stops
    telling."""
    ratio = face_light(setup).face_contrast
    return RATIO_CAP_STOPS if ratio is None else min(ratio.stops, RATIO_CAP_STOPS)


PORTRAITS = [name for name, p in PRESETS.items() if p.setup.subject.kind == "portrait"]


@cache
def reading_of(name: str) -> Reading:
    """Inspire's reading of the preset's photoreal render."""
    return measure(read_image(render(FiboPrompt(scene=PRESETS[name].setup), 5, 256, 320).png))


@pytest.mark.parametrize("name", list(PRESETS))
def test_inspire_recovers_each_presets_key_direction(name: str) -> None:
    setup = PRESETS[name].setup
    reading = reading_of(name)
    key = setup.lighting[Role.KEY].direction
    assert angle(reading.key_direction, key) <= KEY_TOLERANCE_DEG, reading.fields
    assert reading.setup.subject.kind == setup.subject.kind
    for estimate in reading.fields.values():
        assert 0 <= estimate.confidence <= 1
        assert estimate.how


@pytest.mark.parametrize("name", list(PRESETS))
def test_inspire_recovers_each_presets_ratio(name: str) -> None:
    setup = PRESETS[name].setup
    reading = reading_of(name)
    assert abs(reading.ratio_stops - contrast(setup)) <= RATIO_TOLERANCE_STOPS, reading.fields
    if setup.subject.kind == "portrait":  # the rebuilt setup, as the analysis sees it
        assert abs(contrast(reading.setup) - contrast(setup)) <= RATIO_TOLERANCE_STOPS


def product(key: tuple[float, float] = (-60.0, 30.0), fill: float = 0.3) -> LightingSetup:
    """The product preset with its key moved and its fill's power changed, exposed for the key."""
    data = PRESETS["product_tabletop"].setup.model_dump(mode="json")
    data["lighting"]["key"]["direction"] = {"azimuth": key[0], "elevation": key[1]}
    data["lighting"]["fill"]["intensity"] = fill
    return expose_for_key(LightingSetup.model_validate(data))


@pytest.mark.parametrize(
    ("setup", "width", "height"),
    [
        pytest.param(product(), 512, 640, id="preset-512x640"),
        pytest.param(product(), 160, 200, id="preset-160x200"),
        pytest.param(product(), 640, 480, id="preset-landscape"),
        pytest.param(product((-30.0, 30.0)), 256, 320, id="key-nearer-the-camera"),
        pytest.param(product((45.0, 30.0), fill=0.1), 256, 320, id="key-camera-right-less-fill"),
        pytest.param(product((-75.0, 15.0), fill=0.6), 256, 320, id="key-from-the-side-more-fill"),
    ],
)
def test_a_product_is_read_off_its_matte_label_whatever_the_light_and_size(
    setup: LightingSetup, width: int, height: int
) -> None:
    result = render(FiboPrompt(scene=setup), 5, width, height)
    reading = measure(read_image(result.png))
    key = setup.lighting[Role.KEY].direction
    # A vertical label shows the key's azimuth, not its height (assumed, and said so).
    assert abs(reading.key_direction.azimuth - key.azimuth) <= KEY_TOLERANCE_DEG, reading.fields
    assert abs(reading.ratio_stops - contrast(setup)) <= RATIO_TOLERANCE_STOPS, reading.fields
    assert "shades as matte paper" in reading.fields["ratio_stops"].how
    assert reading.fields["ratio_stops"].confidence >= 0.6


def test_a_bottle_whose_label_does_not_shade_as_paper_gets_a_low_ratio_confidence() -> None:
    result, buffers = render_with_buffers(FiboPrompt(scene=product()), 5, 256, 320)
    pixels = read_image(result.png).copy()
    label = np.flatnonzero(buffers.surfaces.material() == Material.LABEL)
    # A busy print over the label: its luminance no longer follows its normals.
    noise = np.random.default_rng(0).integers(60, 230, (len(label), 1), dtype=np.uint8)
    pixels.reshape(-1, 3)[label] = noise
    reading = measure(pixels)
    assert reading.fields["framing"].value["subject"] == "product"
    assert reading.fields["ratio_stops"].confidence <= 0.1
    assert "unreliable" in reading.fields["ratio_stops"].how
    assert (
        reading.fields["key_direction"].confidence
        < reading_of("product_tabletop").fields["key_direction"].confidence
    )


def test_the_head_turn_is_read_from_the_outline_not_guessed() -> None:
    setup = PRESETS["short"].setup
    reading = measure(read_image(render(FiboPrompt(scene=setup), 1, 256, 320).png))
    assert reading.fields["framing"].value["head_turn_deg"] == setup.subject.head_turn_deg
    assert reading.setup.subject.head_turn_deg == setup.subject.head_turn_deg


def encoded(fmt: str, size: tuple[int, int] = (64, 80)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (120, 110, 100)).save(buf, format=fmt)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_png_jpeg_and_webp_are_read(fmt: str) -> None:
    pixels = read_image(encoded(fmt))
    assert pixels.shape == (80, 64, 3)
    assert pixels.dtype == np.uint8


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(encoded("GIF"), "only PNG, JPEG and WebP", id="gif"),
        pytest.param(encoded("BMP"), "only PNG, JPEG and WebP", id="bmp"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "only PNG", id="svg"),
        pytest.param(b"https://example.com/a.png", "only PNG", id="a-url-is-not-fetched"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "cannot be decoded", id="broken-png"),
        pytest.param(encoded("PNG", (16, 16)), "too small", id="tiny"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_IMAGE_BYTES, "bytes", id="too-large"),
    ],
)
def test_other_uploads_are_refused_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_image(data)
    assert message in str(caught.value)
    assert caught.value.errors[0].field == "image"
