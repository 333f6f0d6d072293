"""`SqliteRunStore`: the run store in one SQLite file (WAL), the embedded default.

The stdlib `sqlite3` module runs on one dedicated thread per store (`GroupCommitter`), so
calls from many coroutines are serialised without blocking the event loop, and writes queued
together are committed together: one `BEGIN IMMEDIATE … COMMIT` per batch, one savepoint per
write, each caller answered only after the COMMIT. Several processes may open the same file:
WAL lets readers run beside the one writer, and a batch waits up to `busy_timeout` seconds
for the write lock before `StoreUnavailableError`. Each document is kept whole as JSON, next
to the columns it is queried by. Triggers make the audit table append-only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from prolight.platform.store.base import (
    DEFAULT_PAGE_SIZE,
    RunStore,
    advance_task,
    apply_run_changes,
    audit_entry,
    page_size,
    status_values,
)
from prolight.platform.store.errors import (
    AlreadyExistsError,
    ConcurrencyConflict,
    RecordNotFoundError,
)
from prolight.platform.store.group_commit import GroupCommitter
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
_INSERT_RUN = "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)"
_SELECT_RUN = "SELECT doc FROM runs WHERE run_id = ?"
_UPDATE_RUN = (
    "UPDATE runs SET status = ?, owner = ?, version = ?, doc = ? WHERE run_id = ? AND version = ?"
)
_INSERT_TASK = "INSERT OR IGNORE INTO tasks VALUES (?, ?, ?, ?, ?)"
_SELECT_TASK = "SELECT doc FROM tasks WHERE task_id = ?"
_UPDATE_TASK = "UPDATE tasks SET status = ?, doc = ? WHERE task_id = ?"
_INSERT_ARTIFACT = "INSERT OR IGNORE INTO artifacts VALUES (?, ?, ?, ?)"
_SELECT_ARTIFACT = "SELECT doc FROM artifacts WHERE artifact_id = ?"
_INSERT_CACHE = "INSERT OR IGNORE INTO prompt_cache VALUES (?, ?, ?, ?)"
_SELECT_CACHE = "SELECT doc FROM prompt_cache WHERE prompt_hash = ? AND seed = ? AND model = ?"
_INSERT_AUDIT = "INSERT INTO audit VALUES (?, ?, ?)"


def _one(db: sqlite3.Connection, sql: str, *args: Any) -> str | None:
    row = db.execute(sql, args).fetchone()
    return None if row is None else str(row[0])


def _docs(db: sqlite3.Connection, sql: str, *args: Any) -> list[str]:
    return [str(r[0]) for r in db.execute(sql, args)]


class SqliteRunStore(RunStore):
    """The run store in the SQLite file at `path` (`:memory:` for a private in-memory one)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 10.0) -> None:
        self.path = str(path)
        self._busy_timeout = busy_timeout
        self._db = GroupCommitter(self._connect, name=f"SQLite store {self.path}")

    @classmethod
    async def open(cls, path: str | Path, *, busy_timeout: float = 10.0) -> SqliteRunStore:
        """Open (creating the file, its directory and the schema if needed) in WAL mode."""
        store = cls(path, busy_timeout=busy_timeout)
        await store._db.start()
        return store

    def _connect(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # `timeout` is SQLite's busy_timeout: BEGIN IMMEDIATE waits that long for the lock.
        conn = sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
            conn.executescript(_SCHEMA)
        except BaseException:
            conn.close()
            raise
        return conn

    # -- runs ----------------------------------------------------------------------------

    async def create_run(self, run: RunRecord) -> RunRecord:
        # Serialised here, not on the store thread: the thread's turn holding the GIL stays
        # short, and the JSON is made once.
        row = (
            run.run_id,
            run.status.value,
            run.owner,
            _stamp(run.created_at),
            run.version,
            run.model_dump_json(),
        )

        def insert(db: sqlite3.Connection) -> None:
            try:
                db.execute(_INSERT_RUN, row)
            except sqlite3.IntegrityError as exc:
                raise AlreadyExistsError(f"run {run.run_id} already exists") from exc

        await self._db.write(insert)
        return run

    async def get_run(self, run_id: str) -> RunRecord | None:
        doc = await self._db.read(lambda db: _one(db, _SELECT_RUN, run_id))
        return None if doc is None else RunRecord.model_validate_json(doc)

    async def update_run(
        self, run_id: str, expected_version: int, changes: Mapping[str, Any]
    ) -> RunRecord:
        def update(db: sqlite3.Connection) -> RunRecord:
            doc = _one(db, _SELECT_RUN, run_id)
            if doc is None:
                raise RecordNotFoundError(f"no run {run_id}")
            current = RunRecord.model_validate_json(doc)
            if current.version != expected_version:
                raise ConcurrencyConflict(run_id, expected_version, current.version)
            new = apply_run_changes(current, changes)
            db.execute(
                _UPDATE_RUN,
                (
                    new.status.value,
                    new.owner,
                    new.version,
                    new.model_dump_json(),
                    run_id,
                    expected_version,
                ),
            )
            return new

        return await self._db.write(update)

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

        docs = await self._db.read(lambda db: _docs(db, sql, *args, n + 1))
        runs = [RunRecord.model_validate_json(d) for d in docs]
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

        def insert(db: sqlite3.Connection) -> str:
            db.execute(_INSERT_TASK, row)
            return _one(db, _SELECT_TASK, task.task_id) or ""

        return TaskRecord.model_validate_json(await self._db.write(insert))

    async def get_task(self, task_id: str) -> TaskRecord | None:
        doc = await self._db.read(lambda db: _one(db, _SELECT_TASK, task_id))
        return None if doc is None else TaskRecord.model_validate_json(doc)

    async def list_tasks(self, run_id: str) -> list[TaskRecord]:
        sql = "SELECT doc FROM tasks WHERE run_id = ? ORDER BY created_at, task_id"
        docs = await self._db.read(lambda db: _docs(db, sql, run_id))
        return [TaskRecord.model_validate_json(d) for d in docs]

    async def set_task_status(
        self,
        task_id: str,
        status: TaskStatus,
        *,
        result: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> TaskRecord:
        target = TaskStatus(status)

        def update(db: sqlite3.Connection) -> TaskRecord:
            doc = _one(db, _SELECT_TASK, task_id)
            if doc is None:
                raise RecordNotFoundError(f"no task {task_id}")
            current = TaskRecord.model_validate_json(doc)
            new = advance_task(current, target, result=result, error=error)
            if new is None:
                return current
            db.execute(_UPDATE_TASK, (new.status.value, new.model_dump_json(), task_id))
            return new

        return await self._db.write(update)

    # -- artifacts and the prompt cache --------------------------------------------------

    async def put_artifact(self, artifact: ArtifactRecord) -> ArtifactRecord:
        row = (
            artifact.artifact_id,
            artifact.run_id,
            _stamp(artifact.created_at),
            artifact.model_dump_json(),
        )

        def insert(db: sqlite3.Connection) -> str:
            db.execute(_INSERT_ARTIFACT, row)
            return _one(db, _SELECT_ARTIFACT, artifact.artifact_id) or ""

        return ArtifactRecord.model_validate_json(await self._db.write(insert))

    async def get_artifact(self, artifact_id: str) -> ArtifactRecord | None:
        doc = await self._db.read(lambda db: _one(db, _SELECT_ARTIFACT, artifact_id))
        return None if doc is None else ArtifactRecord.model_validate_json(doc)

    async def list_artifacts(self, run_id: str) -> list[ArtifactRecord]:
        sql = "SELECT doc FROM artifacts WHERE run_id = ? ORDER BY created_at, artifact_id"
        docs = await self._db.read(lambda db: _docs(db, sql, run_id))
        return [ArtifactRecord.model_validate_json(d) for d in docs]

    async def cache_artifact(
        self, prompt_hash: str, seed: int, model: str, artifact_id: str
    ) -> PromptCacheEntry:
        entry = PromptCacheEntry(
            prompt_hash=prompt_hash, seed=seed, model=model, artifact_id=artifact_id
        )
        row = (prompt_hash, seed, model, entry.model_dump_json())

        def insert(db: sqlite3.Connection) -> str:
            db.execute(_INSERT_CACHE, row)
            return _one(db, _SELECT_CACHE, prompt_hash, seed, model) or ""

        return PromptCacheEntry.model_validate_json(await self._db.write(insert))

    async def cached_artifact(
        self, prompt_hash: str, seed: int, model: str
    ) -> PromptCacheEntry | None:
        doc = await self._db.read(lambda db: _one(db, _SELECT_CACHE, prompt_hash, seed, model))
        return None if doc is None else PromptCacheEntry.model_validate_json(doc)

    # -- audit ---------------------------------------------------------------------------

    async def append_audit(
        self,
        action: str,
        *,
        actor: str = "system",
        run_id: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        entry = audit_entry(action, actor=actor, run_id=run_id, details=details)
        row = (entry.entry_id, entry.run_id, entry.model_dump_json())
        await self._db.write(lambda db: db.execute(_INSERT_AUDIT, row))
        return entry

    async def list_audit(self, *, run_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        n = page_size(limit)
        sql = "SELECT doc FROM audit ORDER BY entry_id LIMIT ?"
        args: list[Any] = [n]
        if run_id is not None:
            sql = "SELECT doc FROM audit WHERE run_id = ? ORDER BY entry_id LIMIT ?"
            args = [run_id, n]
        docs = await self._db.read(lambda db: _docs(db, sql, *args))
        return [AuditEntry.model_validate_json(d) for d in docs]

    # -- lifecycle -----------------------------------------------------------------------

    async def ping(self) -> None:
        await self._db.read(lambda db: _one(db, "SELECT 1"))

    async def close(self) -> None:
        """Run what is already queued, then close the connection. Safe to call twice."""
        await self._db.close()
