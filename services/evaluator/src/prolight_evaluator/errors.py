"""The exceptions the evaluator raises on purpose.

    EvaluatorError              root (a `ProLightError`)
    ├── ImageRejected           an image that cannot be scored; `status` and `code` for HTTP
    │   ├── UnsupportedImage    not PNG, JPEG or WebP (415 unsupported_media_type)
    │   ├── ImageTooLarge       over the byte or pixel limit (413 image_too_large)
    │   └── UnreadableImage     a supported type that does not decode (422 unreadable_image)
    └── ModelLoadError          a configured checkpoint exists but cannot be loaded (start-up)

An /eval request that cannot be served raises the platform's `ApiError`
(`prolight.platform.http_errors`, the one HTTP error model). On the bus an `ImageRejected`
fails the task (`TaskRejected`: retrying cannot help).
"""

from __future__ import annotations

from prolight.domain.errors import ProLightError

__all__ = [
    "EvaluatorError",
    "ImageRejected",
    "ImageTooLarge",
    "ModelLoadError",
    "UnreadableImage",
    "UnsupportedImage",
]


class EvaluatorError(ProLightError):
    """Root of every error the evaluator raises on purpose."""


class ImageRejected(EvaluatorError):
    """Raised when an image cannot be scored; `status`/`code` (and `field`, where the request
    field is known) are its HTTP answer."""

    status = 422
    code = "unreadable_image"
    field: str | None = None


class UnsupportedImage(ImageRejected):
    """Raised for bytes that are not a PNG, JPEG or WebP image."""

    status = 415
    code = "unsupported_media_type"


class ImageTooLarge(ImageRejected):
    """Raised for an image over the upload size or the pixel limit."""

    status = 413
    code = "image_too_large"


class UnreadableImage(ImageRejected):
    """Raised for a PNG, JPEG or WebP that fails to decode (truncated, corrupt)."""


class ModelLoadError(EvaluatorError):
    """Raised at start-up when a configured model file exists but cannot be loaded."""
