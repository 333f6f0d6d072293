"""POST /api/generate/inspire: Inspire mode, variations of the lighting measured on an image.

`inspire_run` is the use case without HTTP: the image's bytes (a stored image artifact the
caller may see, or the upload itself, base64; a URL is never fetched), the setup measured on it
(`inspire.measuring.measure`, off the event loop), the optional instruction applied to that
setup (`prolight.domain.refine.apply_instruction`), then a run of `num_results` variations. An
artifact's run becomes the new run's parent. `Idempotency-Key` makes a retry answer the first
run without measuring again (`prolight_gateway.run_start`); the body's bytes, the base64 image
included, are what "the same request" compares.
"""

from __future__ import annotations

import asyncio
import base64
import binascii

from fastapi import APIRouter, Response

from prolight.contracts.api_modes import InspireAccepted, InspireRequest
from prolight.domain.errors import InvalidInput
from prolight.domain.inspire.measuring import measure, read_image
from prolight.domain.refine import apply_instruction
from prolight.domain.schema import FiboPrompt
from prolight.platform.blobs import ArtifactStore
from prolight.platform.bus import Bus
from prolight.platform.store import RunStore
from prolight_gateway.routes.responses import run_start_errors
from prolight_gateway.run_start import OnceStartDep, Submit, idempotency_header
from prolight_gateway.runs import artifact_bytes, owned_artifact, submit_run
from prolight_gateway.settings import GatewaySettings

__all__ = ["inspire_run", "router"]

router = APIRouter(prefix="/api/generate", tags=["generate"])


async def _artifact_bytes(
    store: RunStore, blobs: ArtifactStore, artifact_id: str, caller: str
) -> tuple[bytes, str]:
    """The bytes of an image artifact the caller may see, and its run (404 otherwise)."""
    record = await owned_artifact(store, artifact_id, caller)
    if not record.content_type.startswith("image/"):
        raise InvalidInput.single(
            "artifact_id", f"artifact {artifact_id} is a {record.kind}, not an image"
        )
    return await artifact_bytes(blobs, record), record.run_id


def _decoded(image_base64: str) -> bytes:
    try:
        return base64.b64decode(image_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput.single("image_base64", "not valid base64") from exc


async def inspire_run(
    store: RunStore,
    bus: Bus,
    blobs: ArtifactStore,
    settings: GatewaySettings,
    body: InspireRequest,
    caller: str,
    submit: Submit = submit_run,
) -> InspireAccepted:
    """Measure the image and start the run of variations (module doc) by `submit`; 404 for an
    artifact the caller cannot see, 422 for an image that is not PNG/JPEG/WebP or cannot be
    read."""
    parent: str | None = None
    if body.artifact_id is not None:
        data, parent = await _artifact_bytes(store, blobs, body.artifact_id, caller)
        field = "artifact_id"
    else:
        data, field = _decoded(body.image_base64 or ""), "image_base64"
    pixels = read_image(data, field)
    reading = await asyncio.to_thread(measure, pixels)
    prompt = FiboPrompt(scene=reading.setup)
    instruction_notes: list[str] = []
    if body.instruction is not None:
        prompt, instruction_notes, _ = apply_instruction(prompt, body.instruction)
    options = body.run_options()
    if body.artifact_id is not None:  # the source image is what the variations are held to
        options = options.model_copy(update={"reference_artifact_id": body.artifact_id})
    accepted = await submit(bus, settings, prompt, options, owner=caller, parent_run_id=parent)
    return InspireAccepted(
        **accepted.model_dump(exclude={"notes"}),
        parent_run_id=parent,
        measured=reading.fields,
        notes=reading.notes,
        instruction_notes=instruction_notes,
        prompt=prompt,
    )


@router.post(
    "/inspire",
    status_code=202,
    response_model=InspireAccepted,
    responses=run_start_errors(404, 409, 413, 422, 429, 503),
    summary="Start a run from an image's lighting",
    openapi_extra=idempotency_header(),
)
async def inspire(body: InspireRequest, start: OnceStartDep) -> Response:
    """Measure where the key comes from, the ratio and the colour temperature of an image
    (each with a confidence), then generate variations of that setup."""
    r = start.resources
    return await start.answer(
        InspireAccepted,
        lambda submit: inspire_run(r.store, r.bus, r.blobs, r.settings, body, start.caller, submit),
    )
