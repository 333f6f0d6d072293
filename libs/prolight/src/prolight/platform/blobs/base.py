"""`ArtifactStore`: content-addressed bytes. The key of a blob is the SHA-256 of its bytes.

Putting the same bytes twice stores them once and returns the same key, so a redelivered
task that renders the same image again changes nothing; for the same reason two artifacts can
share one blob, and a blob is deleted only when no artifact record points at it. Keys are 64
lowercase hex characters; anything else is refused before it reaches a path or an S3 key.
"""

from __future__ import annotations

import hashlib
import re
from abc import abstractmethod
from dataclasses import dataclass

from prolight.platform.blobs.errors import BlobNotFoundError
from prolight.platform.closing import AsyncClosing

__all__ = ["ArtifactStore", "BlobInfo", "check_key", "content_key"]

_KEY = re.compile(r"^[0-9a-f]{64}$")


def content_key(data: bytes) -> str:
    """The key of `data`: its SHA-256, hex."""
    return hashlib.sha256(data).hexdigest()


def check_key(key: str) -> str:
    """`key` if it is a well-formed content key; `BlobNotFoundError` otherwise (no such blob)."""
    if not _KEY.match(key):
        raise BlobNotFoundError(f"{key[:80]!r} is not a content key (64 hex characters)")
    return key


@dataclass(frozen=True)
class BlobInfo:
    """A stored blob: its key (sha256), size in bytes, content type and URL."""

    key: str
    size: int
    content_type: str
    url: str


class ArtifactStore(AsyncClosing):
    """Where artifact bytes live. Get one from `open_blobs(url)`; close it when done."""

    @abstractmethod
    async def put(self, data: bytes, content_type: str = "application/octet-stream") -> BlobInfo:
        """Store `data` under its SHA-256 and return its info; storing it again is a no-op.

        A reader never sees a partial blob: it exists whole or not at all.
        """

    @abstractmethod
    async def get(self, key: str) -> bytes:
        """The bytes under `key`; `BlobNotFoundError` if there are none."""

    @abstractmethod
    async def exists(self, key: str) -> bool:
        """Whether a blob is stored under `key` (False for a malformed key)."""

    @abstractmethod
    async def stat(self, key: str) -> BlobInfo:
        """Size, content type and URL of the blob under `key`; `BlobNotFoundError` if none."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the blob under `key`; nothing happens if there is none (several processes
        may delete the same blob at once). Content-addressed: every artifact with these bytes
        loses them, so the caller first checks that no record still points at the key
        (`prolight.platform.retention`)."""

    @abstractmethod
    def url(self, key: str) -> str:
        """Where the blob under `key` lives (`file://…` or `s3://bucket/…`); for records and
        logs, not a public download link (the gateway serves downloads)."""

    async def ensure(self) -> None:
        """Create what the store needs (the directory, the bucket) if it is missing."""
        return None  # nothing to create by default

    async def close(self) -> None:
        """Release connections; safe to call twice."""
        return None  # nothing held by default
