"""The evaluate-task handler: load the candidate's PNG, measure it, report the score.

The lifecycle is `prolight.task_worker.TaskWorker`'s (a run no longer live gets nothing; a
finished task re-reports its stored outcome under the same event id; otherwise task → started,
`task.started`, `work`, task → completed). `work` measures off the event loop
(`metrics.lighting_metrics`) and the task completes with
`task.completed{tool: evaluate, result: {artifact_id, index, seed, lighting, final}}`. An
unreadable prompt or image fails the task (`TaskRejected`, `retryable=False`); a store that is
down raises, so the message is redelivered.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from prolight.blobs import ArtifactStore, BlobNotFoundError
from prolight.bus import Bus
from prolight.events import TaskRequested
from prolight.schema import FiboPrompt
from prolight.store import RunRecord, RunStore
from prolight.task_worker import TaskOutcome, TaskRejected, TaskWorker
from prolight_evaluator.metrics import lighting_metrics
from prolight_evaluator.settings import EvaluatorSettings

__all__ = ["EVENT_NAMESPACE", "EvaluateWorker", "evaluate"]

EVENT_NAMESPACE = UUID("3c9a4e71-2f0b-4d8e-b6a1-9e5d0c7f2b33")


async def evaluate(run: RunRecord, params: dict[str, Any], blobs: ArtifactStore) -> dict[str, Any]:
    """The result of evaluating one candidate: `{artifact_id, index, seed, lighting, final}`.

    Raises `TaskRejected` for a prompt or image that cannot be read.
    """
    try:
        requested = FiboPrompt.model_validate(run.prompt).scene
        candidate = FiboPrompt.model_validate(params["prompt"]).scene
        png = await blobs.get(str(params["sha256"]))
    except (ValidationError, KeyError, BlobNotFoundError) as exc:
        raise TaskRejected(f"cannot evaluate: {exc}") from exc
    measured = params.get("measured_ratio_stops")
    metrics = await asyncio.to_thread(
        lighting_metrics, png, requested, candidate, None if measured is None else float(measured)
    )
    return {
        "artifact_id": params["artifact_id"],
        "index": params.get("index"),
        "seed": params.get("seed"),
        "lighting": {**metrics["components"], "weights": metrics["weights"]},
        "final": metrics["final"],
    }


class EvaluateWorker(TaskWorker):
    """Handles `task.requested.evaluate` (module doc)."""

    event_namespace = EVENT_NAMESPACE
    log = logging.getLogger("prolight.evaluator")

    def __init__(
        self, bus: Bus, store: RunStore, blobs: ArtifactStore, settings: EvaluatorSettings
    ) -> None:
        super().__init__(bus, store, worker_id=settings.instance_id)
        self.blobs = blobs

    async def work(self, run: RunRecord, request: TaskRequested) -> TaskOutcome:
        """Score the candidate image against the run's requested lighting."""
        result = await evaluate(run, request.params, self.blobs)
        return TaskOutcome(result, summary=f"final={result['final']:.3f}")
