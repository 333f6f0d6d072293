"""The images of an /eval request: by artifact id (read from the stores) or uploaded bytes.

Form fields (multipart/form-data): `image` (uploaded files, repeatable), `artifact_id`
(repeatable), `reference` (an uploaded file) or `reference_artifact_id`. Uploads are PNG, JPEG
or WebP, read from their bytes (anything else: 415), each at most the configured size (413).
URLs are refused in any field (`url_refused`): the evaluator never fetches an address a
client gives it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData, UploadFile

from prolight.blobs import ArtifactStore, BlobNotFoundError
from prolight.store import RunStore
from prolight_evaluator.decode import media_type
from prolight_evaluator.errors import ImageTooLarge, RequestRejected

__all__ = ["MAX_IMAGES", "URL_FIELDS", "Upload", "read_images", "read_reference", "refuse_urls"]

MAX_IMAGES = 32
"""Most images one request may score."""

URL_FIELDS = ("url", "urls", "image_url", "reference_url")
"""Field names that would carry an address: always refused."""
_ID_FIELDS = ("artifact_id", "reference_artifact_id")
_FILE_FIELDS = ("image", "reference")


@dataclass(frozen=True)
class Upload:
    """One image of a request: its bytes and how the answer names it."""

    data: bytes
    identity: dict[str, Any] = field(default_factory=dict)


def refuse_urls(form: FormData) -> None:
    """Raise `RequestRejected(url_refused)` when a field carries an address to fetch, and
    `invalid_input` when an image field carries text instead of a file."""
    for key, value in form.multi_items():
        is_text = isinstance(value, str)
        url = is_text and "://" in str(value)
        named = key in URL_FIELDS or (key in _ID_FIELDS + _FILE_FIELDS and url)
        if named:
            raise RequestRejected(
                "images are taken by artifact id or as uploaded bytes; URLs are never fetched",
                status=422,
                code="url_refused",
                field=key,
            )
        if key in _FILE_FIELDS and is_text:
            raise RequestRejected(
                f"`{key}` must be an uploaded file", status=422, code="invalid_input", field=key
            )


async def _upload(file: UploadFile, field_name: str, max_bytes: int) -> Upload:
    if file.size is not None and file.size > max_bytes:
        raise ImageTooLarge(f"{field_name} {file.filename!r} is over {max_bytes:,} bytes")
    data = await file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageTooLarge(f"{field_name} {file.filename!r} is over {max_bytes:,} bytes")
    media_type(data)  # 415 for anything but PNG, JPEG, WebP
    digest = hashlib.sha256(data).hexdigest()
    return Upload(data, {"artifact_id": None, "filename": file.filename, "sha256": digest})


async def _artifact(artifact_id: str, store: RunStore, blobs: ArtifactStore) -> Upload:
    record = await store.get_artifact(artifact_id)
    if record is None:
        raise RequestRejected(
            f"no artifact {artifact_id!r}", status=404, code="not_found", field="artifact_id"
        )
    if record.kind != "image":
        raise RequestRejected(
            f"artifact {artifact_id!r} is a {record.kind}, not an image",
            status=422,
            code="not_an_image",
            field="artifact_id",
        )
    try:
        data = await blobs.get(record.sha256)
    except BlobNotFoundError as exc:
        raise RequestRejected(
            f"the bytes of artifact {artifact_id!r} are missing", status=404, code="not_found"
        ) from exc
    return Upload(data, {"artifact_id": artifact_id, "filename": None, "sha256": record.sha256})


async def read_images(
    form: FormData, store: RunStore, blobs: ArtifactStore, max_bytes: int
) -> list[Upload]:
    """The images to score, artifact ids first, then uploads; at least one, at most MAX_IMAGES."""
    ids = [v for v in form.getlist("artifact_id") if isinstance(v, str)]
    files = [v for v in form.getlist("image") if isinstance(v, UploadFile)]
    if not ids and not files:
        raise RequestRejected(
            "give at least one image: an `image` upload or an `artifact_id`",
            status=422,
            code="invalid_input",
            field="image",
        )
    if len(ids) + len(files) > MAX_IMAGES:
        raise RequestRejected(
            f"at most {MAX_IMAGES} images per request", status=422, code="invalid_input"
        )
    images = [await _artifact(i, store, blobs) for i in ids]
    images += [await _upload(f, "image", max_bytes) for f in files]
    return images


async def read_reference(
    form: FormData, store: RunStore, blobs: ArtifactStore, max_bytes: int
) -> Upload | None:
    """The reference image (`reference` upload or `reference_artifact_id`), if any."""
    file = form.get("reference")
    if isinstance(file, UploadFile):
        return await _upload(file, "reference", max_bytes)
    artifact_id = form.get("reference_artifact_id")
    if isinstance(artifact_id, str) and artifact_id:
        return await _artifact(artifact_id, store, blobs)
    return None
