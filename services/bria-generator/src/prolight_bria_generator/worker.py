"""The generate-task handler: `generate.generate` (local) or `bria_backend.generate_with_bria`
inside the shared task lifecycle.

For one `task.requested.generate` delivery, `prolight.platform.task_worker.TaskWorker` drops a task
whose run is no longer live, re-reports a task that already finished under the same event id,
else marks it started and calls `work`: the prompt cache, then the backend, which writes the
cache entry of a fresh image before the task completes. The task ends completed (a fresh
image) or cached (a cache hit, or an identical generation this process had in flight at the
same time: the worker's one `Flights` makes those render, or call BRIA, once).

These fail the task (`TaskRejected`, `retryable=False`) with a reason shown to the user: a
prompt the renderer cannot draw; BRIA refusing the token ("BRIA rejected the API token"),
refusing the prompt (422, moderation), ending in ERROR, or staying unavailable after bounded
retries; a submit whose outcome is unknown (`SubmitUnconfirmed`: never sent twice, the user
may try again later); the circuit breaker being open; the run's budget (reason
`budget_exhausted: …`); and a BRIA request that breaks BRIA's contract or FIBO's schema
(`BriaRequestError`, our bug: logged as an error, nothing sent, redelivery cannot help).
Anything else (a store or the bus down) raises, so the message is redelivered and, after
MaxDeliver, dead-lettered. Every BRIA call is appended to the run's audit log as `bria.call`;
each BRIA generation is counted in `prolight_generator_calls_total` (ok, error, rejected), with
its time and cost (`prolight.platform.metrics.record_generator_call`).
Event ids are uuid5 in `EVENT_NAMESPACE` (see `TaskWorker` for the keys).
"""

from __future__ import annotations

import logging
import time
from uuid import UUID

from prolight.contracts.events import TaskRequested
from prolight.contracts.tasks import GenerateParams
from prolight.domain.errors import InvalidInput, RenderError, describe_errors
from prolight.domain.photoreal import render
from prolight.domain.schema import FiboPrompt
from prolight.platform.blobs import ArtifactStore
from prolight.platform.bus import Bus
from prolight.platform.external import CallRecord, ExternalError, scrub
from prolight.platform.metrics import record_generator_call
from prolight.platform.store import BudgetDetails, RunRecord, RunStore
from prolight.platform.task_worker import TaskOutcome, TaskRejected, TaskWorker
from prolight_bria_generator.bria import BriaClient, BriaRequestError
from prolight_bria_generator.bria_backend import BACKEND, generate_with_bria
from prolight_bria_generator.costs import BudgetExhausted
from prolight_bria_generator.generate import Flights, Generated, Renderer, generate
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
        bria: BriaClient | None = None,
    ) -> None:
        super().__init__(bus, store, worker_id=settings.instance_id)
        self.blobs = blobs
        self.settings = settings
        self.renderer = renderer
        self.bria = bria
        self.flights = Flights()
        token = settings.bria_api_token
        self._secrets = [token.get_secret_value()] if token is not None else []

    async def work(self, run: RunRecord, request: TaskRequested) -> TaskOutcome:
        """Make the requested prompt and seed's image, or reuse the cached image of both."""
        params = request.params
        if not isinstance(params, GenerateParams):  # the durable's filter makes it impossible
            raise TaskRejected(f"a generate task cannot take {type(params).__name__}")
        prompt, seed = params.prompt, params.seed
        try:
            if self.bria is not None:
                generated = await self._with_bria(run, request.task_id, prompt, seed)
            else:
                generated = await generate(
                    prompt,
                    seed,
                    task_id=request.task_id,
                    store=self.store,
                    blobs=self.blobs,
                    max_width=self.settings.generator_max_width,
                    max_height=self.settings.generator_max_height,
                    renderer=self.renderer,
                    flights=self.flights,
                )
        except (InvalidInput, RenderError) as exc:
            raise TaskRejected(_reason(exc)) from exc
        except BriaRequestError as exc:
            self.log.error("%s", exc)
            raise TaskRejected(f"internal error: {exc}") from None
        except (ExternalError, BudgetExhausted) as exc:
            # Written for users by the client; scrubbed once more in case a provider echoed
            # the token back in text we quote.
            raise TaskRejected(scrub(str(exc), self._secrets)) from None
        return TaskOutcome(
            generated.result,
            cached=generated.status == "cached",
            summary=f"seed={generated.result.seed}",
        )

    async def _with_bria(
        self, run: RunRecord, task_id: str, prompt: FiboPrompt, seed: int
    ) -> Generated:
        assert self.bria is not None
        actor = f"bria-generator {self.worker_id}"

        async def audit(record: CallRecord) -> None:
            details = record.details(self._secrets, task_id=task_id)
            await self.store.append_audit(
                f"{record.provider.lower()}.call", actor=actor, run_id=run.run_id, details=details
            )

        clock = time.perf_counter()
        try:
            generated = await generate_with_bria(
                prompt,
                seed,
                run_id=run.run_id,
                task_id=task_id,
                store=self.store,
                blobs=self.blobs,
                client=self.bria,
                settings=self.settings,
                audit=audit,
                flights=self.flights,
            )
        except ExternalError as exc:
            outcome = "error" if exc.retryable else "rejected"
            record_generator_call(BACKEND, outcome, time.perf_counter() - clock)
            raise
        except BudgetExhausted as exc:
            await self.store.append_audit(
                "budget.exhausted",
                actor=actor,
                run_id=run.run_id,
                details=BudgetDetails(task_id=task_id, reason=str(exc)),
            )
            raise
        if generated.status == "completed":  # a cache hit called nobody
            cost = generated.result.cost_usd or 0.0
            record_generator_call(BACKEND, "ok", time.perf_counter() - clock, cost_usd=cost)
        return generated


def _reason(exc: Exception) -> str:
    if isinstance(exc, InvalidInput):
        return "invalid prompt: " + "; ".join(str(e) for e in describe_errors(exc))
    return str(exc)
