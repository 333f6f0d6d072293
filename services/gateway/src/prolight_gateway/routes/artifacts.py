"""GET /api/artifacts/{artifact_id}: an artifact's bytes (or a thumbnail), with a strong ETag."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from prolight.platform.http_errors import InvalidRequest
from prolight_gateway.deps import BlobsDep, CallerDep, StoreDep
from prolight_gateway.routes.responses import errors
from prolight_gateway.runs import artifact_bytes, owned_artifact
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
    record = await owned_artifact(store, artifact_id, caller)
    if size is not None and not record.content_type.startswith("image/"):
        raise InvalidRequest(
            f"thumbnails are made of images, not {record.content_type}", field="size"
        )
    tag = etag(record.sha256, size)
    headers = {"ETag": tag, "Cache-Control": _CACHE_CONTROL}
    if matches(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    data = await artifact_bytes(blobs, record)
    if size is None:
        return Response(data, media_type=record.content_type, headers=headers)
    try:
        small = await asyncio.to_thread(thumbnail, record.sha256, data, size)
    except ThumbnailError as exc:
        raise InvalidRequest(str(exc), field="size") from exc
    return Response(small, media_type="image/png", headers=headers)
