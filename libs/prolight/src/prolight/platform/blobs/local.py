"""`LocalArtifactStore`: blobs as files under a directory, the embedded default.

Layout: `<root>/<k[0:2]>/<k[2:4]>/<key>` with the content type beside it in `<key>.type`. A
blob is written to a temporary file in the same directory, flushed, and renamed into place
(atomic on POSIX), so readers in other processes never see half a file. The type file is
written first, so a visible blob always has its type.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from prolight.platform.blobs.base import ArtifactStore, BlobInfo, check_key, content_key
from prolight.platform.blobs.errors import BlobNotFoundError, BlobUnavailableError

__all__ = ["LocalArtifactStore"]

_DEFAULT_TYPE = "application/octet-stream"


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class LocalArtifactStore(ArtifactStore):
    """Blobs under the directory `root` (created on first use)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).absolute()

    def _path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def url(self, key: str) -> str:
        return self._path(key).as_uri()

    async def ensure(self) -> None:
        try:
            await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            raise BlobUnavailableError(f"cannot create {self.root}: {exc}") from exc

    async def put(self, data: bytes, content_type: str = _DEFAULT_TYPE) -> BlobInfo:
        key = content_key(data)
        path = self._path(key)

        def write() -> None:
            if path.exists():
                return  # same key, same bytes
            path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(path.with_name(key + ".type"), content_type.encode())
            _atomic_write(path, data)

        try:
            await asyncio.to_thread(write)
        except OSError as exc:
            raise BlobUnavailableError(f"cannot write blob {key} under {self.root}: {exc}") from exc
        return BlobInfo(key, len(data), content_type, path.as_uri())

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise BlobNotFoundError(f"no blob {key}") from exc
        except OSError as exc:
            raise BlobUnavailableError(f"cannot read blob {key}: {exc}") from exc

    async def exists(self, key: str) -> bool:
        try:
            return await asyncio.to_thread(self._path(key).is_file)
        except BlobNotFoundError:
            return False

    async def delete(self, key: str) -> None:
        path = self._path(key)

        def remove() -> None:
            # The blob first, its type file last: a visible blob always has its type (put
            # writes them the other way round).
            path.unlink(missing_ok=True)
            path.with_name(key + ".type").unlink(missing_ok=True)

        try:
            await asyncio.to_thread(remove)
        except OSError as exc:
            raise BlobUnavailableError(f"cannot delete blob {key}: {exc}") from exc

    async def stat(self, key: str) -> BlobInfo:
        path = self._path(key)

        def read() -> BlobInfo:
            size = path.stat().st_size
            try:
                content_type = path.with_name(key + ".type").read_text() or _DEFAULT_TYPE
            except FileNotFoundError:
                content_type = _DEFAULT_TYPE
            return BlobInfo(key, size, content_type, path.as_uri())

        try:
            return await asyncio.to_thread(read)
        except FileNotFoundError as exc:
            raise BlobNotFoundError(f"no blob {key}") from exc
        except OSError as exc:
            raise BlobUnavailableError(f"cannot stat blob {key}: {exc}") from exc
