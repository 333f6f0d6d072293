"""The plain-language translator a service is configured for, and the audit of its calls.

`translate_text(text, settings)` is the rule-based `prolight.domain.translator.translate` with
`PROLIGHT_TRANSLATOR=rules` (the default), and Gemini (`gemini.translate_with_gemini`, which
falls back to the rules by itself) with `PROLIGHT_TRANSLATOR=gemini`. It returns the calls it
made; `audit_calls` appends them to a run's audit log once the run exists.
"""

from __future__ import annotations

import logging

import httpx

from prolight.domain.translator import Translation, translate
from prolight.platform.external.calls import CallRecord
from prolight.platform.store import RunStore, StoreError
from prolight_gateway.gemini import GeminiConfig, translate_with_gemini
from prolight_gateway.settings import GatewaySettings

__all__ = ["audit_calls", "translate_text"]

log = logging.getLogger(__name__)


async def translate_text(
    text: str, settings: GatewaySettings
) -> tuple[Translation, list[CallRecord]]:
    """`text` as a setup by the configured translator, and the external calls made for it.

    Raises `InvalidInput` (field "text") for an empty or too long text, whichever translator.
    """
    if settings.translator == "gemini" and settings.gemini_api_key is not None:
        config = GeminiConfig(
            api_key=settings.gemini_api_key.get_secret_value(),
            base_url=settings.gemini_base_url,
            model=settings.gemini_model,
            timeout_s=settings.gemini_timeout_s,
        )
        async with httpx.AsyncClient() as http:
            return await translate_with_gemini(text, http=http, config=config)
    return translate(text), []


async def audit_calls(
    store: RunStore,
    settings: GatewaySettings,
    run_id: str | None,
    calls: list[CallRecord],
    *,
    actor: str,
) -> None:
    """Append `calls` to the audit log as `<provider>.call`, under the run they were made for
    (None: a translation that started no run). The answer is already decided when this runs,
    so a store failure is logged, not raised."""
    key = settings.gemini_api_key
    secrets = [key.get_secret_value()] if key is not None else []
    for call in calls:
        try:
            await store.append_audit(
                f"{call.provider.lower()}.call",
                actor=actor,
                run_id=run_id,
                details=call.details(secrets),
            )
        except StoreError as exc:
            log.error("an external call was not audited: %s", exc, extra={"run_id": run_id})
