"""The artifact store: content-addressed bytes (key = SHA-256), local directory or S3.

blobs = await open_blobs(settings.blob_url)       # file://… or s3://bucket?endpoint=…
info = await blobs.put(png_bytes, "image/png")     # info.key is the sha256
data = await blobs.get(info.key)

ArtifactStore, BlobInfo  the interface                     (base.py)
LocalArtifactStore       a directory, atomic renames       (local.py)
S3ArtifactStore          S3 / MinIO through aioboto3       (s3.py)
BlobError …              the exceptions                    (errors.py)
"""

from prolight.platform.blobs.base import ArtifactStore, BlobInfo, content_key
from prolight.platform.blobs.errors import BlobError, BlobNotFoundError, BlobUnavailableError
from prolight.platform.blobs.factory import open_blobs
from prolight.platform.blobs.local import LocalArtifactStore

__all__ = [
    "ArtifactStore",
    "BlobError",
    "BlobInfo",
    "BlobNotFoundError",
    "BlobUnavailableError",
    "LocalArtifactStore",
    "content_key",
    "open_blobs",
]
