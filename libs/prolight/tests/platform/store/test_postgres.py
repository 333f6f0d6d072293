"""What is particular to the PostgreSQL store: migrations, connections, its error messages.

The contract itself runs on PostgreSQL through the `store` fixture (conftest.py); these tests
use a schema of their own in the session's database (`postgres_schema`).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from prolight.platform.store import (
    ConcurrencyConflict,
    RunRecord,
    RunStatus,
    StoreError,
    StoreUnavailableError,
    open_store,
)
from prolight.platform.store.migrations import (
    LOCK_KEY,
    MIGRATIONS,
    Migration,
    applied_versions,
    migrate,
)
from prolight.platform.store.postgres import PostgresRunStore, describe, migrate_database

TABLES = {"agent_runs", "agent_tasks", "artifacts", "prompt_cache", "audit_log"}

pytestmark = pytest.mark.integration


async def connect(url: str) -> psycopg.AsyncConnection[tuple[object, ...]]:
    return await psycopg.AsyncConnection.connect(url, autocommit=True)


async def rows(url: str, query: str, *args: object) -> list[tuple[object, ...]]:
    async with await connect(url) as conn:
        cur = await conn.execute(query, args)
        return await cur.fetchall()


async def execute(url: str, statement: str) -> None:
    async with await connect(url) as conn:
        await conn.execute(statement)


async def tables(url: str) -> set[str]:
    found = await rows(url, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return {str(r[0]) for r in found}


async def wait_until(condition: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Poll an async condition until it holds, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.02)


# -- migrations ------------------------------------------------------------------------


def test_the_migrations_are_numbered_one_by_one() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert all(m.description and m.sql.strip() for m in MIGRATIONS)


async def test_migrations_are_applied_once_and_recorded(postgres_schema: str) -> None:
    async with await PostgresRunStore.open(postgres_schema) as first:
        assert first.migrated == tuple(m.version for m in MIGRATIONS)
    assert TABLES | {"schema_migrations"} <= await tables(postgres_schema)
    recorded = await rows(postgres_schema, "SELECT version, description FROM schema_migrations")
    assert recorded == [(m.version, m.description) for m in MIGRATIONS]

    async with await PostgresRunStore.open(postgres_schema) as again:
        assert again.migrated == ()
    assert await rows(postgres_schema, "SELECT count(*) FROM schema_migrations") == [
        (len(MIGRATIONS),)
    ]
    assert await migrate_database(postgres_schema) == []


async def test_two_opens_at_once_migrate_once(postgres_schema: str) -> None:
    """Both see the schema missing; the advisory lock lets one migrate and the other find it
    done. The lock is held here until both are waiting on it, so they really overlap."""

    async def both_waiting() -> bool:
        found = await rows(
            postgres_schema,
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND (classid::bigint << 32 | objid::bigint) = %s",
            LOCK_KEY,
        )
        return found == [(2,)]

    async with await connect(postgres_schema) as holder:
        async with holder.transaction():
            await holder.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            opens = [
                asyncio.ensure_future(PostgresRunStore.open(postgres_schema)) for _ in range(2)
            ]
            await wait_until(both_waiting)
            assert not any(o.done() for o in opens)
        stores = await asyncio.gather(*opens)
    try:
        assert sorted(s.migrated for s in stores) == [(), tuple(m.version for m in MIGRATIONS)]
        assert await rows(postgres_schema, "SELECT count(*) FROM schema_migrations") == [
            (len(MIGRATIONS),)
        ]
        await stores[0].create_run(RunRecord(run_id="r1"))
        assert await stores[1].get_run("r1") is not None
    finally:
        for s in stores:
            await s.close()


async def test_a_failing_migration_leaves_the_database_as_it_was(postgres_schema: str) -> None:
    broken = [*MIGRATIONS, Migration(len(MIGRATIONS) + 1, "broken", "CREATE TABLE x (;")]
    async with await connect(postgres_schema) as conn:
        with pytest.raises(psycopg.errors.SyntaxError):
            await migrate(conn, broken)
        assert await applied_versions(conn) == set()
    assert await tables(postgres_schema) == set()  # version 1 rolled back with it

    async with await connect(postgres_schema) as conn:
        assert [m.version for m in await migrate(conn)] == [m.version for m in MIGRATIONS]
        with pytest.raises(psycopg.errors.SyntaxError):
            await migrate(conn, broken)
        assert await applied_versions(conn) == {m.version for m in MIGRATIONS}


async def test_a_failing_migration_is_a_store_error_naming_the_database(
    postgres_schema: str,
) -> None:
    """A table of the same name that the migrations did not make (someone else's) stops
    them: the store refuses to open and applies nothing."""
    await execute(postgres_schema, "CREATE TABLE agent_runs (id int)")
    with pytest.raises(StoreError, match=r"PostgreSQL .*/prolight_test_\w+: migrate: .*agent_runs"):
        await PostgresRunStore.open(postgres_schema)
    assert await tables(postgres_schema) == {"agent_runs"}


# -- concurrency -----------------------------------------------------------------------


async def test_a_stale_version_from_another_process_is_a_conflict(postgres_schema: str) -> None:
    async with (
        await PostgresRunStore.open(postgres_schema) as a,
        await PostgresRunStore.open(postgres_schema) as b,
    ):
        await a.create_run(RunRecord(run_id="r1"))
        read_by_a = await a.get_run("r1")
        assert read_by_a is not None
        await b.update_run("r1", 1, {"status": RunStatus.PLANNING})
        with pytest.raises(ConcurrencyConflict) as info:
            await a.update_run("r1", read_by_a.version, {"status": RunStatus.RUNNING})
        assert (info.value.run_id, info.value.expected, info.value.actual) == ("r1", 1, 2)
        stored = await a.get_run("r1")
        assert stored is not None
        assert (stored.version, stored.status) == (2, RunStatus.PLANNING)
        version = await rows(postgres_schema, "SELECT version FROM agent_runs WHERE id = 'r1'")
        assert version == [(2,)]


# -- connections -----------------------------------------------------------------------


@pytest.fixture
async def named_store(postgres_schema: str) -> AsyncIterator[tuple[PostgresRunStore, str]]:
    """A store whose connections carry an application name of their own, and that name."""
    name = f"prolight-test-{uuid.uuid4().hex[:8]}"
    url = make_conninfo(postgres_schema, application_name=name)
    async with await PostgresRunStore.open(url, max_connections=4) as store:
        yield store, name


async def test_the_store_carries_on_after_the_server_closes_its_connections(
    named_store: tuple[PostgresRunStore, str], postgres_schema: str
) -> None:
    store, name = named_store
    await store.create_run(RunRecord(run_id="r1"))
    async with AsyncExitStack() as held:  # three connections at once: the pool keeps them
        for _ in range(3):
            await held.enter_async_context(store._connection("hold"))
    # pg_terminate_backend(pid, timeout) returns once the backend is gone.
    killed = await rows(
        postgres_schema,
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = %s",
        name,
    )
    assert len(killed) == 3
    assert all(r == (True,) for r in killed)

    runs = await asyncio.gather(*(store.get_run("r1") for _ in range(8)))
    assert all(r is not None and r.run_id == "r1" for r in runs)
    moved = await store.update_run("r1", 1, {"status": RunStatus.PLANNING})
    assert moved.version == 2
    await store.ping()


async def test_an_unreachable_server_is_store_unavailable(free_tcp_port: int) -> None:
    url = f"postgresql://prolight:hunter2@127.0.0.1:{free_tcp_port}/prolight"
    with pytest.raises(StoreUnavailableError) as info:
        await PostgresRunStore.open(url, timeout=1)
    message = str(info.value)
    assert message.startswith(f"PostgreSQL 127.0.0.1:{free_tcp_port}/prolight cannot be reached")
    assert "Connection refused" in message
    assert "\n" not in message
    assert "hunter2" not in message


async def test_a_store_url_libpq_cannot_read_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a PostgreSQL URL") as info:
        await open_store("postgresql://ana:hunter2@[::1/x")
    assert "hunter2" not in str(info.value)  # libpq quotes the whole URL


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
async def test_open_store_takes_both_schemes(postgres_url: str, scheme: str) -> None:
    parts = conninfo_to_dict(postgres_url)
    url = f"{scheme}://{parts['user']}@{parts['host']}:{parts['port']}/{parts['dbname']}"
    async with await open_store(url) as store:
        assert isinstance(store, PostgresRunStore)
        await store.ping()


async def test_a_missing_database_is_created(postgres_url: str) -> None:
    name = f"{conninfo_to_dict(postgres_url)['dbname']}_new"
    url = make_conninfo(postgres_url, dbname=name)
    try:
        async with await PostgresRunStore.open(url) as store:
            assert store.migrated == tuple(m.version for m in MIGRATIONS)
            await store.create_run(RunRecord(run_id="r1"))
            assert await store.get_run("r1") is not None
    finally:
        async with await connect(postgres_url) as admin:
            await admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


async def test_a_closed_store_says_so(postgres_schema: str) -> None:
    store = await PostgresRunStore.open(postgres_schema)
    await store.close()
    await store.close()
    with pytest.raises(StoreUnavailableError, match="closed"):
        await store.get_run("r1")


def test_messages_name_the_server_not_the_password() -> None:
    assert (
        describe("postgres://u:secret@db.internal:6432/runs") == "PostgreSQL db.internal:6432/runs"
    )
    assert describe("postgresql:///runs") == "PostgreSQL localhost:5432/runs"


# -- what the tables refuse --------------------------------------------------------------


async def test_the_audit_table_refuses_updates_deletes_and_truncation(
    postgres_schema: str,
) -> None:
    async with await PostgresRunStore.open(postgres_schema) as store:
        await store.append_audit("x", run_id="r1")
    for statement in (
        "UPDATE audit_log SET run_id = 'r2'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            await execute(postgres_schema, statement)
    assert await rows(postgres_schema, "SELECT run_id FROM audit_log") == [("r1",)]


async def test_a_document_jsonb_cannot_hold_is_a_store_error(postgres_schema: str) -> None:
    """JSONB has no NUL character in text; the write fails as a StoreError, not a crash."""
    async with await PostgresRunStore.open(postgres_schema) as store:
        with pytest.raises(StoreError, match="create run") as info:
            await store.create_run(RunRecord(run_id="r1", error="nul \x00 here"))
        assert not isinstance(info.value, StoreUnavailableError)
        assert await store.get_run("r1") is None
