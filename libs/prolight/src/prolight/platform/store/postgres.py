"""`PostgresRunStore`: the run store in PostgreSQL through psycopg 3 (async), for many hosts.

Each record is kept whole as JSONB in the table the original design names (`agent_runs` with
the plan inside, `agent_tasks`, `artifacts`, `prompt_cache`, `audit_log`: migrations/), next to
the columns it is queried by. Calls borrow a connection from a psycopg_pool pool; connections
are in autocommit, so every statement is its own transaction. Read-modify-write calls check
what they read in the write itself, as in SQLite: `update_run` updates `WHERE version = …`,
`set_task_status` compares the stored document, insert-if-absent is `INSERT … ON CONFLICT DO
NOTHING RETURNING`. A trigger makes the audit log append-only.

Opening creates the database when it is missing (if the user may) and applies the pending
schema migrations under an advisory lock. Connections the server closed while idle (a
restart, a failover, `pg_terminate_backend`) are replaced before a call uses them; a
connection lost in the middle of a call raises `StoreUnavailableError` (retry later). Why
psycopg: docs/decisions/postgres-store.md.
"""

from __future__ import annotations

import math
import re
import select
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from typing import Any

import psycopg
from psycopg import AsyncConnection, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import TupleRow
from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout

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
from prolight.platform.store.migrations import Migration, migrate
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
from prolight.platform.store.redact import strip_secrets

__all__ = ["PostgresRunStore", "describe", "migrate_database"]

Pool = AsyncConnectionPool[AsyncConnection[TupleRow]]

_TASK_RETRIES = 10  # compare-and-set rounds before giving up under heavy contention

# Constant SQL text: psycopg prepares a statement on the server once it has run a few times.
_INSERT_RUN = (
    "INSERT INTO agent_runs (id, status, owner, version, created_at, updated_at, doc) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT (id) DO NOTHING"
)
_SELECT_RUN = "SELECT doc::text FROM agent_runs WHERE id = %s"
_UPDATE_RUN = (
    "UPDATE agent_runs SET status = %s, owner = %s, version = %s, updated_at = %s, "
    "doc = %s::jsonb WHERE id = %s AND version = %s"
)
_INSERT_TASK = (
    "INSERT INTO agent_tasks (id, run_id, tool, status, created_at, doc) "
    "VALUES (%s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT (id) DO NOTHING RETURNING doc::text"
)
_SELECT_TASK = "SELECT doc::text FROM agent_tasks WHERE id = %s"
_LIST_TASKS = "SELECT doc::text FROM agent_tasks WHERE run_id = %s ORDER BY created_at, id"
_UPDATE_TASK = (
    "UPDATE agent_tasks SET status = %s, doc = %s::jsonb WHERE id = %s AND doc = %s::jsonb"
)
_INSERT_ARTIFACT = (
    "INSERT INTO artifacts (id, run_id, created_at, doc) VALUES (%s, %s, %s, %s::jsonb) "
    "ON CONFLICT (id) DO NOTHING RETURNING doc::text"
)
_SELECT_ARTIFACT = "SELECT doc::text FROM artifacts WHERE id = %s"
_LIST_ARTIFACTS = "SELECT doc::text FROM artifacts WHERE run_id = %s ORDER BY created_at, id"
_INSERT_CACHE = (
    "INSERT INTO prompt_cache (prompt_hash, seed, model, artifact_id, created_at, doc) "
    "VALUES (%s, %s, %s, %s, %s, %s::jsonb) "
    "ON CONFLICT (prompt_hash, seed, model) DO NOTHING RETURNING doc::text"
)
_SELECT_CACHE = (
    "SELECT doc::text FROM prompt_cache WHERE prompt_hash = %s AND seed = %s AND model = %s"
)
_LIST_CACHE = "SELECT doc::text FROM prompt_cache ORDER BY prompt_hash, seed, model LIMIT %s"
_LIST_CACHE_AFTER = (
    "SELECT doc::text FROM prompt_cache WHERE (prompt_hash, seed, model) > (%s, %s, %s) "
    "ORDER BY prompt_hash, seed, model LIMIT %s"
)
_INSERT_AUDIT = (
    "INSERT INTO audit_log (id, run_id, at, doc) VALUES (%s, %s, %s, %s::jsonb) "
    "ON CONFLICT (id) DO NOTHING"
)
_LIST_AUDIT = "SELECT doc::text FROM audit_log WHERE id > %s ORDER BY id LIMIT %s"
_LIST_RUN_AUDIT = (
    "SELECT doc::text FROM audit_log WHERE run_id = %s AND id > %s ORDER BY id LIMIT %s"
)

_EXPIRED_ARTIFACTS = (
    "SELECT doc::text FROM artifacts WHERE created_at < %s ORDER BY created_at, id LIMIT %s"
)
_FORGET_CACHED = "DELETE FROM prompt_cache WHERE artifact_id = ANY(%s) RETURNING doc::text"
_BLOB_IN_USE = "SELECT '1' FROM artifacts WHERE doc->>'sha256' = %s AND NOT (id = ANY(%s)) LIMIT 1"
_DELETE_ARTIFACTS = "DELETE FROM artifacts WHERE id = ANY(%s)"
_DELETE_RUN_TASKS = "DELETE FROM agent_tasks WHERE run_id = %s"
_DELETE_RUN = "DELETE FROM agent_runs WHERE id = %s"


def describe(url: str) -> str:
    """`PostgreSQL host:port/dbname` of a URL, without its user or password (for messages).

    Raises `ValueError` when the URL is not one libpq can read.
    """
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise ValueError(f"not a PostgreSQL URL libpq can read: {_one_line(exc)}") from exc
    host = str(parts.get("host") or "localhost")
    port = str(parts.get("port") or "5432")
    return f"PostgreSQL {host}:{port}/{parts.get('dbname') or parts.get('user') or ''}"


_PASSWORD_PARAM = re.compile(r"(?i)\bpassword\s*=\s*('[^']*'|\S+)")


def _one_line(exc: BaseException) -> str:
    """The error's message on one line, any password masked: libpq quotes the URL it could
    not parse, password and all."""
    text = strip_secrets(re.sub(r"\s+", " ", str(exc)).strip())
    return _PASSWORD_PARAM.sub("password=***", text)


def _connect_timeout(timeout: float) -> int:
    return max(2, math.ceil(timeout))  # libpq takes whole seconds, 2 at least


def _missing_database(exc: psycopg.OperationalError, dbname: str) -> bool:
    # A failed connection carries no SQLSTATE, only the server's (English by default) message.
    return f'database "{dbname}" does not exist' in str(exc)


async def _connect(url: str, timeout: float) -> AsyncConnection[TupleRow]:
    """An autocommit connection to the URL's database, created first if it is missing."""
    dbname = str(conninfo_to_dict(url).get("dbname") or "")
    try:
        return await AsyncConnection.connect(
            url, autocommit=True, connect_timeout=_connect_timeout(timeout)
        )
    except psycopg.OperationalError as exc:
        if not dbname or not _missing_database(exc, dbname):
            raise
    # Like SQLite and MongoDB, a missing database is created; through the maintenance one.
    admin_url = make_conninfo(url, dbname="postgres")
    try:
        async with await AsyncConnection.connect(
            admin_url, autocommit=True, connect_timeout=_connect_timeout(timeout)
        ) as admin:
            with suppress(psycopg.errors.DuplicateDatabase):  # another process was first
                await admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    except psycopg.Error as exc:
        raise StoreUnavailableError(
            f"{describe(url)}: the database does not exist and cannot be created here "
            f"({_one_line(exc)}); create it, or let this user (CREATEDB)"
        ) from exc
    return await AsyncConnection.connect(
        url, autocommit=True, connect_timeout=_connect_timeout(timeout)
    )


@asynccontextmanager
async def _errors(name: str, action: str) -> AsyncIterator[None]:
    """psycopg's errors as ours: cannot connect, closed or lost → `StoreUnavailableError`."""
    try:
        yield
    except PoolClosed as exc:
        raise StoreUnavailableError(f"{name} is closed") from exc
    except PoolTimeout as exc:
        raise StoreUnavailableError(
            f"{name}: {action}: no connection to the server within the timeout"
        ) from exc
    except psycopg.OperationalError as exc:
        # No SQLSTATE: the client's own (refused, closed, lost); else the server's (shutting
        # down, a lock or statement timeout).
        state = "cannot be reached" if exc.sqlstate is None else "is unavailable"
        raise StoreUnavailableError(f"{name} {state}: {action}: {_one_line(exc)}") from exc
    except psycopg.Error as exc:
        raise StoreError(f"{name}: {action}: {_one_line(exc)}") from exc


async def migrate_database(url: str, *, timeout: float = 5.0) -> list[Migration]:
    """Apply the schema migrations the database at `url` lacks (creating the database if
    missing); return those applied, oldest first (empty: it was up to date).

    Raises `ValueError` for a URL libpq cannot read, `StoreUnavailableError` when the server
    cannot be reached and `StoreError` when a migration fails (then nothing is applied).
    """
    name = describe(url)
    async with _errors(name, "migrate"):
        conn = await _connect(url, timeout)
        async with conn:
            return await migrate(conn)


def _closed_by_server(conn: AsyncConnection[Any]) -> bool:
    """Whether the server has already said something to this idle connection: between calls
    an autocommit connection is never sent anything unless the server closed it (its FATAL
    message, then end of file). One poll(2) asks, instead of a round trip per call."""
    if conn.closed or conn.broken:
        return True
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    return bool(poller.poll(0))


class PostgresRunStore(RunStore):
    """The run store in the PostgreSQL database of a pool. Get one from `open(url)`."""

    def __init__(
        self, pool: Pool, name: str, *, migrated: tuple[int, ...] = (), timeout: float = 5.0
    ) -> None:
        self._pool: Pool | None = pool
        self._name = name
        self._timeout = timeout
        self.migrated = migrated
        """The schema versions that opening this store applied (empty: already current)."""

    @classmethod
    async def open(
        cls, url: str, *, timeout: float = 5.0, max_connections: int = 10
    ) -> PostgresRunStore:
        """Connect to `postgresql://user[:password]@host[:port]/dbname[?param=…]` (any libpq
        URL or key=value string), create the database if missing, apply pending migrations
        and open a pool of up to `max_connections`. `timeout`: seconds to wait for the server,
        or for a free connection in a call.
        """
        name = describe(url)
        applied = await migrate_database(url, timeout=timeout)
        pool: Pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            timeout=timeout,
            kwargs={"autocommit": True, "connect_timeout": _connect_timeout(timeout)},
            name=name,
            open=False,
        )
        async with _errors(name, "open the pool"):
            try:
                await pool.open(wait=True, timeout=timeout)
            except BaseException:
                await pool.close()
                raise
        return cls(pool, name, migrated=tuple(m.version for m in applied), timeout=timeout)

    # -- the connection ------------------------------------------------------------------

    @asynccontextmanager
    async def _connection(self, action: str) -> AsyncIterator[AsyncConnection[TupleRow]]:
        """A live pooled connection, psycopg's errors mapped to ours."""
        pool = self._pool
        if pool is None:
            raise StoreUnavailableError(f"{self._name} is closed")
        async with _errors(self._name, action):
            # Every idle connection may be dead after a restart: skip (and drop) each one.
            for _ in range(pool.max_size + 1):
                async with pool.connection(timeout=self._timeout) as conn:
                    if _closed_by_server(conn):
                        await _drop_if_dead(conn)
                        if conn.closed:
                            continue
                    yield conn
                    return
            raise StoreUnavailableError(f"{self._name}: {action}: every connection was closed")

    async def _docs(self, action: str, query: str, *args: Any) -> list[str]:
        async with self._connection(action) as conn:
            cur = await conn.execute(query, args)
            return [str(r[0]) for r in await cur.fetchall()]

    async def _one(self, action: str, query: str, *args: Any) -> str | None:
        docs = await self._docs(action, query, *args)
        return docs[0] if docs else None

    async def _write(self, action: str, query: str, *args: Any) -> int:
        """Run one write statement (its own transaction); the rows it changed."""
        async with self._connection(action) as conn:
            cur = await conn.execute(query, args)
            return cur.rowcount

    async def _insert_if_absent(
        self, action: str, insert: str, row: tuple[Any, ...], select_one: str, *key: Any
    ) -> str:
        """The stored document: the one `insert` (`… RETURNING doc`) added, else `select`'s."""
        docs = await self._docs(action, insert, *row)
        if docs:
            return docs[0]
        stored = await self._one(action, select_one, *key)
        if stored is None:  # pragma: no cover - only if deleted in between
            raise StoreError(f"{self._name}: {action}: {key} vanished right after insert")
        return stored

    # -- runs ----------------------------------------------------------------------------

    async def create_run(self, run: RunRecord) -> RunRecord:
        row = (
            run.run_id,
            run.status.value,
            run.owner,
            run.version,
            run.created_at,
            run.updated_at,
            run.model_dump_json(),
        )
        if not await self._write("create run", _INSERT_RUN, *row):
            raise AlreadyExistsError(f"run {run.run_id} already exists")
        return run

    async def get_run(self, run_id: str) -> RunRecord | None:
        doc = await self._one("read run", _SELECT_RUN, run_id)
        return None if doc is None else decoded(RunRecord, doc)

    async def update_run(
        self, run_id: str, expected_version: int, changes: Mapping[str, Any]
    ) -> RunRecord:
        current = await self.get_run(run_id)
        if current is None:
            raise RecordNotFoundError(f"no run {run_id}")
        if current.version != expected_version:
            raise ConcurrencyConflict(run_id, expected_version, current.version)
        new = apply_run_changes(current, changes)
        changed = await self._write(
            "update run",
            _UPDATE_RUN,
            new.status.value,
            new.owner,
            new.version,
            new.updated_at,
            new.model_dump_json(),
            run_id,
            expected_version,
        )
        if not changed:  # another writer updated it between our read and our write
            moved = await self.get_run(run_id)
            raise ConcurrencyConflict(
                run_id, expected_version, moved.version if moved else expected_version + 1
            )
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
            where.append("status = ANY(%s)")
            args.append(status_values(status))
        if owner is not None:
            where.append("owner = %s")
            args.append(owner)
        if cursor is not None:
            at, key = decode_cursor(cursor)
            where.append("(created_at, id) < (%s, %s)")
            args += [at, key]
        query = "SELECT doc::text FROM agent_runs"
        if where:
            query += " WHERE " + " AND ".join(where)
        query += " ORDER BY created_at DESC, id DESC LIMIT %s"

        docs = await self._docs("list runs", query, *args, n + 1)
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
            task.tool.value,
            task.status.value,
            task.created_at,
            task.model_dump_json(),
        )
        doc = await self._insert_if_absent(
            "insert task", _INSERT_TASK, row, _SELECT_TASK, task.task_id
        )
        return decoded(TaskRecord, doc)

    async def get_task(self, task_id: str) -> TaskRecord | None:
        doc = await self._one("read task", _SELECT_TASK, task_id)
        return None if doc is None else decoded(TaskRecord, doc)

    async def list_tasks(self, run_id: str) -> list[TaskRecord]:
        docs = await self._docs("list tasks", _LIST_TASKS, run_id)
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
        for _ in range(_TASK_RETRIES):  # compare-and-set on the document read
            doc = await self._one("read task", _SELECT_TASK, task_id)
            if doc is None:
                raise RecordNotFoundError(f"no task {task_id}")
            current = decoded(TaskRecord, doc)
            new = advance_task(current, target, result=result, error=error)
            if new is None:
                return current
            if await self._write(
                "update task", _UPDATE_TASK, new.status.value, new.model_dump_json(), task_id, doc
            ):
                return new
        raise StoreUnavailableError(f"task {task_id} kept changing under us; try again")

    # -- artifacts and the prompt cache --------------------------------------------------

    async def put_artifact(self, artifact: ArtifactRecord) -> ArtifactRecord:
        row = (
            artifact.artifact_id,
            artifact.run_id,
            artifact.created_at,
            artifact.model_dump_json(),
        )
        doc = await self._insert_if_absent(
            "insert artifact", _INSERT_ARTIFACT, row, _SELECT_ARTIFACT, artifact.artifact_id
        )
        return decoded(ArtifactRecord, doc)

    async def get_artifact(self, artifact_id: str) -> ArtifactRecord | None:
        doc = await self._one("read artifact", _SELECT_ARTIFACT, artifact_id)
        return None if doc is None else decoded(ArtifactRecord, doc)

    async def list_artifacts(self, run_id: str) -> list[ArtifactRecord]:
        docs = await self._docs("list artifacts", _LIST_ARTIFACTS, run_id)
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
        row = (prompt_hash, seed, model, artifact_id, entry.created_at, entry.model_dump_json())
        doc = await self._insert_if_absent(
            "insert cache entry", _INSERT_CACHE, row, _SELECT_CACHE, prompt_hash, seed, model
        )
        return decoded(PromptCacheEntry, doc)

    async def cached_artifact(
        self, prompt_hash: str, seed: int, model: str
    ) -> PromptCacheEntry | None:
        doc = await self._one("read cache entry", _SELECT_CACHE, prompt_hash, seed, model)
        return None if doc is None else decoded(PromptCacheEntry, doc)

    async def list_prompt_cache(
        self, *, limit: int = 100, after: PromptCacheEntry | None = None
    ) -> list[PromptCacheEntry]:
        n = page_size(limit)
        if after is None:
            docs = await self._docs("list cache entries", _LIST_CACHE, n)
        else:
            key = (after.prompt_hash, after.seed, after.model)
            docs = await self._docs("list cache entries", _LIST_CACHE_AFTER, *key, n)
        return [decoded(PromptCacheEntry, d) for d in docs]

    # -- deleting ------------------------------------------------------------------------

    async def expired_artifacts(
        self, before: datetime, *, limit: int = DEFAULT_PAGE_SIZE
    ) -> list[ArtifactRecord]:
        docs = await self._docs(
            "list expired artifacts", _EXPIRED_ARTIFACTS, before, page_size(limit)
        )
        return [decoded(ArtifactRecord, d) for d in docs]

    async def forget_cached(self, artifact_ids: Collection[str]) -> list[PromptCacheEntry]:
        ids = id_list(artifact_ids)
        if not ids:
            return []
        docs = await self._docs("delete cache entries", _FORGET_CACHED, ids)
        return [decoded(PromptCacheEntry, d) for d in docs]

    async def blob_in_use(self, sha256: str, *, excluding: Collection[str] = ()) -> bool:
        ids = id_list(excluding)
        return await self._one("check blob users", _BLOB_IN_USE, sha256, ids) is not None

    async def delete_artifacts(self, artifact_ids: Collection[str]) -> int:
        ids = id_list(artifact_ids)
        if not ids:
            return 0
        return await self._write("delete artifacts", _DELETE_ARTIFACTS, ids)

    async def delete_run(self, run_id: str) -> bool:
        await self._write("delete tasks", _DELETE_RUN_TASKS, run_id)
        return await self._write("delete run", _DELETE_RUN, run_id) > 0

    # -- audit ---------------------------------------------------------------------------

    async def put_audit(self, entry: AuditEntry) -> bool:
        row = (entry.entry_id, entry.run_id, entry.at, entry.model_dump_json())
        return await self._write("store audit", _INSERT_AUDIT, *row) == 1

    async def list_audit(
        self, *, run_id: str | None = None, limit: int = 100, after: str | None = None
    ) -> list[AuditEntry]:
        n = page_size(limit)
        if run_id is None:
            docs = await self._docs("list audit", _LIST_AUDIT, after or "", n)
        else:
            docs = await self._docs("list audit", _LIST_RUN_AUDIT, run_id, after or "", n)
        return [decoded(AuditEntry, d) for d in docs]

    # -- lifecycle -----------------------------------------------------------------------

    async def ping(self) -> None:
        await self._one("ping", "SELECT 1")

    async def close(self) -> None:
        """Close the pool (calls in flight finish first). Safe to call twice."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


async def _drop_if_dead(conn: AsyncConnection[Any]) -> None:
    """Close a connection the server has closed, so that the pool replaces it; one that only
    had something else to read (a notice) answers an empty query and stays."""
    try:
        await conn.execute("")
    except psycopg.Error:
        await conn.close()
