"""The images of an /eval request: uploads, artifact ids, or this deployment's artifact URLs.

Fields (multipart/form-data, urlencoded, or a JSON object with the same names: see `api`), and
the `url` each image is named by in the answer:

    image                  an uploaded file, repeatable    upload:<i>  (i = 0, 1, … in order)
    artifact_id            an artifact id, repeatable      {gateway}/api/artifacts/<id>
    url (or urls)          an own artifact URL, repeatable the URL as given
    reference              an uploaded file                upload:reference
    reference_artifact_id  an artifact id                  {gateway}/api/artifacts/<id>
    reference_url          an own artifact URL             the URL as given

Images are scored in the order their fields come in the body; at most `MAX_IMAGES`, and at
most one reference. Uploads are PNG, JPEG or WebP, read from their bytes (anything else: 415),
each at most the configured size (413). A URL is only ever read back into an artifact id
(`artifact_url`): one that is not this deployment's artifact URL is `url_refused`, and so is
a URL in an id or file field or in any other field named `…url`/`…urls`. The whole form is
checked before anything is read, and nothing is ever fetched. An image's identity in results:
`url`, `artifact_id` (None for an upload), `filename` (None for an artifact), `sha256`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData, UploadFile

from prolight.contracts.api import artifact_url
from prolight.platform.blobs import ArtifactStore, BlobNotFoundError
from prolight.platform.http_errors import ApiError
from prolight.platform.store import RunStore
from prolight_evaluator.artifact_url import artifact_id_of
from prolight_evaluator.decode import media_type
from prolight_evaluator.errors import ImageRejected, ImageTooLarge

__all__ = ["MAX_IMAGES", "Source", "Sources", "Upload", "read", "sources"]

MAX_IMAGES = 32
"""Most images one request may score."""

_FILE_FIELDS = ("image", "reference")
_ID_FIELDS = ("artifact_id", "reference_artifact_id")
_URL_FIELDS = ("url", "urls", "reference_url")


@dataclass(frozen=True)
class Upload:
    """One image of a request: its bytes and how the answer names it."""

    data: bytes
    identity: dict[str, Any] = field(default_factory=dict)
    field_name: str = "image"


@dataclass(frozen=True)
class Source:
    """Where one image of a request comes from: an upload or a stored artifact."""

    field_name: str
    url: str
    artifact_id: str | None = None
    file: UploadFile | None = None


@dataclass(frozen=True)
class Sources:
    """The images to score, in request order, and the reference image if one was given."""

    images: list[Source]
    reference: Source | None


def _invalid(message: str, name: str) -> ApiError:
    return ApiError(message, status=422, code="invalid_input", field=name)


def _url_refused(message: str, name: str) -> ApiError:
    return ApiError(message, status=422, code="url_refused", field=name)


def _source(key: str, value: str | UploadFile, uploads: int, gateway: str) -> Source | None:
    """The source one form field gives, None for a field that names no image."""
    if key in _FILE_FIELDS:
        if isinstance(value, UploadFile):
            name = f"upload:{uploads}" if key == "image" else "upload:reference"
            return Source(key, name, file=value)
        if "://" in value:
            where = "url" if key == "image" else "reference_url"
            raise _url_refused(f"`{key}` is an uploaded file; artifact URLs go in `{where}`", key)
        raise _invalid(f"`{key}` must be an uploaded file", key)
    if key in _ID_FIELDS:
        if not isinstance(value, str):
            raise _invalid(f"`{key}` is an artifact id (text), not a file", key)
        if "/" in value:  # a URL (or a path): ids never hold a slash
            raise _url_refused(f"`{key}` takes an artifact id, not a URL: {value[:200]!r}", key)
        if not value.strip():
            raise _invalid(f"`{key}` is empty", key)
        return Source(key, artifact_url(gateway, value), artifact_id=value)
    if key in _URL_FIELDS:
        if not isinstance(value, str):
            raise _invalid(f"`{key}` is a URL (text), not a file", key)
        return Source(key, value, artifact_id=artifact_id_of(value, gateway, key))
    if key.lower().endswith(("url", "urls")):
        raise _url_refused(f"`{key}` is not read: artifact URLs go in `url`, `reference_url`", key)
    return None


def sources(form: FormData, gateway: str) -> Sources:
    """Every image field of `form`, checked (module doc); `gateway` is the public base URL.

    Raises `ApiError`: `url_refused`, or `invalid_input` for no image, too many, two
    references, or a field of the wrong kind.
    """
    images: list[Source] = []
    references: list[Source] = []
    uploads = 0
    for key, value in form.multi_items():
        found = _source(key, value, uploads, gateway)
        if found is None:
            continue
        if key.startswith("reference"):
            references.append(found)
        else:
            images.append(found)
            uploads += found.file is not None
    if not images:
        raise _invalid(
            "give at least one image: an `image` upload, an `artifact_id` or an artifact `url`",
            "image",
        )
    if len(images) > MAX_IMAGES:
        raise _invalid(f"at most {MAX_IMAGES} images per request", "image")
    if len(references) > 1:
        raise _invalid(
            "give one reference: `reference`, `reference_artifact_id` or `reference_url`",
            references[1].field_name,
        )
    return Sources(images, references[0] if references else None)


async def _upload(source: Source, file: UploadFile, max_bytes: int) -> Upload:
    too_large = f"{source.field_name} {file.filename!r} is over {max_bytes:,} bytes"
    try:
        if file.size is not None and file.size > max_bytes:
            raise ImageTooLarge(too_large)
        data = await file.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ImageTooLarge(too_large)
        media_type(data)  # 415 for anything but PNG, JPEG, WebP
    except ImageRejected as exc:
        exc.field = source.field_name
        raise
    digest = hashlib.sha256(data).hexdigest()
    identity = {"url": source.url, "artifact_id": None, "filename": file.filename, "sha256": digest}
    return Upload(data, identity, source.field_name)


async def _artifact(
    source: Source, artifact_id: str, store: RunStore, blobs: ArtifactStore
) -> Upload:
    record = await store.get_artifact(artifact_id)
    if record is None:
        raise ApiError(
            f"no artifact {artifact_id!r}", status=404, code="not_found", field=source.field_name
        )
    if record.kind != "image":
        raise ApiError(
            f"artifact {artifact_id!r} is a {record.kind}, not an image",
            status=422,
            code="not_an_image",
            field=source.field_name,
        )
    try:
        data = await blobs.get(record.sha256)
    except BlobNotFoundError as exc:
        raise ApiError(
            f"the bytes of artifact {artifact_id!r} are missing",
            status=404,
            code="not_found",
            field=source.field_name,
        ) from exc
    identity = {
        "url": source.url,
        "artifact_id": artifact_id,
        "filename": None,
        "sha256": record.sha256,
    }
    return Upload(data, identity, source.field_name)


async def read(source: Source, store: RunStore, blobs: ArtifactStore, max_bytes: int) -> Upload:
    """The bytes and identity of one checked source (404 `not_found`, 422 `not_an_image`,
    413, 415)."""
    if source.file is not None:
        return await _upload(source, source.file, max_bytes)
    if source.artifact_id is not None:
        return await _artifact(source, source.artifact_id, store, blobs)
    raise TypeError(f"source {source.field_name} names neither an upload nor an artifact")
