"""GET /api/artifacts/{artifact_id}: bytes, strong ETag, 304, thumbnails."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from prolight.platform.store import ArtifactRecord

pytestmark = pytest.mark.integration


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


async def _register(gateway: Any, data: bytes, content_type: str, artifact_id: str) -> str:
    info = await gateway.resources.blobs.put(data, content_type)
    await gateway.resources.store.put_artifact(
        ArtifactRecord(
            artifact_id=artifact_id,
            run_id="run_art",
            sha256=info.key,
            url=info.url,
            content_type=content_type,
            size_bytes=len(data),
            kind="image" if content_type.startswith("image/") else "bundle",
        )
    )
    return info.key


async def test_bytes_with_content_type_and_strong_etag(gateway: Any) -> None:
    data = _png(300, 200)
    sha = await _register(gateway, data, "image/png", "art_1")

    r = await gateway.client.get("/api/artifacts/art_1")

    assert r.status_code == 200
    assert r.content == data
    assert r.headers["content-type"] == "image/png"
    assert r.headers["etag"] == f'"{sha}"'

    again = await gateway.client.get("/api/artifacts/art_1", headers={"If-None-Match": f'"{sha}"'})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == f'"{sha}"'

    other = await gateway.client.get("/api/artifacts/art_1", headers={"If-None-Match": '"nope"'})
    assert other.status_code == 200


async def test_thumbnail_longest_side_and_its_own_etag(gateway: Any) -> None:
    sha = await _register(gateway, _png(300, 200), "image/png", "art_2")

    r = await gateway.client.get("/api/artifacts/art_2", params={"size": 64})

    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.headers["etag"] == f'"{sha}-64"'
    with Image.open(io.BytesIO(r.content)) as thumb:
        assert thumb.size == (64, 43)
    cached = await gateway.client.get(
        "/api/artifacts/art_2", params={"size": 64}, headers={"If-None-Match": f'W/"{sha}-64"'}
    )
    assert cached.status_code == 304


@pytest.mark.parametrize(
    "size", [pytest.param(8, id="too-small"), pytest.param(4096, id="too-big")]
)
async def test_thumbnail_size_out_of_range_is_422(gateway: Any, size: int) -> None:
    await _register(gateway, _png(32, 32), "image/png", "art_3")
    r = await gateway.client.get("/api/artifacts/art_3", params={"size": size})
    assert r.status_code == 422
    assert r.json()["field"] == "size"


async def test_thumbnail_of_a_non_image_is_422(gateway: Any) -> None:
    await _register(gateway, b"PK\x03\x04 zip", "application/zip", "art_zip")
    r = await gateway.client.get("/api/artifacts/art_zip", params={"size": 64})
    assert r.status_code == 422
    assert r.json()["field"] == "size"
    plain = await gateway.client.get("/api/artifacts/art_zip")
    assert plain.headers["content-type"] == "application/zip"


async def test_unknown_artifact_is_404(gateway: Any) -> None:
    r = await gateway.client.get("/api/artifacts/art_missing")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


async def test_artifact_whose_bytes_are_gone_is_404(gateway: Any) -> None:
    await gateway.resources.store.put_artifact(
        ArtifactRecord(
            artifact_id="art_lost", run_id="run_art", sha256="cd" * 32, url="x", size_bytes=1
        )
    )
    r = await gateway.client.get("/api/artifacts/art_lost")
    assert r.status_code == 404
