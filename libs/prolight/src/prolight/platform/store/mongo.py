"""`MongoRunStore`: the run store in MongoDB through PyMongo's async client (production).

One collection per document kind; each record's key is its `_id` (the prompt cache uses
`"<prompt_hash>:<seed>:<model>"`), so insert-if-absent is an `insert_one` that treats the
duplicate-key error as "already there". Optimistic concurrency is a `replace_one` filtered on
the version read. Timestamps are stored as BSON dates (milliseconds) for range queries.
The audit collection is append-only by convention here: this class never updates or deletes
it; grant the services' database user insert/find only on it to enforce that.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError

from prolight.contracts.tasks import GenerateResult, TaskResult
from prolight.platform.store.base import (
    DEFAULT_PAGE_SIZE,
    RunStore,
    advance_task,
    apply_run_changes,
    id_list,
    page_size,
    status_values,
)
from prolight.platform.store.errors import (
    AlreadyExistsError,
    ConcurrencyConflict,
    RecordNotFoundError,
    StoreError,
    StoreUnavailableError,
)
from prolight.platform.store.records import (
    ArtifactRecord,
    AuditEntry,
    Page,
    PromptCacheEntry,
    RunRecord,
    RunStatus,
    TaskRecord,
    TaskStatus,
    decode_cursor,
    encode_cursor,
)

__all__ = ["MongoRunStore"]

M = TypeVar("M", bound=BaseModel)
Doc = dict[str, Any]

_TASK_RETRIES = 10  # compare-and-set rounds before giving up under heavy contention


def _doc(record: BaseModel, key: str) -> Doc:
    doc: Doc = record.model_dump(mode="json")
    for name, value in record:
        if isinstance(value, datetime):
            doc[name] = value  # BSON date, not a string
    doc["_id"] = key
    return doc


def _record(model: type[M], doc: Mapping[str, Any] | None) -> M | None:
    if doc is None:
        return None
    return model.model_validate({k: v for k, v in doc.items() if k != "_id"})


def _cache_key(prompt_hash: str, seed: int, model: str) -> str:
    return f"{prompt_hash}:{seed}:{model}"


class MongoRunStore(RunStore):
    """The run store in database `db_name` of the MongoDB at `url`."""

    def __init__(self, client: AsyncMongoClient[Doc], db_name: str) -> None:
        self._client = client
        db = client[db_name]
        self.db_name = db_name
        self._runs: AsyncCollection[Doc] = db["runs"]
        self._tasks: AsyncCollection[Doc] = db["tasks"]
        self._artifacts: AsyncCollection[Doc] = db["artifacts"]
        self._cache: AsyncCollection[Doc] = db["prompt_cache"]
        self._audit: AsyncCollection[Doc] = db["audit"]

    @classmethod
    async def open(
        cls, url: str, *, db_name: str | None = None, timeout: float = 5.0
    ) -> MongoRunStore:
        """Connect (waiting up to `timeout` seconds for a server) and create the indexes.

        The database is `db_name`, else the one in the URL path, else `prolight`.
        """
        client: AsyncMongoClient[Doc] = AsyncMongoClient(
            url, tz_aware=True, serverSelectionTimeoutMS=int(timeout * 1000)
        )
        name = db_name or client.get_default_database(default="prolight").name
        store = cls(client, name)
        try:
            async with store._errors("create indexes"):
                await store._runs.create_index([("created_at", DESCENDING), ("_id", DESCENDING)])
                await store._runs.create_index(
                    [("status", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]
                )
                await store._tasks.create_index([("run_id", ASCENDING), ("created_at", ASCENDING)])
                await store._artifacts.create_index(
                    [("run_id", ASCENDING), ("created_at", ASCENDING)]
                )
                await store._audit.create_index([("run_id", ASCENDING), ("_id", ASCENDING)])
                # Deleting: the sweeper's oldest artifacts, a blob's other users, the cache
                # entries of a deleted artifact.
                await store._artifacts.create_index([("created_at", ASCENDING), ("_id", ASCENDING)])
                await store._artifacts.create_index([("sha256", ASCENDING)])
                await store._cache.create_index([("artifact_id", ASCENDING)])
        except StoreError:
            await client.close()
            raise
        return store

    @asynccontextmanager
    async def _errors(self, action: str) -> AsyncIterator[None]:
        try:
            yield
        except ConnectionFailure as exc:  # includes server selection timeouts
            raise StoreUnavailableError(f"MongoDB {self.db_name}: {action}: {exc}") from exc
        except PyMongoError as exc:
            raise StoreError(f"MongoDB {self.db_name}: {action}: {exc}") from exc

    async def _insert_if_absent(self, coll: AsyncCollection[Doc], doc: Doc, model: type[M]) -> M:
        async with self._errors(f"insert into {coll.name}"):
            with suppress(DuplicateKeyError):  # someone stored it first: theirs wins
                await coll.insert_one(doc)
            stored = _record(model, await coll.find_one({"_id": doc["_id"]}))
        if stored is None:  # pragma: no cover - only if deleted in between
            raise StoreError(f"{coll.name} {doc['_id']} vanished right after insert")
        return stored

    async def _find(self, coll: AsyncCollection[Doc], key: str, model: type[M]) -> M | None:
        async with self._errors(f"read {coll.name}"):
            return _record(model, await coll.find_one({"_id": key}))

    async def _list(
        self,
        coll: AsyncCollection[Doc],
        query: Doc,
        sort: list[tuple[str, int]],
        limit: int,
        model: type[M],
    ) -> list[M]:
        async with self._errors(f"list {coll.name}"):
            docs = await coll.find(query).sort(sort).limit(limit).to_list()
        return [m for d in docs if (m := _record(model, d)) is not None]

    # -- runs ----------------------------------------------------------------------------

    async def create_run(self, run: RunRecord) -> RunRecord:
        async with self._errors("create run"):
            try:
                await self._runs.insert_one(_doc(run, run.run_id))
            except DuplicateKeyError as exc:
                raise AlreadyExistsError(f"run {run.run_id} already exists") from exc
        return run

    async def get_run(self, run_id: str) -> RunRecord | None:
        return await self._find(self._runs, run_id, RunRecord)

    async def update_run(
        self, run_id: str, expected_version: int, changes: Mapping[str, Any]
    ) -> RunRecord:
        current = await self.get_run(run_id)
        if current is None:
            raise RecordNotFoundError(f"no run {run_id}")
        if current.version != expected_version:
            raise ConcurrencyConflict(run_id, expected_version, current.version)
        new = apply_run_changes(current, changes)
        async with self._errors("update run"):
            done = await self._runs.replace_one(
                {"_id": run_id, "version": expected_version}, _doc(new, run_id)
            )
        if done.matched_count == 0:
            moved = await self.get_run(run_id)
            raise ConcurrencyConflict(run_id, expected_version, moved.version if moved else -1)
        return new

    async def list_runs(
        self,
        *,
        status: RunStatus | frozenset[RunStatus] | None = None,
        owner: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
    ) -> Page[RunRecord]:
        n = page_size(limit)
        query: Doc = {}
        if status is not None:
            query["status"] = {"$in": status_values(status)}
        if owner is not None:
            query["owner"] = owner
        if cursor is not None:
            at, key = decode_cursor(cursor)
            query["$or"] = [{"created_at": {"$lt": at}}, {"created_at": at, "_id": {"$lt": key}}]
        sort = [("created_at", DESCENDING), ("_id", DESCENDING)]
        runs = await self._list(self._runs, query, sort, n + 1, RunRecord)
        more = len(runs) > n
        runs = runs[:n]
        next_cursor = encode_cursor(runs[-1].created_at, runs[-1].run_id) if more else None
        return Page[RunRecord](items=runs, next_cursor=next_cursor)

    # -- tasks ---------------------------------------------------------------------------

    async def put_task(self, task: TaskRecord) -> TaskRecord:
        return await self._insert_if_absent(self._tasks, _doc(task, task.task_id), TaskRecord)

    async def get_task(self, task_id: str) -> TaskRecord | None:
        return await self._find(self._tasks, task_id, TaskRecord)

    async def list_tasks(self, run_id: str) -> list[TaskRecord]:
        sort = [("created_at", ASCENDING), ("_id", ASCENDING)]
        return await self._list(self._tasks, {"run_id": run_id}, sort, 0, TaskRecord)

    async def set_task_status(
        self,
        task_id: str,
        status: TaskStatus,
        *,
        result: TaskResult | None = None,
        error: str | None = None,
    ) -> TaskRecord:
        for _ in range(_TASK_RETRIES):
            current = await self.get_task(task_id)
            if current is None:
                raise RecordNotFoundError(f"no task {task_id}")
            new = advance_task(current, TaskStatus(status), result=result, error=error)
            if new is None:
                return current
            async with self._errors("update task"):
                done = await self._tasks.replace_one(
                    {"_id": task_id, "status": str(current.status), "attempts": current.attempts},
                    _doc(new, task_id),
                )
            if done.matched_count == 1:
                return new
        raise StoreUnavailableError(f"task {task_id} kept changing under us; try again")

    # -- artifacts and the prompt cache --------------------------------------------------

    async def put_artifact(self, artifact: ArtifactRecord) -> ArtifactRecord:
        doc = _doc(artifact, artifact.artifact_id)
        return await self._insert_if_absent(self._artifacts, doc, ArtifactRecord)

    async def get_artifact(self, artifact_id: str) -> ArtifactRecord | None:
        return await self._find(self._artifacts, artifact_id, ArtifactRecord)

    async def list_artifacts(self, run_id: str) -> list[ArtifactRecord]:
        sort = [("created_at", ASCENDING), ("_id", ASCENDING)]
        return await self._list(self._artifacts, {"run_id": run_id}, sort, 0, ArtifactRecord)

    async def cache_artifact(
        self,
        prompt_hash: str,
        seed: int,
        model: str,
        artifact_id: str,
        *,
        result: GenerateResult | None = None,
    ) -> PromptCacheEntry:
        entry = PromptCacheEntry(
            prompt_hash=prompt_hash, seed=seed, model=model, artifact_id=artifact_id, result=result
        )
        doc = _doc(entry, _cache_key(prompt_hash, seed, model))
        return await self._insert_if_absent(self._cache, doc, PromptCacheEntry)

    async def cached_artifact(
        self, prompt_hash: str, seed: int, model: str
    ) -> PromptCacheEntry | None:
        key = _cache_key(prompt_hash, seed, model)
        return await self._find(self._cache, key, PromptCacheEntry)

    async def list_prompt_cache(
        self, *, limit: int = 100, after: PromptCacheEntry | None = None
    ) -> list[PromptCacheEntry]:
        query: Doc = {}
        if after is not None:  # in the order of the `_id`s, which are the keys as text
            query["_id"] = {"$gt": _cache_key(after.prompt_hash, after.seed, after.model)}
        sort = [("_id", ASCENDING)]
        return await self._list(self._cache, query, sort, page_size(limit), PromptCacheEntry)

    # -- deleting ------------------------------------------------------------------------

    async def expired_artifacts(
        self, before: datetime, *, limit: int = DEFAULT_PAGE_SIZE
    ) -> list[ArtifactRecord]:
        sort = [("created_at", ASCENDING), ("_id", ASCENDING)]
        query: Doc = {"created_at": {"$lt": before}}
        return await self._list(self._artifacts, query, sort, page_size(limit), ArtifactRecord)

    async def forget_cached(self, artifact_ids: Collection[str]) -> list[PromptCacheEntry]:
        ids = id_list(artifact_ids)
        if not ids:
            return []
        query: Doc = {"artifact_id": {"$in": ids}}
        entries = await self._list(self._cache, query, [("_id", ASCENDING)], 0, PromptCacheEntry)
        async with self._errors("delete cache entries"):
            await self._cache.delete_many(query)
        return entries

    async def blob_in_use(self, sha256: str, *, excluding: Collection[str] = ()) -> bool:
        query: Doc = {"sha256": sha256, "_id": {"$nin": id_list(excluding)}}
        async with self._errors("check blob users"):
            return await self._artifacts.find_one(query, {"_id": 1}) is not None

    async def delete_artifacts(self, artifact_ids: Collection[str]) -> int:
        ids = id_list(artifact_ids)
        if not ids:
            return 0
        async with self._errors("delete artifacts"):
            done = await self._artifacts.delete_many({"_id": {"$in": ids}})
        return int(done.deleted_count)

    async def delete_run(self, run_id: str) -> bool:
        async with self._errors("delete run"):
            await self._tasks.delete_many({"run_id": run_id})
            done = await self._runs.delete_one({"_id": run_id})
        return bool(done.deleted_count)

    # -- audit ---------------------------------------------------------------------------

    async def put_audit(self, entry: AuditEntry) -> bool:
        async with self._errors("store audit"):
            try:
                await self._audit.insert_one(_doc(entry, entry.entry_id))
            except DuplicateKeyError:
                return False
        return True

    async def list_audit(
        self, *, run_id: str | None = None, limit: int = 100, after: str | None = None
    ) -> list[AuditEntry]:
        query: Doc = {} if run_id is None else {"run_id": run_id}
        if after is not None:
            query["_id"] = {"$gt": after}
        sort = [("_id", ASCENDING)]
        return await self._list(self._audit, query, sort, page_size(limit), AuditEntry)

    # -- lifecycle -----------------------------------------------------------------------

    async def ping(self) -> None:
        async with self._errors("ping"):
            await self._client.admin.command("ping")

    async def close(self) -> None:
        await self._client.close()
