"""The exceptions the artifact store raises; OS and botocore errors never cross it.

ProLightError
└── BlobError                  anything the artifact store could not do
    ├── BlobNotFoundError      no blob under that key
    └── BlobUnavailableError   the directory or the S3 endpoint cannot be used
"""

from __future__ import annotations

from prolight.domain.errors import ProLightError

__all__ = ["BlobError", "BlobNotFoundError", "BlobUnavailableError"]


class BlobError(ProLightError):
    """Root of every artifact-store error."""


class BlobNotFoundError(BlobError, KeyError):
    """Raised by `get`/`stat` when no blob has that key."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "blob not found"


class BlobUnavailableError(BlobError):
    """Raised when the storage cannot be reached, written or read (permissions, network)."""
