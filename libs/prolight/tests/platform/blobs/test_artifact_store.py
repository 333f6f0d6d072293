"""The ArtifactStore contract on a local directory and on S3 (moto over loopback HTTP)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from prolight.platform.blobs import (
    ArtifactStore,
    BlobNotFoundError,
    LocalArtifactStore,
    content_key,
    open_blobs,
)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


async def test_put_then_get_round_trips_under_the_sha256(blobs: ArtifactStore) -> None:
    info = await blobs.put(PNG, "image/png")
    assert info.key == hashlib.sha256(PNG).hexdigest() == content_key(PNG)
    assert (info.size, info.content_type) == (len(PNG), "image/png")
    assert await blobs.get(info.key) == PNG
    assert await blobs.exists(info.key)
    assert await blobs.stat(info.key) == info
    assert blobs.url(info.key) == info.url


async def test_the_same_bytes_are_stored_once_under_one_key(blobs: ArtifactStore) -> None:
    first, again = await asyncio.gather(blobs.put(PNG, "image/png"), blobs.put(PNG, "image/png"))
    assert first.key == again.key
    other = await blobs.put(PNG + b"!", "image/png")
    assert other.key != first.key
    assert await blobs.get(first.key) == PNG


async def test_empty_bytes_are_a_blob_too(blobs: ArtifactStore) -> None:
    info = await blobs.put(b"", "text/plain")
    assert await blobs.get(info.key) == b""
    assert (await blobs.stat(info.key)).size == 0


async def test_missing_and_malformed_keys(blobs: ArtifactStore) -> None:
    missing = content_key(b"never stored")
    assert not await blobs.exists(missing)
    with pytest.raises(BlobNotFoundError):
        await blobs.get(missing)
    with pytest.raises(BlobNotFoundError):
        await blobs.stat(missing)
    assert not await blobs.exists("../../etc/passwd")
    with pytest.raises(BlobNotFoundError, match="content key"):
        await blobs.get("../../etc/passwd")


async def test_local_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "b")
    info = await store.put(PNG, "image/png")
    files = sorted(p.name for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files == sorted([info.key, info.key + ".type"])
    assert info.url.startswith("file:///")


@pytest.mark.integration
async def test_s3_url_names_bucket_and_prefix(moto_endpoint: str, aws_credentials: None) -> None:
    url = f"s3://bucket-x/some/prefix?endpoint={moto_endpoint}&region=eu-west-1"
    async with await open_blobs(url) as store:
        info = await store.put(b"abc", "text/plain")
        assert info.url == f"s3://bucket-x/some/prefix/{info.key}"


async def test_open_blobs_refuses_other_schemes() -> None:
    with pytest.raises(ValueError, match="unsupported blob URL"):
        await open_blobs("ftp://x/y")


async def test_delete_removes_the_blob_and_is_idempotent(blobs: ArtifactStore) -> None:
    kept = await blobs.put(PNG + b"kept", "image/png")
    info = await blobs.put(PNG, "image/png")
    await blobs.delete(info.key)
    assert not await blobs.exists(info.key)
    with pytest.raises(BlobNotFoundError):
        await blobs.get(info.key)
    await asyncio.gather(blobs.delete(info.key), blobs.delete(info.key))  # two sweepers at once
    assert await blobs.get(kept.key) == PNG + b"kept"
    again = await blobs.put(PNG, "image/png")  # the same bytes can be stored again
    assert await blobs.get(again.key) == PNG


async def test_delete_refuses_a_malformed_key(blobs: ArtifactStore) -> None:
    with pytest.raises(BlobNotFoundError, match="content key"):
        await blobs.delete("../../etc/passwd")


async def test_local_delete_leaves_no_type_file(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "b")
    info = await store.put(PNG, "image/png")
    await store.delete(info.key)
    assert [p for p in (tmp_path / "b").rglob("*") if p.is_file()] == []
