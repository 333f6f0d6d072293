"""`SqliteRunStore`: the run store in one SQLite file (WAL), the embedded default.

The stdlib `sqlite3` module runs on one dedicated thread per store, so calls from many
coroutines are serialised without blocking the event loop. Several processes may open the same
file: WAL lets readers run beside the one writer, every write is a `BEGIN IMMEDIATE`
transaction, and a writer waits up to `busy_timeout` seconds for the lock before
`StoreUnavailableError`. Each document is kept whole as JSON, next to the columns it is
queried by. Triggers make the audit table append-only.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from prolight.store.base import (
    DEFAULT_PAGE_SIZE,
    RunStore,
    advance_task,
    apply_run_changes,
    audit_entry,
    page_size,
)
from prolight.store.errors import (
    AlreadyExistsError,
    ConcurrencyConflict,
    RecordNotFoundError,
    StoreError,
    StoreUnavailableError,
)
from prolight.store.records import (
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

T = TypeVar("T")

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


class SqliteRunStore(RunStore):
    """The run store in the SQLite file at `path` (`:memory:` for a private in-memory one)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 10.0) -> None:
        self.path = str(path)
        self._busy_timeout = busy_timeout
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prolight-sqlite")
        self._conn: sqlite3.Connection | None = None
        self._closed = False

    @classmethod
    async def open(cls, path: str | Path, *, busy_timeout: float = 10.0) -> SqliteRunStore:
        """Open (creating the file, its directory and the schema if needed) in WAL mode."""
        store = cls(path, busy_timeout=busy_timeout)
        await store._call(store._connect)
        return store

    def _connect(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
        conn.executescript(_SCHEMA)
        self._conn = conn

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise StoreUnavailableError(f"SQLite store {self.path} is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, fn, *args)
        except sqlite3.OperationalError as exc:
            raise StoreUnavailableError(f"SQLite store {self.path}: {exc}") from exc
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite store {self.path}: {exc}") from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._db
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreUnavailableError(f"SQLite store {self.path} is closed")
        return self._conn

    def _one(self, sql: str, *args: Any) -> str | None:
        row = self._db.execute(sql, args).fetchone()
        return None if row is None else str(row[0])

    # -- runs ----------------------------------------------------------------------------

    async def create_run(self, run: RunRecord) -> RunRecord:
        def insert() -> None:
            try:
                with self._write() as db:
                    db.execute(
                        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            run.run_id,
                            run.status,
                            run.owner,
                            _stamp(run.created_at),
                            run.version,
                            run.model_dump_json(),
                        ),
                    )
            except sqlite3.IntegrityError as exc:
                raise AlreadyExistsError(f"run {run.run_id} already exists") from exc

        await self._call(insert)
        return run

    async def get_run(self, run_id: str) -> RunRecord | None:
        doc = await self._call(self._one, "SELECT doc FROM runs WHERE run_id = ?", run_id)
        return None if doc is None else RunRecord.model_validate_json(doc)

    async def update_run(
        self, run_id: str, expected_version: int, changes: Mapping[str, Any]
    ) -> RunRecord:
        def update() -> RunRecord:
            with self._write() as db:
                doc = self._one("SELECT doc FROM runs WHERE run_id = ?", run_id)
                if doc is None:
                    raise RecordNotFoundError(f"no run {run_id}")
                current = RunRecord.model_validate_json(doc)
                if current.version != expected_version:
                    raise ConcurrencyConflict(run_id, expected_version, current.version)
                new = apply_run_changes(current, changes)
                db.execute(
                    "UPDATE runs SET status = ?, owner = ?, version = ?, doc = ? "
                    "WHERE run_id = ? AND version = ?",
                    (
                        new.status,
                        new.owner,
                        new.version,
                        new.model_dump_json(),
                        run_id,
                        expected_version,
                    ),
                )
                return new

        return await self._call(update)

    async def list_runs(
        self,
        *,
        status: RunStatus | None = None,
        owner: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
    ) -> Page[RunRecord]:
        n = page_size(limit)
        where, args = [], []
        if status is not None:
            where.append("status = ?")
            args.append(str(RunStatus(status)))
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

        def query() -> list[str]:
            return [str(r[0]) for r in self._db.execute(sql, (*args, n + 1))]

        runs = [RunRecord.model_validate_json(d) for d in await self._call(query)]
        more = len(runs) > n
        runs = runs[:n]
        next_cursor = encode_cursor(runs[-1].created_at, runs[-1].run_id) if more else None
        return Page[RunRecord](items=runs, next_cursor=next_cursor)

    # -- tasks ---------------------------------------------------------------------------

    async def put_task(self, task: TaskRecord) -> TaskRecord:
        def insert() -> str:
            with self._write() as db:
                db.execute(
                    "INSERT OR IGNORE INTO tasks VALUES (?, ?, ?, ?, ?)",
                    (
                        task.task_id,
                        task.run_id,
                        task.status,
                        _stamp(task.created_at),
                        task.model_dump_json(),
                    ),
                )
                return self._one("SELECT doc FROM tasks WHERE task_id = ?", task.task_id) or ""

        return TaskRecord.model_validate_json(await self._call(insert))

    async def get_task(self, task_id: str) -> TaskRecord | None:
        doc = await self._call(self._one, "SELECT doc FROM tasks WHERE task_id = ?", task_id)
        return None if doc is None else TaskRecord.model_validate_json(doc)

    async def list_tasks(self, run_id: str) -> list[TaskRecord]:
        def query() -> list[str]:
            sql = "SELECT doc FROM tasks WHERE run_id = ? ORDER BY created_at, task_id"
            return [str(r[0]) for r in self._db.execute(sql, (run_id,))]

        return [TaskRecord.model_validate_json(d) for d in await self._call(query)]

    async def set_task_status(
        self,
        task_id: str,
        status: TaskStatus,
        *,
        result: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> TaskRecord:
        def update() -> TaskRecord:
            with self._write() as db:
                doc = self._one("SELECT doc FROM tasks WHERE task_id = ?", task_id)
                if doc is None:
                    raise RecordNotFoundError(f"no task {task_id}")
                current = TaskRecord.model_validate_json(doc)
                new = advance_task(current, TaskStatus(status), result=result, error=error)
                if new is None:
                    return current
                db.execute(
                    "UPDATE tasks SET status = ?, doc = ? WHERE task_id = ?",
                    (new.status, new.model_dump_json(), task_id),
                )
                return new

        return await self._call(update)

    # -- artifacts and the prompt cache --------------------------------------------------

    async def put_artifact(self, artifact: ArtifactRecord) -> ArtifactRecord:
        def insert() -> str:
            with self._write() as db:
                db.execute(
                    "INSERT OR IGNORE INTO artifacts VALUES (?, ?, ?, ?)",
                    (
                        artifact.artifact_id,
                        artifact.run_id,
                        _stamp(artifact.created_at),
                        artifact.model_dump_json(),
                    ),
                )
                sql = "SELECT doc FROM artifacts WHERE artifact_id = ?"
                return self._one(sql, artifact.artifact_id) or ""

        return ArtifactRecord.model_validate_json(await self._call(insert))

    async def get_artifact(self, artifact_id: str) -> ArtifactRecord | None:
        sql = "SELECT doc FROM artifacts WHERE artifact_id = ?"
        doc = await self._call(self._one, sql, artifact_id)
        return None if doc is None else ArtifactRecord.model_validate_json(doc)

    async def list_artifacts(self, run_id: str) -> list[ArtifactRecord]:
        def query() -> list[str]:
            sql = "SELECT doc FROM artifacts WHERE run_id = ? ORDER BY created_at, artifact_id"
            return [str(r[0]) for r in self._db.execute(sql, (run_id,))]

        return [ArtifactRecord.model_validate_json(d) for d in await self._call(query)]

    async def cache_artifact(
        self, prompt_hash: str, seed: int, model: str, artifact_id: str
    ) -> PromptCacheEntry:
        entry = PromptCacheEntry(
            prompt_hash=prompt_hash, seed=seed, model=model, artifact_id=artifact_id
        )
        sql = "SELECT doc FROM prompt_cache WHERE prompt_hash = ? AND seed = ? AND model = ?"

        def insert() -> str:
            with self._write() as db:
                db.execute(
                    "INSERT OR IGNORE INTO prompt_cache VALUES (?, ?, ?, ?)",
                    (prompt_hash, seed, model, entry.model_dump_json()),
                )
                return self._one(sql, prompt_hash, seed, model) or ""

        return PromptCacheEntry.model_validate_json(await self._call(insert))

    async def cached_artifact(
        self, prompt_hash: str, seed: int, model: str
    ) -> PromptCacheEntry | None:
        sql = "SELECT doc FROM prompt_cache WHERE prompt_hash = ? AND seed = ? AND model = ?"
        doc = await self._call(self._one, sql, prompt_hash, seed, model)
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

        def insert() -> None:
            with self._write() as db:
                db.execute(
                    "INSERT INTO audit VALUES (?, ?, ?)",
                    (entry.entry_id, entry.run_id, entry.model_dump_json()),
                )

        await self._call(insert)
        return entry

    async def list_audit(self, *, run_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        n = page_size(limit)

        def query() -> list[str]:
            if run_id is None:
                rows = self._db.execute("SELECT doc FROM audit ORDER BY entry_id LIMIT ?", (n,))
            else:
                rows = self._db.execute(
                    "SELECT doc FROM audit WHERE run_id = ? ORDER BY entry_id LIMIT ?",
                    (run_id, n),
                )
            return [str(r[0]) for r in rows]

        return [AuditEntry.model_validate_json(d) for d in await self._call(query)]

    # -- lifecycle -----------------------------------------------------------------------

    async def ping(self) -> None:
        await self._call(self._one, "SELECT 1")

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await asyncio.get_running_loop().run_in_executor(self._executor, conn.close)
        self._executor.shutdown(wait=False)
