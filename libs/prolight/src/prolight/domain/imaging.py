"""Image bytes → 8-bit RGB pixels: the one bounded decoder of every image a user sends.

The type is read from the bytes' signature, never from a file name or a Content-Type header:
PNG, JPEG and WebP are accepted (`ACCEPTED_FORMATS`). The byte limit is checked before
anything is parsed and the pixel limit before the pixels are decoded (a small file can declare
a huge canvas). Nothing is ever fetched from a URL. Each refusal is an `InvalidInput` naming
the field, of one of three kinds (`prolight.domain.errors`) so that a service can answer each
its own way: `UnsupportedImage`, `ImageTooLarge`, `UnreadableImage`.

CPU-bound: callers on an event loop run `decode_rgb` in a thread (Pillow releases the GIL).
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from prolight.domain.errors import ImageTooLarge, UnreadableImage, UnsupportedImage

__all__ = ["ACCEPTED_FORMATS", "MAX_IMAGE_PIXELS", "decode_rgb", "media_type"]

ACCEPTED_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
"""Image formats accepted (Pillow's names), with their media types."""

MAX_IMAGE_PIXELS = 40_000_000
"""Largest canvas decoded, in pixels (width × height): 40 MP, about 120 MB of RGB."""


def _format(data: bytes) -> str | None:
    """Pillow's name for the format the signature of `data` shows, None for any other."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _accepted_format(data: bytes, field: str) -> str:
    kind = _format(data)
    if kind is None:
        raise UnsupportedImage.single(field, "only PNG, JPEG and WebP images are accepted")
    return kind


def media_type(data: bytes, field: str = "image") -> str:
    """The media type of PNG, JPEG or WebP bytes, read from their signature.

    Raises `UnsupportedImage` (naming `field`) for anything else.
    """
    return ACCEPTED_FORMATS[_accepted_format(data, field)]


def decode_rgb(
    data: bytes,
    field: str = "image",
    *,
    max_bytes: int | None = None,
    max_pixels: int = MAX_IMAGE_PIXELS,
    min_side: int = 1,
) -> NDArray[np.uint8]:
    """The (height, width, 3) 8-bit RGB pixels of PNG, JPEG or WebP `data`.

    Raises, naming `field`: `ImageTooLarge` for more than `max_bytes` bytes (None: no byte
    limit) or more than `max_pixels` pixels; `UnsupportedImage` for another format;
    `UnreadableImage` for bytes that do not decode or a side shorter than `min_side` pixels.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise ImageTooLarge.single(
            field, f"the image is {len(data)} bytes; at most {max_bytes} are accepted"
        )
    kind = _accepted_format(data, field)
    try:
        with warnings.catch_warnings():
            # Our own pixel limit is checked below; Pillow's bomb warning would only repeat it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as im:
                width, height = im.size
                if width * height > max_pixels:
                    raise ImageTooLarge.single(
                        field,
                        f"the image is {width}×{height} pixels, over the {max_pixels:,} pixel "
                        "limit",
                    )
                if min(width, height) < min_side:
                    raise UnreadableImage.single(
                        field, f"the image is {width}×{height} pixels; too small to read"
                    )
                return np.asarray(im.convert("RGB"), dtype=np.uint8)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        if isinstance(exc, ImageTooLarge | UnreadableImage):  # ours: InvalidInput is a ValueError
            raise
        raise UnreadableImage.single(field, f"the image cannot be decoded as {kind}") from exc
