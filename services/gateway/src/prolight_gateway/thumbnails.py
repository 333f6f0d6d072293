"""Artifact downloads: strong ETags, `If-None-Match`, and thumbnails made with Pillow.

An artifact's bytes are content addressed, so its ETag is its SHA-256 in quotes and never
changes. A thumbnail's ETag is the same hash plus the size (`"<sha256>-<N>"`): the thumbnail is
a pure function of those two (for one Pillow version). Thumbnails are PNG, longest side exactly
N pixels, aspect ratio kept; the last `CACHE_ENTRIES` made are kept in memory.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from threading import Lock

from PIL import Image, UnidentifiedImageError

__all__ = [
    "CACHE_ENTRIES",
    "MAX_THUMBNAIL_PX",
    "MIN_THUMBNAIL_PX",
    "ThumbnailError",
    "etag",
    "make_thumbnail",
    "matches",
    "thumbnail",
]

MIN_THUMBNAIL_PX = 16
MAX_THUMBNAIL_PX = 1024
CACHE_ENTRIES = 256
_MAX_SOURCE_PIXELS = 64 * 1024 * 1024  # a decompression bomb is refused, not decoded

_cache: OrderedDict[tuple[str, int], bytes] = OrderedDict()
_lock = Lock()


class ThumbnailError(ValueError):
    """Raised when the artifact is not an image Pillow can read."""


def etag(sha256: str, size: int | None = None) -> str:
    """The strong ETag (quoted) of an artifact, or of its thumbnail of `size` pixels."""
    return f'"{sha256}"' if size is None else f'"{sha256}-{size}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether an `If-None-Match` header names `tag` (weak comparison, RFC 9110 §13.1.2)."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == tag:
            return True
    return False


def make_thumbnail(data: bytes, size: int) -> bytes:
    """PNG of the image in `data` scaled so its longest side is `size` pixels."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > _MAX_SOURCE_PIXELS:
                raise ThumbnailError(f"the image is too large to thumbnail ({width}×{height})")
            scale = size / max(width, height)
            target = (max(1, round(width * scale)), max(1, round(height * scale)))
            image.draft("RGB", target)  # JPEG decodes at a reduced scale; others ignore it
            source: Image.Image = image
            if source.mode not in ("RGB", "RGBA", "L", "LA"):
                source = source.convert("RGBA")
            small = source.resize(target, Image.Resampling.LANCZOS)
            out = io.BytesIO()
            small.save(out, format="PNG", optimize=False)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ThumbnailError(f"not an image that can be thumbnailed: {exc}") from exc


def thumbnail(sha256: str, data: bytes, size: int) -> bytes:
    """`make_thumbnail`, remembered by (sha256, size). Safe to call from worker threads."""
    key = (sha256, size)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    made = make_thumbnail(data, size)
    with _lock:
        _cache[key] = made
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return made
