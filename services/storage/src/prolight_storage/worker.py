"""The storage handlers: register generated images, and write run bundles on export.

`on_generated` (events stream, `task.completed` of every run; other tools are acked and
ignored): the image of a generate task becomes the artifact `<task_id>-image`
(`image_artifact_id`: size, sha256, pixels, seed, prompt hash, model, render report; the size
comes from the blob store, so the image is not read back; thumbnails are the gateway's, made
on demand; a cached result reuses the bytes and points at the original in
`meta.cached_from`), then `artifact.ready`. The prompt cache is the bria-generator's alone:
it wrote the entry before the task completed.

`on_task` (`task.requested.export`): the task lifecycle of
`prolight.platform.task_worker.TaskWorker`
(a run no longer live gets nothing; a finished task re-reports; started → completed) around
`work`, which writes the bundle zip, the contact sheet and the diagram as artifacts
`<task_id>-bundle`, `-contact-sheet`, `-diagram`. Its `ExportParams` were checked on arrival,
so nothing is rejected: any error raises, and the message is redelivered and, after
MaxDeliver, dead-lettered.

Every record is insert-if-absent under an id derived from the task, and every event id is
uuid5 in `EVENT_NAMESPACE` of (artifact or task id, what): a redelivery repeats the same
writes and publishes, which change nothing.
"""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID

from prolight.contracts.events import ArtifactReady, Event, TaskCompleted, TaskRequested
from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import (
    ExportParams,
    ExportResult,
    GenerateResult,
    image_artifact_id,
)
from prolight.domain.render import contact_sheet, diagram
from prolight.platform.blobs import ArtifactStore, BlobInfo
from prolight.platform.bus import Bus, Delivery
from prolight.platform.store import ArtifactMeta, ArtifactRecord, RunRecord, RunStore
from prolight.platform.task_worker import TaskOutcome, TaskRejected, TaskWorker, keyed_event
from prolight_storage.bundle import (
    BUNDLE_FILES,
    build_manifest,
    manifest_bytes,
    sheet_items,
    zip_bundle,
)
from prolight_storage.settings import StorageSettings

__all__ = ["EVENT_NAMESPACE", "StorageWorker"]

EVENT_NAMESPACE = UUID("8e3f1c2a-0b9d-4e57-a6c4-51d2f7b3e901")


def _ready(artifact: ArtifactRecord) -> Event:
    payload = ArtifactReady(
        artifact_id=artifact.artifact_id,
        sha256=artifact.sha256,
        url=artifact.url,
        content_type=artifact.content_type,
        size_bytes=artifact.size_bytes,
        kind=artifact.kind,
        width=artifact.width,
        height=artifact.height,
        seed=artifact.seed,
        prompt_hash=artifact.prompt_hash,
        model=artifact.model,
    )
    key = f"{artifact.artifact_id}:ready"
    return keyed_event(EVENT_NAMESPACE, key, artifact.run_id, payload, task_id=artifact.task_id)


class StorageWorker(TaskWorker):
    """Handles generated images and export requests (module doc)."""

    event_namespace = EVENT_NAMESPACE
    log = logging.getLogger("prolight.storage")

    def __init__(
        self, bus: Bus, store: RunStore, blobs: ArtifactStore, settings: StorageSettings
    ) -> None:
        super().__init__(bus, store, worker_id=settings.instance_id)
        self.blobs = blobs
        self.settings = settings

    # -- generated images ----------------------------------------------------------------

    async def on_generated(self, delivery: Delivery) -> None:
        """Register the image of a completed generate task and announce it (module doc)."""
        event = delivery.event
        done = event.payload
        if not isinstance(done, TaskCompleted) or done.tool != Tool.GENERATE or not event.task_id:
            return
        run = await self.store.get_run(event.run_id)
        if run is None or run.status.is_final:
            return
        artifact_id = image_artifact_id(event.task_id)
        artifact = await self.store.get_artifact(artifact_id)
        if artifact is None:
            artifact = await self.store.put_artifact(
                await self._image_record(artifact_id, event.run_id, event.task_id, done)
            )
        await self.bus.publish(_ready(artifact))
        self.log.info("artifact %s ready (%s)", artifact_id, done.status)

    async def _image_record(
        self, artifact_id: str, run_id: str, task_id: str, done: TaskCompleted
    ) -> ArtifactRecord:
        result = done.result
        assert isinstance(result, GenerateResult)  # the payload checks it against the tool
        stored = await self.blobs.stat(result.sha256)
        return ArtifactRecord(
            artifact_id=artifact_id,
            run_id=run_id,
            task_id=task_id,
            sha256=result.sha256,
            url=result.url or self.blobs.url(result.sha256),
            content_type="image/png",
            size_bytes=stored.size,
            kind="image",
            width=result.width,
            height=result.height,
            seed=result.seed,
            prompt_hash=result.prompt_hash,
            model=result.model,
            meta=ArtifactMeta(
                render_report=result.render_report,
                generate_status=done.status,
                cached_from=result.cached_artifact_id,
            ),
        )

    # -- exports ---------------------------------------------------------------------------

    async def work(self, run: RunRecord, request: TaskRequested) -> TaskOutcome:
        """Write the run bundle of one export request (module doc)."""
        run_id, task_id, params = run.run_id, request.task_id, request.params
        if not isinstance(params, ExportParams):  # the durable's filter makes it impossible
            raise TaskRejected(f"an export task cannot take {type(params).__name__}")
        tasks = {t.task_id: t for t in await self.store.list_tasks(run_id)}
        images = {
            a.artifact_id: a for a in await self.store.list_artifacts(run_id) if a.kind == "image"
        }
        ranked = [r.artifact_id for r in params.ranking]
        pngs = dict(
            zip(
                ranked,
                await asyncio.gather(*(self.blobs.get(images[a].sha256) for a in ranked)),
                strict=True,
            )
        )
        manifest = build_manifest(run, tasks, images, params)
        prompt = run.prompt
        if prompt is None:
            raise TaskRejected("the run has no prompt to export")
        sheet, plan = await asyncio.gather(
            asyncio.to_thread(contact_sheet, sheet_items(params.ranking, images, pngs)),
            asyncio.to_thread(diagram, prompt.scene),
        )
        best = params.best_artifact_id
        files = {
            BUNDLE_FILES["manifest"]: manifest_bytes(manifest),
            BUNDLE_FILES["chosen"]: pngs[best],
            BUNDLE_FILES["contact_sheet"]: sheet,
            BUNDLE_FILES["diagram"]: plan,
        }
        bundle = await asyncio.to_thread(zip_bundle, files)
        made = {}
        for kind, data, content_type in (
            ("contact_sheet", sheet, "image/png"),
            ("diagram", plan, "image/png"),
            ("bundle", bundle, "application/zip"),
        ):
            info = await self.blobs.put(data, content_type)
            artifact = await self.store.put_artifact(
                self._export_record(
                    f"{task_id}-{kind.replace('_', '-')}", run_id, task_id, kind, info
                )
            )
            await self.bus.publish(_ready(artifact))
            made[kind] = artifact
        result = ExportResult(
            bundle_artifact_id=made["bundle"].artifact_id,
            bundle_sha256=made["bundle"].sha256,
            bundle_url=made["bundle"].url,
            contact_sheet_artifact_id=made["contact_sheet"].artifact_id,
            diagram_artifact_id=made["diagram"].artifact_id,
            chosen_artifact_id=best,
            files=sorted(files),
        )
        return TaskOutcome(result, summary=f"bundle {result.bundle_artifact_id} written")

    @staticmethod
    def _export_record(
        artifact_id: str, run_id: str, task_id: str, kind: str, info: BlobInfo
    ) -> ArtifactRecord:
        return ArtifactRecord(
            artifact_id=artifact_id,
            run_id=run_id,
            task_id=task_id,
            sha256=info.key,
            url=info.url,
            content_type=info.content_type,
            size_bytes=info.size,
            kind=kind,
        )
