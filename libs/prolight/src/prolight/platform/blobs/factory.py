"""`open_blobs(url)`: the artifact store named by a URL (`PROLIGHT_BLOB_URL`)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from prolight.platform.blobs.base import ArtifactStore
from prolight.platform.blobs.local import LocalArtifactStore

__all__ = ["open_blobs"]


async def open_blobs(url: str, *, create: bool = True) -> ArtifactStore:
    """Open the artifact store at `url`, creating its directory or bucket when `create`.

    - `file://relative/dir`, `file:///absolute/dir`: a local directory;
    - `s3://bucket[/prefix]?endpoint=http://host:9000&region=eu-west-1`: S3 or MinIO
      (both query parameters optional; credentials from the standard AWS variables).

    Raises `ValueError` for another scheme, `BlobUnavailableError` when it cannot be used.
    """
    if url.startswith("file://"):
        store: ArtifactStore = LocalArtifactStore(url.removeprefix("file://"))
    elif url.startswith("s3://"):
        from prolight.platform.blobs.s3 import S3ArtifactStore  # aioboto3 is only needed for S3

        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if not parts.netloc:
            raise ValueError("s3 URL without a bucket; expected s3://bucket[/prefix]?…")
        store = S3ArtifactStore(
            parts.netloc,
            prefix=parts.path,
            endpoint_url=query.get("endpoint"),
            region=query.get("region"),
        )
    else:
        raise ValueError(f"unsupported blob URL {url.split('://')[0]}://…; use file:// or s3://")
    if create:
        try:
            await store.ensure()
        except BaseException:
            await store.close()
            raise
    return store
