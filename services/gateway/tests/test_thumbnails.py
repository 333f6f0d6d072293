"""ETag matching and thumbnails (pure functions)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from prolight_gateway.thumbnails import ThumbnailError, etag, make_thumbnail, matches

TAG = etag("ab" * 32)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(None, False, id="absent"),
        pytest.param(TAG, True, id="exact"),
        pytest.param(f'"other", {TAG}', True, id="in-a-list"),
        pytest.param(f"W/{TAG}", True, id="weak-form"),
        pytest.param("*", True, id="any"),
        pytest.param('"other"', False, id="different"),
    ],
)
def test_if_none_match(header: str | None, expected: bool) -> None:
    assert matches(header, TAG) is expected


@pytest.mark.parametrize(("size", "shape"), [(100, (100, 50)), (16, (16, 8)), (400, (400, 200))])
def test_longest_side_is_the_size(size: int, shape: tuple[int, int]) -> None:
    out = io.BytesIO()
    Image.new("RGB", (200, 100)).save(out, format="PNG")
    with Image.open(io.BytesIO(make_thumbnail(out.getvalue(), size))) as thumb:
        assert thumb.size == shape


def test_not_an_image() -> None:
    with pytest.raises(ThumbnailError):
        make_thumbnail(b"not an image", 64)
