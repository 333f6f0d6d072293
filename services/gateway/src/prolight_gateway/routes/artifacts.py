"""GET /api/artifacts/{artifact_id}: an artifact's bytes (or a thumbnail), with a strong ETag."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from prolight.api_keys import ANONYMOUS
from prolight.blobs import BlobError, BlobNotFoundError
from prolight.store import RunStore, StoreError
from prolight_gateway.deps import BlobsDep, CallerDep, StoreDep
from prolight_gateway.errors import InvalidRequest, NotFound, ServiceUnavailable
from prolight_gateway.logs import bind_run
from prolight_gateway.routes.responses import errors
from prolight_gateway.runs import visible_to
from prolight_gateway.thumbnails import (
    MAX_THUMBNAIL_PX,
    MIN_THUMBNAIL_PX,
    ThumbnailError,
    etag,
    matches,
    thumbnail,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/artifacts", tags=["artifacts"])

_CACHE_CONTROL = "private, max-age=31536000, immutable"  # content addressed; maybe keyed


async def _visible(store: RunStore, run_id: str, caller: str) -> bool:
    if caller == ANONYMOUS:  # keys off: no lookup on the hot path
        return True
    try:
        run = await store.get_run(run_id)
    except StoreError as exc:
        raise ServiceUnavailable(
            f"the run store is unavailable: {exc}", code="store_unavailable"
        ) from exc
    return run is not None and visible_to(caller, run.owner)


@router.get(
    "/{artifact_id}",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}, "application/octet-stream": {}}},
        304: {"description": "Not modified (If-None-Match matched the ETag)."},
        **errors(404, 422, 503),
    },
    summary="Download an artifact",
)
async def get_artifact(
    artifact_id: str,
    store: StoreDep,
    blobs: BlobsDep,
    caller: CallerDep,
    size: Annotated[
        int | None,
        Query(
            ge=MIN_THUMBNAIL_PX,
            le=MAX_THUMBNAIL_PX,
            description="Thumbnail: longest side in pixels (PNG).",
        ),
    ] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The bytes with their content type and `ETag: "<sha256>"`; 304 when `If-None-Match`
    matches. With `?size=N` a PNG thumbnail whose longest side is N pixels."""
    try:
        record = await store.get_artifact(artifact_id)
    except StoreError as exc:
        raise ServiceUnavailable(
            f"the run store is unavailable: {exc}", code="store_unavailable"
        ) from exc
    if record is None or not await _visible(store, record.run_id, caller):
        raise NotFound(f"no artifact {artifact_id!r}", field="artifact_id")
    bind_run(record.run_id)
    if size is not None and not record.content_type.startswith("image/"):
        raise InvalidRequest(
            f"thumbnails are made of images, not {record.content_type}", field="size"
        )
    tag = etag(record.sha256, size)
    headers = {"ETag": tag, "Cache-Control": _CACHE_CONTROL}
    if matches(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    try:
        data = await blobs.get(record.sha256)
    except BlobNotFoundError as exc:
        raise NotFound(
            f"the bytes of artifact {artifact_id!r} are missing", field="artifact_id"
        ) from exc
    except BlobError as exc:
        raise ServiceUnavailable(
            f"the artifact store is unavailable: {exc}", code="blob_unavailable"
        ) from exc
    if size is None:
        return Response(data, media_type=record.content_type, headers=headers)
    try:
        small = await asyncio.to_thread(thumbnail, record.sha256, data, size)
    except ThumbnailError as exc:
        raise InvalidRequest(str(exc), field="size") from exc
    return Response(small, media_type="image/png", headers=headers)
