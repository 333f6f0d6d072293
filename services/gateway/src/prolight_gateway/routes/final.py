"""POST /api/runs/{run_id}/final: one of a completed run's images rendered again in the final
quality (path traced and denoised), as a child run of that one image.

A run's candidates are drafts (`output.quality` draft, ~0.3 s each); the photographer picks
one and asks for the final render of it: the same prompt and seed with `output.quality`
final, so the same shot, lit the same way, without the draft's grain. The child run compares
its image with the draft it came from (SSIM, LPIPS), as a refine does. `Idempotency-Key` makes a
retry answer the first final render's run (`prolight_gateway.run_start`).
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from prolight.contracts.api_modes import FinalAccepted, FinalRequest
from prolight.contracts.events import RunOptions
from prolight.platform.bus import Bus
from prolight.platform.http_errors import Conflict, NotFound
from prolight.platform.store import RunStatus, RunStore
from prolight_gateway.routes.responses import run_start_errors
from prolight_gateway.run_start import OnceStartDep, Submit, idempotency_header
from prolight_gateway.runs import image_prompt, owned_artifact, owned_run, submit_run
from prolight_gateway.settings import GatewaySettings

__all__ = ["final_run", "router"]

router = APIRouter(prefix="/api", tags=["runs"])


async def final_run(
    store: RunStore,
    bus: Bus,
    settings: GatewaySettings,
    run_id: str,
    body: FinalRequest,
    caller: str,
    submit: Submit = submit_run,
) -> FinalAccepted:
    """Start the final render of `body.artifact_id` (or the run's best) of `run_id` by
    `submit`; 404 for an unknown run or an artifact not of it, 409 for a run not completed."""
    parent = await owned_run(store, bus, run_id, caller)
    if parent.status != RunStatus.COMPLETED:
        raise Conflict(
            f"run {run_id} is {parent.status.value}; only a completed run's image has a "
            "final render",
            code="run_not_completed",
        )
    chosen = body.artifact_id or (parent.result.best_artifact_id if parent.result else None)
    if chosen is None:
        raise Conflict(f"run {run_id} has no image to render", code="run_without_result")
    artifact = await owned_artifact(store, chosen, caller)
    if artifact.run_id != run_id:
        raise NotFound(f"run {run_id} has no artifact {chosen!r}", field="artifact_id")
    prompt, seed = await image_prompt(store, run_id, chosen)
    prompt = prompt.model_copy(
        update={"output": prompt.output.model_copy(update={"quality": "final"})}
    )
    options = RunOptions(
        num_results=1, seed=seed, reference_artifact_id=chosen, webhook_url=body.webhook_url
    )
    accepted = await submit(bus, settings, prompt, options, owner=caller, parent_run_id=run_id)
    return FinalAccepted(
        **accepted.model_dump(),
        parent_run_id=run_id,
        parent_artifact_id=chosen,
        seed=seed,
        prompt=prompt,
    )


@router.post(
    "/runs/{run_id}/final",
    status_code=202,
    response_model=FinalAccepted,
    responses=run_start_errors(404, 409, 413, 422, 429, 503),
    summary="Render a run's image in the final quality",
    openapi_extra=idempotency_header(),
)
async def final(run_id: str, start: OnceStartDep, body: FinalRequest | None = None) -> Response:
    """Render the run's best image (or `artifact_id`, one of its images) again, path traced
    and denoised, with the same prompt and seed: a child run of one image."""
    r, request = start.resources, body or FinalRequest()
    return await start.answer(
        FinalAccepted,
        lambda submit: final_run(r.store, r.bus, r.settings, run_id, request, start.caller, submit),
    )
