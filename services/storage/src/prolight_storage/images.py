"""Pixel work of the storage service: thumbnails and image sizes (Pillow, CPU-bound: call
these through `asyncio.to_thread`)."""

from __future__ import annotations

import io

from PIL import Image

__all__ = ["image_size", "thumbnail"]


def image_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels of an encoded image."""
    with Image.open(io.BytesIO(png)) as im:
        return im.width, im.height


def thumbnail(png: bytes, longest_px: int) -> tuple[bytes, int, int]:
    """A PNG at most `longest_px` pixels on its longest side (aspect kept, never enlarged),
    with its width and height. Deterministic: the same input gives the same bytes."""
    with Image.open(io.BytesIO(png)) as im:
        small = im.convert("RGB")
    small.thumbnail((longest_px, longest_px), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    small.save(buf, format="PNG", optimize=False)
    return buf.getvalue(), small.width, small.height
