"""POST /api/generate/lighting-setup and /api/generate/natural-language: start a run.

Both take `Idempotency-Key` (`prolight_gateway.run_start`): a retry answers the first run.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from prolight.contracts.api import (
    DescriptionRequest,
    GenerateLightingRequest,
    NaturalLanguageAccepted,
    NaturalLanguageRequest,
    RunAccepted,
    TranslationOut,
)
from prolight.domain.errors import FieldError, InvalidInput
from prolight.domain.schema import FiboPrompt, load_prompt
from prolight.platform.external import CallRecord
from prolight_gateway.routes.responses import run_start_errors
from prolight_gateway.run_start import OnceStartDep, Submit, accepted_response, idempotency_header
from prolight_gateway.settings import GatewaySettings
from prolight_gateway.translation import audit_calls, translate_text
from prolight_gateway.validation import reading_user_input

__all__ = ["described_prompt", "router"]

router = APIRouter(prefix="/api/generate", tags=["generate"])


@router.post(
    "/lighting-setup",
    status_code=202,
    response_model=RunAccepted,
    responses=run_start_errors(409, 413, 422, 429, 503),
    summary="Start a run",
    openapi_extra=idempotency_header(),
)
async def generate_lighting_setup(body: GenerateLightingRequest, start: OnceStartDep) -> Response:
    """Validate the setup (README body or fibo_v1 prompt) and publish `run.created`; `notes`
    in the answer say how any field that could be read two ways was read."""
    if (replay := start.replayed(RunAccepted)) is not None:
        return accepted_response(replay)
    notes: list[str] = []
    with reading_user_input("lighting setup"):
        prompt = load_prompt(body.prompt_input(), notes=notes)
    bus, settings = start.resources.bus, start.resources.settings

    async def accept(submit: Submit) -> RunAccepted:
        accepted = await submit(bus, settings, prompt, body.run_options(), owner=start.caller)
        return accepted.model_copy(update={"notes": notes})

    return accepted_response(await start.accept(RunAccepted, accept))


async def described_prompt(
    body: DescriptionRequest, settings: GatewaySettings
) -> tuple[FiboPrompt, TranslationOut, list[CallRecord]]:
    try:
        with reading_user_input("lighting description"):
            translation, calls = await translate_text(body.lighting_description, settings)
    except InvalidInput as exc:  # the translator calls its input "text"
        raise InvalidInput(
            [FieldError("lighting_description", e.message) for e in exc.errors]
        ) from exc
    setup = translation.setup
    update: dict[str, object] = {}
    if body.subject is not None:
        update["subject"] = setup.subject.model_copy(update={"description": body.subject})
    if body.scene_description is not None:
        update["environment"] = body.scene_description
    if body.style_intent is not None:
        update["style"] = body.style_intent
    prompt = FiboPrompt(scene=setup.model_copy(update=update))
    notes = TranslationOut(
        preset=translation.preset,
        notes=translation.notes,
        ignored=translation.ignored,
        resolved=translation.resolved,
    )
    return prompt, notes, calls


@router.post(
    "/natural-language",
    status_code=202,
    response_model=NaturalLanguageAccepted,
    responses=run_start_errors(409, 413, 422, 429, 503),
    summary="Start a run from a description",
    openapi_extra=idempotency_header(),
)
async def generate_natural_language(body: NaturalLanguageRequest, start: OnceStartDep) -> Response:
    """Translate `lighting_description` (by rules, or by Gemini with PROLIGHT_TRANSLATOR=gemini),
    then run it like a lighting setup."""
    if (replay := start.replayed(NaturalLanguageAccepted)) is not None:
        return accepted_response(replay)  # translated once: a retry pays Gemini nothing
    resources, caller = start.resources, start.caller
    settings = resources.settings
    prompt, translation, calls = await described_prompt(body, settings)

    async def accept(submit: Submit) -> NaturalLanguageAccepted:
        accepted = await submit(resources.bus, settings, prompt, body.run_options(), owner=caller)
        await audit_calls(resources.store, settings, accepted.run_id, calls, actor=caller)
        return NaturalLanguageAccepted(
            **accepted.model_dump(), prompt=prompt, translation=translation
        )

    return accepted_response(await start.accept(NaturalLanguageAccepted, accept))
