"""POST /api/runs/{run_id}/refine: Refine mode, a child run that changes only what was asked.

`refine_run` is the whole use case without HTTP: the parent (the caller's own, completed), its
chosen image's prompt and seed (read off the generate task that made the image), the
instruction or JSON patch applied by `prolight.domain.refine.refine_prompt` (locks kept: the
prompt's own and the request's), then a child run with `parent_run_id` set.
`Idempotency-Key` makes a retry answer the first child run (`prolight_gateway.run_start`).
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from prolight.contracts.api_modes import ChangeOut, RefineAccepted, RefineRequest
from prolight.domain.refine import refine_prompt
from prolight.platform.bus import Bus
from prolight.platform.http_errors import Conflict
from prolight.platform.store import RunStatus, RunStore
from prolight_gateway.routes.responses import run_start_errors
from prolight_gateway.run_start import OnceStartDep, Submit, idempotency_header
from prolight_gateway.runs import image_prompt, owned_run, submit_run
from prolight_gateway.settings import GatewaySettings
from prolight_gateway.validation import reading_user_input

__all__ = ["refine_run", "router"]

router = APIRouter(prefix="/api", tags=["runs"])


async def refine_run(
    store: RunStore,
    bus: Bus,
    settings: GatewaySettings,
    run_id: str,
    body: RefineRequest,
    caller: str,
    submit: Submit = submit_run,
) -> RefineAccepted:
    """Start the child run of `run_id` (module doc) by `submit`; 404 unknown, 409 not
    completed, 422 bad edit or one that touches a locked field."""
    parent = await owned_run(store, bus, run_id, caller)
    if parent.status != RunStatus.COMPLETED:
        raise Conflict(
            f"run {run_id} is {parent.status.value}; only a completed run can be refined",
            code="run_not_completed",
        )
    best = parent.result.best_artifact_id if parent.result else None
    if best is None:
        raise Conflict(f"run {run_id} has no chosen image to refine", code="run_without_result")
    chosen, seed = await image_prompt(store, run_id, best)
    with reading_user_input("refinement"):
        refinement = refine_prompt(
            chosen,
            instruction=body.instruction,
            patch=body.patch,
            locked_fields=body.locked_fields,
        )
    prompt = refinement.prompt.model_copy(
        update={"metadata": refinement.prompt.metadata.model_copy(update={"seed": seed})}
    )
    # The parent's image is what "changed only what was asked" is measured against.
    options = body.run_options().model_copy(update={"reference_artifact_id": best})
    if options.seed is None:
        options = options.model_copy(update={"seed": seed})
    accepted = await submit(bus, settings, prompt, options, owner=caller, parent_run_id=run_id)
    return RefineAccepted(
        **accepted.model_dump(exclude={"notes"}),
        parent_run_id=run_id,
        parent_artifact_id=best,
        seed=seed,
        changes=[
            ChangeOut(path=c.path, before=c.before, after=c.after) for c in refinement.changes
        ],
        notes=refinement.notes,
        ignored=refinement.ignored,
        prompt=prompt,
    )


@router.post(
    "/runs/{run_id}/refine",
    status_code=202,
    response_model=RefineAccepted,
    responses=run_start_errors(404, 409, 413, 422, 429, 503),
    summary="Refine a run's chosen image",
    openapi_extra=idempotency_header(),
)
async def refine(run_id: str, body: RefineRequest, start: OnceStartDep) -> Response:
    """Start a child run from the parent's chosen prompt and seed, changed only where the
    instruction ("one stop less fill") or JSON patch says; the answer shows the diff."""
    r = start.resources
    return await start.answer(
        RefineAccepted,
        lambda submit: refine_run(r.store, r.bus, r.settings, run_id, body, start.caller, submit),
    )
