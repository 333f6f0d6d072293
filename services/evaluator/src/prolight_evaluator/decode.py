"""Image bytes → 8-bit RGB pixels, for every path into the evaluator (bus and HTTP alike).

The type is read from the bytes' signature, never from a file name or a Content-Type header:
PNG, JPEG and WebP are accepted, anything else is `UnsupportedImage`. Images over
`MAX_PIXELS` are refused before their pixels are decoded (a small file can declare a huge
canvas). CPU-bound; callers run it in a thread pool (Pillow releases the GIL while decoding).
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from prolight_evaluator.errors import ImageTooLarge, UnreadableImage, UnsupportedImage

__all__ = ["MAX_PIXELS", "MEDIA_TYPES", "decode_rgb", "media_type", "resize_rgb"]

MAX_PIXELS = 40_000_000
"""Largest canvas (width × height) decoded: 40 MP, about 120 MB of RGB."""

MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
"""Pillow format → the media type accepted for it."""


def media_type(data: bytes) -> str:
    """The media type of PNG, JPEG or WebP bytes, read from their signature.

    Raises `UnsupportedImage` for anything else.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise UnsupportedImage("not a PNG, JPEG or WebP image")


def decode_rgb(data: bytes) -> NDArray[np.uint8]:
    """The (height, width, 3) 8-bit RGB pixels of PNG, JPEG or WebP bytes.

    Raises `UnsupportedImage` (another type), `ImageTooLarge` (over `MAX_PIXELS`) or
    `UnreadableImage` (a supported type that does not decode).
    """
    kind = media_type(data)
    try:
        with warnings.catch_warnings():
            # Our own pixel limit is checked below; Pillow's bomb warning would only repeat it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(
                io.BytesIO(data), formats=[k for k, v in MEDIA_TYPES.items() if v == kind]
            ) as im:
                width, height = im.size
                if width * height > MAX_PIXELS:
                    raise ImageTooLarge(
                        f"{width}×{height} pixels is over the {MAX_PIXELS:,} pixel limit"
                    )
                return np.asarray(im.convert("RGB"), dtype=np.uint8)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise UnreadableImage(f"the {kind} image does not decode: {exc}") from exc


def resize_rgb(pixels: NDArray[np.uint8], width: int, height: int) -> NDArray[np.uint8]:
    """`pixels` resampled (Lanczos) to `width` × `height`; the same array when it already is."""
    if pixels.shape[1] == width and pixels.shape[0] == height:
        return pixels
    resized = Image.fromarray(pixels).resize((width, height), Image.Resampling.LANCZOS)
    return np.asarray(resized, dtype=np.uint8)
