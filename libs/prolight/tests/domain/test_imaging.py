"""The one bounded image decoder: formats by signature, byte and pixel limits, named fields."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from prolight.domain.errors import (
    ImageTooLarge,
    InvalidInput,
    UnreadableImage,
    UnsupportedImage,
)
from prolight.domain.imaging import ACCEPTED_FORMATS, decode_rgb, media_type


def encoded(fmt: str, size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", list(ACCEPTED_FORMATS))
def test_accepted_formats_decode_to_rgb(fmt: str) -> None:
    data = encoded(fmt)
    assert media_type(data) == ACCEPTED_FORMATS[fmt]
    pixels = decode_rgb(data)
    assert pixels.shape == (30, 40, 3)
    assert pixels.dtype == np.uint8


@pytest.mark.parametrize(
    ("data", "kwargs", "error", "says"),
    [
        pytest.param(encoded("GIF"), {}, UnsupportedImage, "only PNG", id="gif"),
        pytest.param(b"https://example.com/a.png", {}, UnsupportedImage, "only PNG", id="url"),
        pytest.param(
            b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
            {},
            UnreadableImage,
            "cannot be decoded",
            id="broken-png",
        ),
        pytest.param(encoded("PNG"), {"min_side": 32}, UnreadableImage, "too small", id="tiny"),
        pytest.param(encoded("PNG"), {"max_bytes": 10}, ImageTooLarge, "bytes", id="bytes"),
        pytest.param(
            encoded("PNG"), {"max_pixels": 100}, ImageTooLarge, "pixel limit", id="pixels"
        ),
        pytest.param(
            encoded("PNG", (8000, 8000), "1"),
            {},
            ImageTooLarge,
            "pixel limit",
            id="huge-canvas-small-file",
        ),
    ],
)
def test_refusals_are_invalid_input_of_their_kind_naming_the_field(
    data: bytes, kwargs: dict[str, int], error: type[InvalidInput], says: str
) -> None:
    with pytest.raises(error) as caught:
        decode_rgb(data, "upload", **kwargs)
    assert isinstance(caught.value, InvalidInput)
    assert caught.value.errors[0].field == "upload"
    assert says in str(caught.value)
