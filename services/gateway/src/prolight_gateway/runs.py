"""Submitting, describing, listing and cancelling runs: plain functions over the store and bus.

A run is created by publishing its `run.created` event: the stream's ack (file storage) is what
makes it durable, and the answer 202 follows it. The planner records the run in the run store
when it takes the event (docs/architecture.md: the planner stores runs); until then
— milliseconds, or while no planner runs — the status and cancel routes read the run from its
`run.created` in the stream, so a run is never unknown once accepted. `GET /api/runs` lists the
recorded runs.

1. refuse at once (503 `bus_unavailable`) when the NATS link is down;
2. publish `run.created` (event id = `Nats-Msg-Id`) and wait for the stream's ack; the bus
   sends it again under the same event id while its ack times out or a stream leader is being
   elected, for `PROLIGHT_NATS_PUBLISH_RETRY_S` (the stream stores it once: a publish whose
   ack was lost has landed, and the answer is 202, not 503);
3. answer 503 if no ack came within that budget.
"""

from __future__ import annotations

import logging

from prolight.contracts.api import (
    ArtifactOut,
    CancelAccepted,
    RunAccepted,
    RunLinks,
    RunPage,
    RunStatusOut,
    RunSummary,
    StatusFilter,
    StepOut,
    artifact_url,
    file_type,
    new_run_id,
    queued_steps,
    seed_status,
    states,
)
from prolight.contracts.events import Event, RunCancelRequested, RunCreated, RunOptions
from prolight.contracts.progress import planned_tasks, run_progress
from prolight.contracts.subjects import is_run_id
from prolight.contracts.tasks import EvaluateResult, GenerateParams
from prolight.domain.schema import FiboPrompt
from prolight.platform.api_keys import ANONYMOUS
from prolight.platform.blobs import ArtifactStore, BlobError, BlobNotFoundError
from prolight.platform.bus import Bus, BusError
from prolight.platform.http_errors import Conflict, InvalidRequest, NotFound, ServiceUnavailable
from prolight.platform.logs import bind_run
from prolight.platform.retention import delete_run as delete_run_data
from prolight.platform.store import (
    ArtifactRecord,
    InvalidCursorError,
    RunRecord,
    RunStatus,
    RunStore,
    StoreError,
    TaskRecord,
    TaskStatus,
    created_run,
)
from prolight.platform.tokens import issue_stream_token
from prolight_gateway.settings import GatewaySettings
from prolight_gateway.webhook_targets import check_webhook_url

__all__ = [
    "FINISHED_TASK",
    "artifact_bytes",
    "cancel_run",
    "delete_run",
    "image_prompt",
    "links",
    "list_runs",
    "owned_artifact",
    "owned_run",
    "progress",
    "run_status",
    "store_down",
    "submit_run",
    "visible_to",
]

log = logging.getLogger(__name__)

FINISHED_TASK = frozenset({TaskStatus.COMPLETED, TaskStatus.CACHED, TaskStatus.FAILED})


def links(
    settings: GatewaySettings, run_id: str, *, finished: bool = False
) -> tuple[str, RunLinks]:
    """A fresh stream token for `run_id` and the run's status, SSE and WebSocket links.

    `finished`: the run has ended; the token says so, and the notifier then answers a stream
    whose events have expired (or were deleted) with `gone` at once instead of waiting."""
    token = issue_stream_token(
        run_id,
        settings.stream_token_secret.get_secret_value(),
        ttl_s=settings.stream_token_ttl_s,
        finished=finished,
    )
    return token, RunLinks(
        status=f"{settings.gateway_public_url}/api/status/{run_id}",
        stream=f"{settings.notifier_public_url}/api/stream/{run_id}?token={token}",
        ws=f"{settings.notifier_ws_url}/ws/runs/{run_id}?token={token}",
    )


def _bus_down(exc: BaseException | None = None) -> ServiceUnavailable:
    detail = f": {exc}" if exc else " (the NATS connection is down)"
    return ServiceUnavailable(f"the run could not be queued{detail}", code="bus_unavailable")


def store_down(exc: StoreError) -> ServiceUnavailable:
    """The 503 `store_unavailable` of a route whose run-store read failed."""
    return ServiceUnavailable(f"the run store is unavailable: {exc}", code="store_unavailable")


async def submit_run(
    bus: Bus,
    settings: GatewaySettings,
    prompt: FiboPrompt,
    options: RunOptions,
    *,
    owner: str = ANONYMOUS,
    parent_run_id: str | None = None,
    run_id: str | None = None,
) -> RunAccepted:
    """Publish the new run's `run.created` (see the module doc for the order), under `run_id`
    (an idempotency claim's, `prolight_gateway.idempotency`) or a fresh one."""
    if options.webhook_url is not None:  # 422 unless the gateway may call it (webhook_targets)
        await check_webhook_url(options.webhook_url, settings)
    if not bus.is_connected:
        raise _bus_down()
    run_id = run_id or new_run_id()
    bind_run(run_id)
    payload = RunCreated(prompt=prompt, options=options, owner=owner, parent_run_id=parent_run_id)
    event = Event.build(run_id, payload)
    try:
        # The bus resends a lost ack under the same Nats-Msg-Id for its retry budget
        # (PROLIGHT_NATS_PUBLISH_RETRY_S): the stream keeps one run.created.
        await bus.publish(event, timeout=settings.publish_timeout_s)
    except BusError as exc:
        raise _bus_down(exc) from exc
    steps = queued_steps(options)
    # DEBUG, not INFO: the stored run.created is the record of the acceptance (trace id
    # included), the planner logs the run at INFO when it plans it, and a line per request
    # was a tenth of this, the busiest endpoint's, CPU.
    log.debug("run accepted: %d steps queued", steps)
    token, run_links = links(settings, run_id)
    return RunAccepted(run_id=run_id, queued_steps=steps, stream_token=token, links=run_links)


def visible_to(caller: str, owner: str) -> bool:
    """Whether `caller` may see a run or artifact of `owner`: their own, or any with keys off
    (every caller is then `anonymous`, a name no key can have)."""
    return caller in (ANONYMOUS, owner)


async def owned_run(store: RunStore, bus: Bus, run_id: str, caller: str) -> RunRecord:
    """The run, if `caller` may see it; 404 when it does not exist or is another key's.

    A run the planner has not recorded yet is read from its `run.created` (module doc).
    """
    try:
        run = await store.get_run(run_id)
    except StoreError as exc:
        raise store_down(exc) from exc
    if run is None and is_run_id(run_id):
        try:
            created = await bus.created(run_id)
        except BusError as exc:
            raise ServiceUnavailable(
                f"the run store does not know run {run_id!r} and the event stream cannot be "
                f"read to tell: {exc}",
                code="bus_unavailable",
            ) from exc
        run = created_run(created) if created is not None else None
    if run is None or not visible_to(caller, run.owner):
        raise NotFound(f"no run {run_id!r}", field="run_id")
    bind_run(run_id)
    return run


async def image_prompt(store: RunStore, run_id: str, artifact_id: str) -> tuple[FiboPrompt, int]:
    """The prompt and seed that made the image `artifact_id` of run `run_id` (read off the
    generate task that made it); 409 when no generate task made it (a contact sheet)."""
    try:
        artifact = await store.get_artifact(artifact_id)
        task = await store.get_task(artifact.task_id) if artifact and artifact.task_id else None
    except StoreError as exc:
        raise store_down(exc) from exc
    if task is None or not isinstance(task.params, GenerateParams):
        raise Conflict(
            f"artifact {artifact_id!r} of run {run_id} is not a generated image",
            code="run_without_result",
        )
    return task.params.prompt, task.params.seed


async def owned_artifact(store: RunStore, artifact_id: str, caller: str) -> ArtifactRecord:
    """The artifact, if `caller` may see its run; 404 when it does not exist or is another
    key's (with keys off, no run lookup: every caller sees everything)."""
    try:
        record = await store.get_artifact(artifact_id)
        owner = ANONYMOUS
        if record is not None and caller != ANONYMOUS:
            run = await store.get_run(record.run_id)
            owner = run.owner if run is not None else ""
    except StoreError as exc:
        raise store_down(exc) from exc
    if record is None or not visible_to(caller, owner):
        raise NotFound(f"no artifact {artifact_id!r}", field="artifact_id")
    bind_run(record.run_id)
    return record


async def artifact_bytes(blobs: ArtifactStore, record: ArtifactRecord) -> bytes:
    """The stored bytes of `record` (404 when they are gone, 503 when the store is down)."""
    try:
        return await blobs.get(record.sha256)
    except BlobNotFoundError as exc:
        raise NotFound(
            f"the bytes of artifact {record.artifact_id!r} are missing", field="artifact_id"
        ) from exc
    except BlobError as exc:
        raise ServiceUnavailable(
            f"the artifact store is unavailable: {exc}", code="blob_unavailable"
        ) from exc


def progress(run: RunRecord, tasks: list[TaskRecord]) -> float:
    """The run's progress by `prolight.contracts.progress` (the notifier's rule too): finished
    tasks of those its options plan (or of those stored, if more); 1.0 once completed."""
    finished = sum(1 for t in tasks if t.status in FINISHED_TASK)
    return run_progress(
        finished=finished,
        planned=planned_tasks(run.options, len(tasks)),
        completed=run.status == RunStatus.COMPLETED,
    )


def _scores(tasks: list[TaskRecord]) -> dict[str, dict[str, float]]:
    """The evaluator's scores (metric → 0–1) by artifact id, from completed evaluate tasks."""
    return {
        t.result.artifact_id: t.result.scores
        for t in tasks
        if isinstance(t.result, EvaluateResult) and t.result.scores
    }


def _artifact(
    settings: GatewaySettings, a: ArtifactRecord, scores: dict[str, float] | None
) -> ArtifactOut:
    return ArtifactOut(
        id=a.artifact_id,
        url=artifact_url(settings.gateway_public_url, a.artifact_id),
        type=file_type(a.content_type),
        kind=a.kind,
        content_type=a.content_type,
        size_bytes=a.size_bytes,
        sha256=a.sha256,
        seed=a.seed,
        width=a.width,
        height=a.height,
        scores=scores,
    )


async def run_status(
    store: RunStore, bus: Bus, settings: GatewaySettings, run_id: str, caller: str
) -> RunStatusOut:
    """The run with its steps, artifacts, progress and a fresh stream token (404 if unknown)."""
    run = await owned_run(store, bus, run_id, caller)
    try:
        tasks = await store.list_tasks(run_id)
        artifacts = await store.list_artifacts(run_id)
    except StoreError as exc:
        raise store_down(exc) from exc
    scores = _scores(tasks)
    token, run_links = links(settings, run_id, finished=run.status.is_final)
    return RunStatusOut(
        run_id=run.run_id,
        status=seed_status(run.status),
        state=run.status,
        progress=progress(run, tasks),
        steps=[
            StepOut(
                id=t.task_id,
                tool=t.tool,
                status=t.status,
                result=t.result,
                error=t.error,
                attempts=t.attempts,
            )
            for t in tasks
        ],
        artifacts=[_artifact(settings, a, scores.get(a.artifact_id)) for a in artifacts],
        parent_run_id=run.parent_run_id,
        error=run.error,
        result=run.result,
        cost_usd=run.cost_usd,
        webhook_url=run.options.webhook_url,
        prompt=run.prompt,
        created_at=run.created_at,
        updated_at=run.updated_at,
        stream_token=token,
        links=run_links,
    )


async def list_runs(
    store: RunStore,
    caller: str,
    *,
    status: StatusFilter | None,
    limit: int,
    cursor: str | None,
) -> RunPage:
    """One page of the runs `caller` may see, newest first (422 on a cursor this API did not
    hand out)."""
    owner = None if caller == ANONYMOUS else caller
    try:
        page = await store.list_runs(
            status=states(status) if status is not None else None,
            owner=owner,
            limit=limit,
            cursor=cursor,
        )
    except InvalidCursorError as exc:
        raise InvalidRequest(str(exc), field="cursor") from exc
    except StoreError as exc:
        raise store_down(exc) from exc
    items = [
        RunSummary(
            run_id=r.run_id,
            status=seed_status(r.status),
            state=r.status,
            owner=r.owner,
            parent_run_id=r.parent_run_id,
            error=r.error,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )
        for r in page.items
    ]
    return RunPage(items=items, next_cursor=page.next_cursor)


async def cancel_run(
    store: RunStore, bus: Bus, settings: GatewaySettings, run_id: str, caller: str
) -> CancelAccepted:
    """Publish `run.cancel_requested` for this run only (404 unknown, 409 already finished)."""
    run = await owned_run(store, bus, run_id, caller)
    if run.status.is_final:
        raise Conflict(f"run {run_id} is already {run.status.value}", code="run_finished")
    event = Event.build(run_id, RunCancelRequested(requested_by="api"))
    try:
        await bus.publish(event, timeout=settings.publish_timeout_s)
    except BusError as exc:
        raise ServiceUnavailable(
            f"the cancel request could not be queued: {exc}", code="bus_unavailable"
        ) from exc
    log.info("cancel requested")
    return CancelAccepted(run_id=run_id)


async def delete_run(
    store: RunStore, bus: Bus, blobs: ArtifactStore, run_id: str, caller: str
) -> None:
    """Delete a finished run for good (404 unknown or another key's, 409 not finished yet).

    Its events go first (`Bus.purge_run`): were the store's records deleted first and the
    purge failed, the run's `run.created` left in the stream would bring it back as `created`
    (`owned_run`). Then its artifacts, the blobs no other run shares, the cache entries
    pointing at them, its tasks and the run (`prolight.platform.retention`). Every step is
    idempotent, so a DELETE that failed half-way (503) is simply sent again. Child runs
    (refine, final) keep their own records and images; their `parent_run_id` then names a
    run that answers 404. The audit log keeps its entries and gains `run.deleted`.
    """
    run = await owned_run(store, bus, run_id, caller)
    if not run.status.is_final:
        raise Conflict(
            f"run {run_id} is {run.status.value}: cancel it first "
            f"(POST /api/runs/{run_id}/cancel), then delete it",
            code="run_not_finished",
        )
    try:
        await bus.purge_run(run_id)
    except BusError as exc:
        raise ServiceUnavailable(
            f"the run's events could not be deleted: {exc}", code="bus_unavailable"
        ) from exc
    try:
        removed = await delete_run_data(store, blobs, run_id)
        await store.append_audit("run.deleted", actor=caller, run_id=run_id)
    except StoreError as exc:
        raise store_down(exc) from exc
    except BlobError as exc:
        raise ServiceUnavailable(
            f"the artifact store is unavailable: {exc}", code="blob_unavailable"
        ) from exc
    log.info(
        "run deleted: %d artifacts, %d blobs, %d cache entries",
        removed.artifacts,
        removed.blobs,
        removed.cache_entries,
    )
