"""Image bytes → 8-bit RGB pixels, for every path into the evaluator (bus and HTTP alike).

The checks and the decoding are `prolight.domain.imaging` (the one bounded decoder, shared
with Inspire): PNG, JPEG and WebP by signature, at most `MAX_IMAGE_PIXELS` pixels, checked
before the pixels are decoded. Here its refusals become the evaluator's errors, which carry
the HTTP answer (415, 413, 422). CPU-bound; callers run it in a thread pool (Pillow releases
the GIL while decoding).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from prolight.domain import errors as domain
from prolight.domain import imaging
from prolight_evaluator.errors import ImageTooLarge, UnreadableImage, UnsupportedImage

__all__ = ["decode_rgb", "media_type", "resize_rgb"]


@contextmanager
def _as_evaluator_errors() -> Iterator[None]:
    try:
        yield
    except domain.UnsupportedImage as exc:
        raise UnsupportedImage(exc.errors[0].message) from exc
    except domain.ImageTooLarge as exc:
        raise ImageTooLarge(exc.errors[0].message) from exc
    except domain.UnreadableImage as exc:
        raise UnreadableImage(exc.errors[0].message) from exc


def media_type(data: bytes) -> str:
    """The media type of PNG, JPEG or WebP bytes, read from their signature.

    Raises `UnsupportedImage` for anything else.
    """
    with _as_evaluator_errors():
        return imaging.media_type(data)


def decode_rgb(data: bytes) -> NDArray[np.uint8]:
    """The (height, width, 3) 8-bit RGB pixels of PNG, JPEG or WebP bytes.

    Raises `UnsupportedImage` (another type), `ImageTooLarge` (over
    `imaging.MAX_IMAGE_PIXELS`) or `UnreadableImage` (a supported type that does not decode).
    """
    with _as_evaluator_errors():
        return imaging.decode_rgb(data)


def resize_rgb(pixels: NDArray[np.uint8], width: int, height: int) -> NDArray[np.uint8]:
    """`pixels` resampled (Lanczos) to `width` × `height`; the same array when it already is."""
    if pixels.shape[1] == width and pixels.shape[0] == height:
        return pixels
    resized = Image.fromarray(pixels).resize((width, height), Image.Resampling.LANCZOS)
    return np.asarray(resized, dtype=np.uint8)
