"""The generate-task handler: `generate.generate` inside the shared task lifecycle.

For one `task.requested.generate` delivery, `prolight.task_worker.TaskWorker` drops a task
whose run is no longer live, re-reports a task that already finished under the same event id,
else marks it started and calls `work`: validate the prompt, then the prompt cache or the
backend. The task ends completed (a fresh render) or cached (a cache hit).

A prompt the renderer cannot draw fails the task (`TaskRejected`, `retryable=False`); anything
else (a store or the bus down) raises, so the message is redelivered and, after MaxDeliver,
dead-lettered. Event ids are uuid5 in `EVENT_NAMESPACE` (see `TaskWorker` for the keys).
"""

from __future__ import annotations

import logging
from uuid import UUID

from pydantic import ValidationError

from prolight.blobs import ArtifactStore
from prolight.bus import Bus
from prolight.errors import InvalidInput, RenderError, describe_errors
from prolight.events import TaskRequested
from prolight.render import render
from prolight.schema import FiboPrompt
from prolight.store import RunRecord, RunStore
from prolight.task_worker import TaskOutcome, TaskRejected, TaskWorker
from prolight_bria_generator.generate import Renderer, generate
from prolight_bria_generator.settings import GeneratorSettings

__all__ = ["EVENT_NAMESPACE", "GenerateWorker"]

EVENT_NAMESPACE = UUID("0f7d3c52-7a55-4d0c-9a55-2b1e7f0a9c11")


class GenerateWorker(TaskWorker):
    """Handles `task.requested.generate` (module doc)."""

    event_namespace = EVENT_NAMESPACE
    log = logging.getLogger("prolight.bria_generator")

    def __init__(
        self,
        bus: Bus,
        store: RunStore,
        blobs: ArtifactStore,
        settings: GeneratorSettings,
        renderer: Renderer = render,
    ) -> None:
        super().__init__(bus, store, worker_id=settings.instance_id)
        self.blobs = blobs
        self.settings = settings
        self.renderer = renderer

    async def work(self, run: RunRecord, request: TaskRequested) -> TaskOutcome:
        """Render the requested prompt and seed, or reuse the cached image of both."""
        try:
            prompt = FiboPrompt.model_validate(request.params.get("prompt"))
            seed = int(request.params.get("seed", prompt.metadata.seed))
            generated = await generate(
                prompt,
                seed,
                store=self.store,
                blobs=self.blobs,
                max_width=self.settings.generator_max_width,
                max_height=self.settings.generator_max_height,
                renderer=self.renderer,
            )
        except (ValidationError, InvalidInput, RenderError) as exc:
            raise TaskRejected(_reason(exc)) from exc
        return TaskOutcome(
            generated.result,
            cached=generated.status == "cached",
            summary=f"seed={generated.result['seed']}",
        )


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError | InvalidInput):
        return "invalid prompt: " + "; ".join(str(e) for e in describe_errors(exc))
    return str(exc)
