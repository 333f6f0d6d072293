"""The evaluate-task handler: load the candidate's image, score it in a micro-batch, report.

The lifecycle is `prolight.platform.task_worker.TaskWorker`'s (a run no longer live gets nothing; a
finished task re-reports its stored outcome under the same event id; otherwise task → started,
`task.started`, `work`, task → completed). `work` hands the image to the process'
`MicroBatcher`, which scores it together with the other tasks in flight, and the task completes
with `task.completed{tool: evaluate, result}`, an `EvaluateResult` (see `scoring`).

Task params (`EvaluateParams`): the image (`artifact_id`, `sha256`), the candidate's `prompt`,
`index`, `seed`, `measured_ratio_stops` (the local renderer's face meter), and optionally
`reference_artifact_id`, the image SSIM and LPIPS compare with (the run's
`options.reference_artifact_id`: a refine's parent image, an inspire's source). Without one, or
when that artifact is gone, both are unavailable. The run's own prompt is the requested
lighting and CLIP's caption.

An unreadable prompt or image fails the task (`TaskRejected`, `retryable=False`); a store that
is down, or a failed batch, raises, so the message is redelivered.
"""

from __future__ import annotations

import logging
from uuid import UUID

from pydantic import ValidationError

from prolight.contracts.events import TaskRequested
from prolight.contracts.tasks import EvaluateParams, EvaluateResult
from prolight.platform.blobs import ArtifactStore, BlobNotFoundError
from prolight.platform.bus import Bus
from prolight.platform.store import RunRecord, RunStore
from prolight.platform.task_worker import TaskOutcome, TaskRejected, TaskWorker
from prolight_evaluator.batcher import MicroBatcher
from prolight_evaluator.caption import caption
from prolight_evaluator.errors import ImageRejected
from prolight_evaluator.scoring import ScoreInput
from prolight_evaluator.settings import EvaluatorSettings

__all__ = ["EVENT_NAMESPACE", "EvaluateWorker", "evaluate"]

log = logging.getLogger("prolight.evaluator")

EVENT_NAMESPACE = UUID("3c9a4e71-2f0b-4d8e-b6a1-9e5d0c7f2b33")


async def _reference_key(params: EvaluateParams, store: RunStore) -> str | None:
    """The blob key of the task's reference image, if it names one that still exists."""
    artifact_id = params.reference_artifact_id
    if artifact_id is None:
        return None
    artifact = await store.get_artifact(artifact_id)
    if artifact is None:
        log.warning("reference artifact %s is gone: SSIM and LPIPS left out", artifact_id)
        return None
    return artifact.sha256


async def evaluate(
    run: RunRecord,
    params: EvaluateParams,
    blobs: ArtifactStore,
    batcher: MicroBatcher,
    store: RunStore,
) -> EvaluateResult:
    """The result of evaluating one candidate (module doc).

    Raises `TaskRejected` for a prompt or image that cannot be read.
    """
    try:
        if run.prompt is None:
            raise TaskRejected("the run has no prompt to evaluate against")
        requested = run.prompt.scene
        png = await blobs.get(params.sha256)
        ref_key = await _reference_key(params, store)
        reference = None if ref_key is None else await blobs.get(ref_key)
    except (ValidationError, BlobNotFoundError) as exc:
        raise TaskRejected(f"cannot evaluate: {exc}") from exc
    item = ScoreInput(
        image=png,
        requested=requested,
        rendered=params.prompt.scene,
        measured_ratio_stops=params.measured_ratio_stops,
        caption=caption(requested),
        reference=reference,
        identity={"artifact_id": params.artifact_id, "index": params.index, "seed": params.seed},
    )
    try:
        scored = await batcher.score(item)
    except ImageRejected as exc:
        raise TaskRejected(f"cannot evaluate: {exc}") from exc
    return EvaluateResult.model_validate(scored)


class EvaluateWorker(TaskWorker):
    """Handles `task.requested.evaluate` (module doc)."""

    event_namespace = EVENT_NAMESPACE
    log = logging.getLogger("prolight.evaluator")

    def __init__(
        self,
        bus: Bus,
        store: RunStore,
        blobs: ArtifactStore,
        settings: EvaluatorSettings,
        batcher: MicroBatcher,
    ) -> None:
        super().__init__(bus, store, worker_id=settings.instance_id)
        self.blobs = blobs
        self.batcher = batcher

    async def work(self, run: RunRecord, request: TaskRequested) -> TaskOutcome:
        """Score the candidate image against the run's request (module doc)."""
        if not isinstance(request.params, EvaluateParams):  # the durable's filter prevents it
            raise TaskRejected(f"an evaluate task cannot take {type(request.params).__name__}")
        result = await evaluate(run, request.params, self.blobs, self.batcher, self.store)
        return TaskOutcome(result, summary=f"final={result.final:.3f}")
