"""POST /api/translate: a description → the structured prompt and the translator's notes, with
no run started (so a person can look at the setup, change it, then generate).

It may cost a Gemini call, so with keys on it spends from the caller's rate limit like a run
start (`deps.LimitedCallerDep`)."""

from __future__ import annotations

from fastapi import APIRouter

from prolight.contracts.api import DescriptionRequest, TranslationResult
from prolight_gateway.deps import LimitedCallerDep, SettingsDep, StoreDep
from prolight_gateway.routes.generate import described_prompt
from prolight_gateway.routes.responses import errors
from prolight_gateway.translation import audit_calls

__all__ = ["router"]

router = APIRouter(prefix="/api/translate", tags=["translate"])


@router.post("", responses=errors(413, 422, 429, 503), summary="Turn a description into a setup")
async def translate_description(
    body: DescriptionRequest, store: StoreDep, settings: SettingsDep, caller: LimitedCallerDep
) -> TranslationResult:
    """The prompt the description becomes (rule-based, or Gemini with PROLIGHT_TRANSLATOR=gemini)
    and how it was read; Gemini's calls are audited without a run."""
    prompt, translation, calls = await described_prompt(body, settings)
    await audit_calls(store, settings, None, calls, actor=caller)
    return TranslationResult(prompt=prompt, translation=translation)
