"""Decoding by signature: PNG, JPEG, WebP in; everything else out, with the right error."""

from __future__ import annotations

import numpy as np
import pytest
from evaluator_testkit import noise, png

from prolight_evaluator.decode import decode_rgb, media_type, resize_rgb
from prolight_evaluator.errors import ImageTooLarge, UnreadableImage, UnsupportedImage


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [
        pytest.param("PNG", "image/png", id="png"),
        pytest.param("JPEG", "image/jpeg", id="jpeg"),
        pytest.param("WEBP", "image/webp", id="webp"),
    ],
)
def test_accepted_types_decode_to_rgb(fmt: str, kind: str) -> None:
    data = png(noise(20, 16, seed=1), fmt)
    assert media_type(data) == kind
    pixels = decode_rgb(data)
    assert pixels.shape == (20, 16, 3)
    assert pixels.dtype == np.uint8


def test_png_decodes_losslessly() -> None:
    pixels = noise(12, 10, seed=2)
    assert np.array_equal(decode_rgb(png(pixels)), pixels)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(png(noise(8, 8, seed=3), "GIF"), id="gif"),
        pytest.param(png(noise(8, 8, seed=3), "BMP"), id="bmp"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="svg"),
        pytest.param(b"", id="empty"),
    ],
)
def test_other_types_are_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedImage):
        decode_rgb(data)


def test_a_truncated_png_is_unreadable() -> None:
    data = png(noise(64, 64, seed=4))
    with pytest.raises(UnreadableImage):
        decode_rgb(data[: len(data) // 2])


def test_a_huge_canvas_is_refused_before_decoding() -> None:
    # A 1-bit 8000×8000 PNG of zeros is a few kB but declares 64 MP.
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, format="PNG")
    with pytest.raises(ImageTooLarge, match="pixel limit"):
        decode_rgb(out.getvalue())


def test_resize_keeps_an_image_of_the_right_size_as_is() -> None:
    pixels = noise(10, 12, seed=5)
    assert resize_rgb(pixels, 12, 10) is pixels
    assert resize_rgb(pixels, 6, 5).shape == (5, 6, 3)
