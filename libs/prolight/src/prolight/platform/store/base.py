"""`RunStore`: the one interface over the run store, and the rules both implementations share.

Every method is async and safe to call from many coroutines and many processes at once:

- runs change only through `update_run(run_id, expected_version, changes)`, which succeeds only
  if nobody moved the version since the caller read it (optimistic concurrency) and raises
  `ConcurrencyConflict` otherwise; the caller re-reads and re-decides;
- tasks, artifacts and prompt-cache entries are *insert if absent*: calling again with the same
  key returns what is stored, so a redelivered message changes nothing;
- task statuses move only forward (`TASK_TRANSITIONS`); repeating a final status is a no-op;
- the audit log is append-only and secrets are stripped before it is written;
- runs, tasks, artifact records and cache entries can be deleted (a run deleted by its owner,
  artifacts past their retention: `prolight.platform.retention` orders the calls); every
  delete is idempotent, so several processes may delete the same records at once.
"""

from __future__ import annotations

import itertools
import os
import time
from abc import abstractmethod
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from prolight.contracts.tasks import GenerateResult, TaskResult
from prolight.platform.closing import AsyncClosing
from prolight.platform.store.errors import InvalidTransitionError
from prolight.platform.store.records import (
    TASK_TRANSITIONS,
    ArtifactRecord,
    AuditDetails,
    AuditEntry,
    Page,
    PromptCacheEntry,
    RunRecord,
    RunStatus,
    TaskRecord,
    TaskStatus,
    utc_now,
)
from prolight.platform.store.redact import strip_secrets

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "IMMUTABLE_RUN_FIELDS",
    "MAX_IDS",
    "MAX_PAGE_SIZE",
    "RunStore",
    "advance_task",
    "apply_run_changes",
    "audit_entry",
    "id_list",
    "page_size",
    "status_values",
]

IMMUTABLE_RUN_FIELDS = frozenset({"run_id", "version", "created_at", "updated_at"})
"""Fields `update_run` refuses to change."""

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_IDS = 500
"""The most ids one delete call takes (SQLite binds at most 999 parameters a statement)."""


def apply_run_changes(run: RunRecord, changes: Mapping[str, Any]) -> RunRecord:
    """`run` with `changes` applied and validated, version + 1 and a fresh `updated_at`.

    A change is a field's new value: a model (a `Plan`, a `RunResult`) or its JSON-like dict.
    """
    bad = set(changes) & IMMUTABLE_RUN_FIELDS
    unknown = set(changes) - set(RunRecord.model_fields)
    if bad or unknown:
        raise ValueError(f"update_run cannot set {sorted(bad | unknown)}")
    # dict(run), not model_dump(): the unchanged fields stay models, which pydantic does not
    # validate again (a plan holds a prompt per candidate).
    return RunRecord.model_validate(
        {**dict(run), **changes, "version": run.version + 1, "updated_at": utc_now()}
    )


def advance_task(
    task: TaskRecord,
    status: TaskStatus,
    *,
    result: TaskResult | None = None,
    error: str | None = None,
) -> TaskRecord | None:
    """The task after moving to `status`, None when nothing changes (a repeated final status).

    Raises `InvalidTransitionError` for a move the lifecycle forbids.
    """
    if status == task.status and not TASK_TRANSITIONS[status]:
        return None
    if status not in TASK_TRANSITIONS[task.status]:
        raise InvalidTransitionError(
            f"task {task.task_id} is {task.status}; it cannot become {status}"
        )
    update: dict[str, Any] = {"status": status, "updated_at": utc_now()}
    if status == TaskStatus.STARTED:
        update["attempts"] = task.attempts + 1
    if result is not None:
        update["result"] = result
    if error is not None:
        update["error"] = error
    return TaskRecord.model_validate({**dict(task), **update})  # refuses another tool's result


_counter = itertools.count()


def audit_entry(
    action: str, *, actor: str, run_id: str | None, details: AuditDetails | None
) -> AuditEntry:
    """A new audit entry with secrets stripped and a time-ordered id."""
    entry_id = f"{time.time_ns():020d}-{os.getpid() % 100000:05d}-{next(_counter) % 10**6:06d}"
    return AuditEntry(
        entry_id=entry_id,
        at=utc_now(),
        action=action,
        actor=actor,
        run_id=run_id,
        details=None
        if details is None
        else type(details).model_validate(strip_secrets(details.model_dump(mode="json"))),
    )


class RunStore(AsyncClosing):
    """The run store. Get one from `open_store(url)`; close it (or `async with`) when done."""

    # -- runs ----------------------------------------------------------------------------

    @abstractmethod
    async def create_run(self, run: RunRecord) -> RunRecord:
        """Store a new run (version 1); `AlreadyExistsError` if the id is taken."""

    @abstractmethod
    async def get_run(self, run_id: str) -> RunRecord | None:
        """The run, or None."""

    @abstractmethod
    async def update_run(
        self, run_id: str, expected_version: int, changes: Mapping[str, Any]
    ) -> RunRecord:
        """Apply `changes` (field → new value) if the run is still at `expected_version`.

        Returns the run at its new version. Raises `ConcurrencyConflict` when the version
        moved, `RecordNotFoundError` when there is no such run, `ValueError` for fields that
        cannot change (`IMMUTABLE_RUN_FIELDS`) and pydantic's error for invalid values.
        """

    @abstractmethod
    async def list_runs(
        self,
        *,
        status: RunStatus | frozenset[RunStatus] | None = None,
        owner: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
    ) -> Page[RunRecord]:
        """Runs, newest first, `limit` (1–500) at a time; pass `next_cursor` for the next page.
        `status` is one status or a set of them (a run in any of them is listed).

        A cursor stays valid while runs are added: new runs appear before it, not after.
        """

    # -- tasks ---------------------------------------------------------------------------

    @abstractmethod
    async def put_task(self, task: TaskRecord) -> TaskRecord:
        """Insert the task if its `task_id` is new; return what is stored (idempotent)."""

    @abstractmethod
    async def get_task(self, task_id: str) -> TaskRecord | None:
        """The task, or None."""

    @abstractmethod
    async def list_tasks(self, run_id: str) -> list[TaskRecord]:
        """The run's tasks in creation order."""

    @abstractmethod
    async def set_task_status(
        self,
        task_id: str,
        status: TaskStatus,
        *,
        result: TaskResult | None = None,
        error: str | None = None,
    ) -> TaskRecord:
        """Move the task to `status` (see `TASK_TRANSITIONS`); returns the stored task.

        `started` again counts one more attempt; a repeated final status returns the task
        unchanged. Raises `InvalidTransitionError` (e.g. completed → started) and
        `RecordNotFoundError`.
        """

    # -- artifacts and the prompt cache --------------------------------------------------

    @abstractmethod
    async def put_artifact(self, artifact: ArtifactRecord) -> ArtifactRecord:
        """Insert the artifact if its id is new; return what is stored (idempotent)."""

    @abstractmethod
    async def get_artifact(self, artifact_id: str) -> ArtifactRecord | None:
        """The artifact, or None."""

    @abstractmethod
    async def list_artifacts(self, run_id: str) -> list[ArtifactRecord]:
        """The run's artifacts in creation order."""

    @abstractmethod
    async def cache_artifact(
        self,
        prompt_hash: str,
        seed: int,
        model: str,
        artifact_id: str,
        *,
        result: GenerateResult | None = None,
    ) -> PromptCacheEntry:
        """Remember that (prompt_hash, seed, model) made `artifact_id`, answered as `result`,
        unless already known.

        Returns the stored entry: the first writer wins, so compare its `artifact_id`.
        """

    @abstractmethod
    async def cached_artifact(
        self, prompt_hash: str, seed: int, model: str
    ) -> PromptCacheEntry | None:
        """The prompt-cache entry for (prompt_hash, seed, model), or None."""

    @abstractmethod
    async def list_prompt_cache(
        self, *, limit: int = 100, after: PromptCacheEntry | None = None
    ) -> list[PromptCacheEntry]:
        """Every prompt-cache entry, `limit` (1–500) at a time in an order of the store's
        own; pass a page's last entry as `after` for the next page (empty past the end).
        Made for copying a whole store (`prolight db copy`)."""

    # -- deleting ------------------------------------------------------------------------

    @abstractmethod
    async def expired_artifacts(
        self, before: datetime, *, limit: int = DEFAULT_PAGE_SIZE
    ) -> list[ArtifactRecord]:
        """Artifacts created before `before`, oldest first, at most `limit` (1–500): what the
        retention sweeper deletes next."""

    @abstractmethod
    async def forget_cached(self, artifact_ids: Collection[str]) -> list[PromptCacheEntry]:
        """Delete the prompt-cache entries that point at any of `artifact_ids` (at most 500)
        and return them, so that no later generation is answered with those artifacts."""

    @abstractmethod
    async def blob_in_use(self, sha256: str, *, excluding: Collection[str] = ()) -> bool:
        """Whether an artifact record other than those of `excluding` (ids, at most 500) has
        its bytes under `sha256`: blobs are content-addressed, so a cache hit's image and its
        original share one."""

    @abstractmethod
    async def delete_artifacts(self, artifact_ids: Collection[str]) -> int:
        """Delete these artifact records (at most 500; unknown ids are skipped); how many
        were there. Their bytes and cache entries are the caller's (`retention`)."""

    @abstractmethod
    async def delete_run(self, run_id: str) -> bool:
        """Delete the run and its tasks; whether the run was there. Remove its artifacts
        first (`retention.delete_run`); audit entries are never deleted."""

    # -- audit ---------------------------------------------------------------------------

    async def append_audit(
        self,
        action: str,
        *,
        actor: str = "system",
        run_id: str | None = None,
        details: AuditDetails | None = None,
    ) -> AuditEntry:
        """Append one entry (secrets in `details` stripped); there is no update or delete."""
        entry = audit_entry(action, actor=actor, run_id=run_id, details=details)
        await self.put_audit(entry)
        return entry

    @abstractmethod
    async def put_audit(self, entry: AuditEntry) -> bool:
        """Store `entry` as it is (its id and time kept) unless one with its `entry_id` is
        there already; whether it was stored. `append_audit` writes through it; `prolight db
        copy` copies the log with it."""

    @abstractmethod
    async def list_audit(
        self, *, run_id: str | None = None, limit: int = 100, after: str | None = None
    ) -> list[AuditEntry]:
        """Audit entries (of one run, or all), oldest first, at most `limit` (1–500); with
        `after` (an `entry_id`) only the later ones: pass a page's last id for the next."""

    # -- lifecycle -----------------------------------------------------------------------

    @abstractmethod
    async def ping(self) -> None:
        """Raise `StoreUnavailableError` unless the database answers (for /readyz)."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections; safe to call twice."""


def status_values(status: RunStatus | frozenset[RunStatus]) -> list[str]:
    """The stored strings of one status or a set of them, sorted (so queries are stable)."""
    return [str(status)] if isinstance(status, RunStatus) else sorted(str(s) for s in status)


def id_list(ids: Collection[str]) -> list[str]:
    """`ids` as a sorted list, checked against `MAX_IDS`."""
    if len(ids) > MAX_IDS:
        raise ValueError(f"at most {MAX_IDS} ids a call; got {len(ids)}")
    return sorted(set(ids))


def page_size(limit: int) -> int:
    """`limit` checked against 1..MAX_PAGE_SIZE."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit is 1–{MAX_PAGE_SIZE}; got {limit}")
    return limit
