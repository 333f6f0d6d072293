"""`SqliteRunStore`: the run store in one SQLite file (WAL), the embedded default.

One `aiosqlite` connection per store (its own thread, so the event loop never blocks) in
autocommit mode: every statement is its own transaction, and a call returns after its write
is committed. Read-modify-write calls check what they read in the write itself: `update_run`
updates `WHERE version = ?`, `set_task_status` compares the stored document; insert-if-absent
is `INSERT OR IGNORE … RETURNING`. Why not our own group commit: docs/decisions/
sqlite-group-commit.md. Several processes may open the same file: WAL lets readers run beside
the one writer, and a write waits up to `busy_timeout` seconds for the lock before
`StoreUnavailableError`. Each document is kept whole as JSON, next
to the columns it is queried by. Triggers make the audit table append-only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

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
from prolight.platform.store.documents import decoded
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

__all__ = ["SqliteRunStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, status TEXT NOT NULL, owner TEXT NOT NULL,
    created_at TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS runs_by_time ON runs (created_at DESC, run_id DESC);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, created_at DESC, run_id DESC);
CREATE TABLE IF NOT EXISTS tasks (
    task_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, status TEXT NOT NULL,
    created_at TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tasks_by_run ON tasks (run_id, created_at, task_id);
CREATE TABLE IF NOT EXISTS artifacts (
    artifact_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, created_at TEXT NOT NULL,
    doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS artifacts_by_run ON artifacts (run_id, created_at, artifact_id);
CREATE TABLE IF NOT EXISTS prompt_cache (
    prompt_hash TEXT NOT NULL, seed INTEGER NOT NULL, model TEXT NOT NULL,
    doc TEXT NOT NULL, PRIMARY KEY (prompt_hash, seed, model));
CREATE INDEX IF NOT EXISTS artifacts_by_time ON artifacts (created_at, artifact_id);
CREATE INDEX IF NOT EXISTS artifacts_by_sha256 ON artifacts (json_extract(doc, '$.sha256'));
CREATE INDEX IF NOT EXISTS prompt_cache_by_artifact
    ON prompt_cache (json_extract(doc, '$.artifact_id'));
CREATE TABLE IF NOT EXISTS audit (
    entry_id TEXT PRIMARY KEY, run_id TEXT, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_by_run ON audit (run_id, entry_id);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


def _stamp(value: datetime) -> str:
    # Fixed width, so text order is time order (isoformat drops zero microseconds).
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# Constant SQL text: sqlite3 keeps each prepared statement in its per-connection cache.
_INSERT_RUN = "INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?)"
_SELECT_RUN = "SELECT doc FROM runs WHERE run_id = ?"
_UPDATE_RUN = (
    "UPDATE runs SET status = ?, owner = ?, version = ?, doc = ? WHERE run_id = ? AND version = ?"
)
_INSERT_TASK = "INSERT OR IGNORE INTO tasks VALUES (?, ?, ?, ?, ?) RETURNING doc"
_SELECT_TASK = "SELECT doc FROM tasks WHERE task_id = ?"
_UPDATE_TASK = "UPDATE tasks SET status = ?, doc = ? WHERE task_id = ? AND doc = ?"
_INSERT_ARTIFACT = "INSERT OR IGNORE INTO artifacts VALUES (?, ?, ?, ?) RETURNING doc"
_SELECT_ARTIFACT = "SELECT doc FROM artifacts WHERE artifact_id = ?"
_INSERT_CACHE = "INSERT OR IGNORE INTO prompt_cache VALUES (?, ?, ?, ?) RETURNING doc"
_SELECT_CACHE = "SELECT doc FROM prompt_cache WHERE prompt_hash = ? AND seed = ? AND model = ?"
_LIST_CACHE = "SELECT doc FROM prompt_cache ORDER BY prompt_hash, seed, model LIMIT ?"
_LIST_CACHE_AFTER = (
    "SELECT doc FROM prompt_cache WHERE (prompt_hash, seed, model) > (?, ?, ?) "
    "ORDER BY prompt_hash, seed, model LIMIT ?"
)
_INSERT_AUDIT = "INSERT INTO audit VALUES (?, ?, ?) ON CONFLICT (entry_id) DO NOTHING"
_EXPIRED_ARTIFACTS = (
    "SELECT doc FROM artifacts WHERE created_at < ? ORDER BY created_at, artifact_id LIMIT ?"
)
_DELETE_RUN_TASKS = "DELETE FROM tasks WHERE run_id = ?"
_DELETE_RUN = "DELETE FROM runs WHERE run_id = ?"


def _marks(n: int) -> str:
    return ", ".join("?" * n)


class SqliteRunStore(RunStore):
    """The run store in the SQLite file at `path` (`:memory:` for a private in-memory one)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 10.0) -> None:
        self.path = str(path)
        self._busy_timeout = busy_timeout
        self._name = f"SQLite store {self.path}"
        self._conn: aiosqlite.Connection | None = None

    @classmethod
    async def open(cls, path: str | Path, *, busy_timeout: float = 10.0) -> SqliteRunStore:
        """Open (creating the file, its directory and the schema if needed) in WAL mode."""
        store = cls(path, busy_timeout=busy_timeout)
        if store.path != ":memory:":
            Path(store.path).parent.mkdir(parents=True, exist_ok=True)
        async with store._errors():
            # `timeout` is SQLite's busy_timeout: a write waits that long for the lock.
            conn = await aiosqlite.connect(store.path, timeout=busy_timeout, isolation_level=None)
            try:
                await conn.execute("PRAGMA journal_mode=WAL")
                await conn.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints (WAL)
                await conn.executescript(_SCHEMA)
            except BaseException:
                await conn.close()
                raise
        store._conn = conn
        return store

    # -- the connection ------------------------------------------------------------------

    @asynccontextmanager
    async def _errors(self) -> AsyncIterator[None]:
        """sqlite3's errors as ours: locked or I/O → `StoreUnavailableError`, else `StoreError`."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            raise StoreUnavailableError(f"{self._name}: {exc}") from exc
        except sqlite3.Error as exc:
            raise StoreError(f"{self._name}: {exc}") from exc
        except ValueError as exc:
            if self._conn is not None:
                raise
            # aiosqlite's answer to a call still in flight when close() ran
            raise StoreUnavailableError(f"{self._name} is closed") from exc

    def _db(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StoreUnavailableError(f"{self._name} is closed")
        return self._conn

    async def _docs(self, sql: str, *args: Any) -> list[str]:
        async with self._errors():
            return [str(r[0]) for r in await self._db().execute_fetchall(sql, args)]

    async def _one(self, sql: str, *args: Any) -> str | None:
        docs = await self._docs(sql, *args)
        return docs[0] if docs else None

    async def _write(self, sql: str, *args: Any) -> int:
        """Run one write statement (its own transaction); the rows it changed."""
        async with self._errors():
            cursor = await self._db().execute(sql, args)
            return cursor.rowcount

    async def _insert_if_absent(self, insert: str, row: tuple[Any, ...], *read: Any) -> str:
        """The stored document: the one `insert` (`… RETURNING doc`) added, else `read`'s."""
        docs = await self._docs(insert, *row)
        return docs[0] if docs else (await self._one(*read) or "")

    # -- runs ----------------------------------------------------------------------------

    async def create_run(self, run: RunRecord) -> RunRecord:
        row = (
            run.run_id,
            run.status.value,
            run.owner,
            _stamp(run.created_at),
            run.version,
            run.model_dump_json(),
        )

        if not await self._write(_INSERT_RUN, *row):
            raise AlreadyExistsError(f"run {run.run_id} already exists")
        return run

    async def get_run(self, run_id: str) -> RunRecord | None:
        doc = await self._one(_SELECT_RUN, run_id)
        return None if doc is None else decoded(RunRecord, doc)

    async def update_run(
        self, run_id: str, expected_version: int, changes: Mapping[str, Any]
    ) -> RunRecord:
        doc = await self._one(_SELECT_RUN, run_id)
        if doc is None:
            raise RecordNotFoundError(f"no run {run_id}")
        current = decoded(RunRecord, doc)
        if current.version != expected_version:
            raise ConcurrencyConflict(run_id, expected_version, current.version)
        new = apply_run_changes(current, changes)
        changed = await self._write(
            _UPDATE_RUN,
            new.status.value,
            new.owner,
            new.version,
            new.model_dump_json(),
            run_id,
            expected_version,
        )
        if not changed:  # another writer updated it between our read and our write
            now = await self._one(_SELECT_RUN, run_id)
            actual = decoded(RunRecord, now).version if now else expected_version + 1
            raise ConcurrencyConflict(run_id, expected_version, actual)
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
        where: list[str] = []
        args: list[Any] = []
        if status is not None:
            statuses = status_values(status)
            where.append(f"status IN ({', '.join('?' * len(statuses))})")
            args += statuses
        if owner is not None:
            where.append("owner = ?")
            args.append(owner)
        if cursor is not None:
            at, key = decode_cursor(cursor)
            where.append("(created_at < ? OR (created_at = ? AND run_id < ?))")
            args += [_stamp(at), _stamp(at), key]
        sql = "SELECT doc FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, run_id DESC LIMIT ?"

        docs = await self._docs(sql, *args, n + 1)
        runs = [decoded(RunRecord, d) for d in docs]
        more = len(runs) > n
        runs = runs[:n]
        next_cursor = encode_cursor(runs[-1].created_at, runs[-1].run_id) if more else None
        return Page[RunRecord](items=runs, next_cursor=next_cursor)

    # -- tasks ---------------------------------------------------------------------------

    async def put_task(self, task: TaskRecord) -> TaskRecord:
        row = (
            task.task_id,
            task.run_id,
            task.status.value,
            _stamp(task.created_at),
            task.model_dump_json(),
        )
        doc = await self._insert_if_absent(_INSERT_TASK, row, _SELECT_TASK, task.task_id)
        return decoded(TaskRecord, doc)

    async def get_task(self, task_id: str) -> TaskRecord | None:
        doc = await self._one(_SELECT_TASK, task_id)
        return None if doc is None else decoded(TaskRecord, doc)

    async def list_tasks(self, run_id: str) -> list[TaskRecord]:
        sql = "SELECT doc FROM tasks WHERE run_id = ? ORDER BY created_at, task_id"
        docs = await self._docs(sql, run_id)
        return [decoded(TaskRecord, d) for d in docs]

    async def set_task_status(
        self,
        task_id: str,
        status: TaskStatus,
        *,
        result: TaskResult | None = None,
        error: str | None = None,
    ) -> TaskRecord:
        target = TaskStatus(status)
        while True:  # compare-and-set on the document read: no other writer's change is lost
            doc = await self._one(_SELECT_TASK, task_id)
            if doc is None:
                raise RecordNotFoundError(f"no task {task_id}")
            current = decoded(TaskRecord, doc)
            new = advance_task(current, target, result=result, error=error)
            if new is None:
                return current
            if await self._write(
                _UPDATE_TASK, new.status.value, new.model_dump_json(), task_id, doc
            ):
                return new

    # -- artifacts and the prompt cache --------------------------------------------------

    async def put_artifact(self, artifact: ArtifactRecord) -> ArtifactRecord:
        row = (
            artifact.artifact_id,
            artifact.run_id,
            _stamp(artifact.created_at),
            artifact.model_dump_json(),
        )
        doc = await self._insert_if_absent(
            _INSERT_ARTIFACT, row, _SELECT_ARTIFACT, artifact.artifact_id
        )
        return decoded(ArtifactRecord, doc)

    async def get_artifact(self, artifact_id: str) -> ArtifactRecord | None:
        doc = await self._one(_SELECT_ARTIFACT, artifact_id)
        return None if doc is None else decoded(ArtifactRecord, doc)

    async def list_artifacts(self, run_id: str) -> list[ArtifactRecord]:
        sql = "SELECT doc FROM artifacts WHERE run_id = ? ORDER BY created_at, artifact_id"
        docs = await self._docs(sql, run_id)
        return [decoded(ArtifactRecord, d) for d in docs]

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
        row = (prompt_hash, seed, model, entry.model_dump_json())
        doc = await self._insert_if_absent(
            _INSERT_CACHE, row, _SELECT_CACHE, prompt_hash, seed, model
        )
        return decoded(PromptCacheEntry, doc)

    async def cached_artifact(
        self, prompt_hash: str, seed: int, model: str
    ) -> PromptCacheEntry | None:
        doc = await self._one(_SELECT_CACHE, prompt_hash, seed, model)
        return None if doc is None else decoded(PromptCacheEntry, doc)

    async def list_prompt_cache(
        self, *, limit: int = 100, after: PromptCacheEntry | None = None
    ) -> list[PromptCacheEntry]:
        n = page_size(limit)
        if after is None:
            docs = await self._docs(_LIST_CACHE, n)
        else:
            key = (after.prompt_hash, after.seed, after.model)
            docs = await self._docs(_LIST_CACHE_AFTER, *key, n)
        return [decoded(PromptCacheEntry, d) for d in docs]

    # -- deleting ------------------------------------------------------------------------

    async def expired_artifacts(
        self, before: datetime, *, limit: int = DEFAULT_PAGE_SIZE
    ) -> list[ArtifactRecord]:
        docs = await self._docs(_EXPIRED_ARTIFACTS, _stamp(before), page_size(limit))
        return [decoded(ArtifactRecord, d) for d in docs]

    async def forget_cached(self, artifact_ids: Collection[str]) -> list[PromptCacheEntry]:
        ids = id_list(artifact_ids)
        if not ids:
            return []
        sql = (
            "DELETE FROM prompt_cache WHERE json_extract(doc, '$.artifact_id') "
            f"IN ({_marks(len(ids))}) RETURNING doc"
        )
        return [decoded(PromptCacheEntry, d) for d in await self._docs(sql, *ids)]

    async def blob_in_use(self, sha256: str, *, excluding: Collection[str] = ()) -> bool:
        ids = id_list(excluding)
        sql = (
            "SELECT 1 FROM artifacts WHERE json_extract(doc, '$.sha256') = ? "
            f"AND artifact_id NOT IN ({_marks(len(ids))}) LIMIT 1"
        )
        return await self._one(sql, sha256, *ids) is not None

    async def delete_artifacts(self, artifact_ids: Collection[str]) -> int:
        ids = id_list(artifact_ids)
        if not ids:
            return 0
        return await self._write(
            f"DELETE FROM artifacts WHERE artifact_id IN ({_marks(len(ids))})", *ids
        )

    async def delete_run(self, run_id: str) -> bool:
        await self._write(_DELETE_RUN_TASKS, run_id)
        return await self._write(_DELETE_RUN, run_id) > 0

    # -- audit ---------------------------------------------------------------------------

    async def put_audit(self, entry: AuditEntry) -> bool:
        row = (entry.entry_id, entry.run_id, entry.model_dump_json())
        return await self._write(_INSERT_AUDIT, *row) == 1

    async def list_audit(
        self, *, run_id: str | None = None, limit: int = 100, after: str | None = None
    ) -> list[AuditEntry]:
        n = page_size(limit)
        where, args = ["entry_id > ?"], [after or ""]
        if run_id is not None:
            where.append("run_id = ?")
            args.append(run_id)
        sql = f"SELECT doc FROM audit WHERE {' AND '.join(where)} ORDER BY entry_id LIMIT ?"
        docs = await self._docs(sql, *args, n)
        return [decoded(AuditEntry, d) for d in docs]

    # -- lifecycle -----------------------------------------------------------------------

    async def ping(self) -> None:
        await self._one("SELECT 1")

    async def close(self) -> None:
        """Close the connection (calls already made finish first). Safe to call twice."""
        conn, self._conn = self._conn, None
        if conn is not None:
            async with self._errors():
                await conn.close()
