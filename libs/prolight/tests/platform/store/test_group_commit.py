"""Group commit: writes queued together share one transaction, yet each keeps its own outcome."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from prolight.platform.store import (
    AlreadyExistsError,
    ConcurrencyConflict,
    RecordNotFoundError,
    RunRecord,
    SqliteRunStore,
    StoreError,
    StoreUnavailableError,
)
from prolight.platform.store.group_commit import GroupCommitter


@asynccontextmanager
async def store_thread_held(db: GroupCommitter) -> AsyncIterator[None]:
    """Keep the store thread busy for the block, so everything queued in it forms one batch."""
    entered, release = threading.Event(), threading.Event()

    def gate(_: sqlite3.Connection) -> None:
        entered.set()
        release.wait(5)

    gated = asyncio.ensure_future(db.read(gate))
    assert await asyncio.to_thread(entered.wait, 5)
    try:
        yield
    finally:
        release.set()
        await gated


async def one_batch(db: GroupCommitter, *calls: Awaitable[Any]) -> list[Any]:
    """Run `calls` as one batch; their outcomes (results or exceptions) in call order."""
    async with store_thread_held(db):
        tasks = [asyncio.ensure_future(c) for c in calls]
        await asyncio.sleep(0)  # every task runs up to its await: all are queued
        batches = db.batches
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert db.batches == batches + 2, "the gate's batch, then exactly one for the calls"
    return results


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[GroupCommitter]:
    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(tmp_path / "t.db", timeout=0.3, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY)")
        return conn

    committer = GroupCommitter(connect, name="test db")
    await committer.start()
    yield committer
    await committer.close()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteRunStore]:
    async with await SqliteRunStore.open(tmp_path / "runs.db") as s:
        yield s


def insert(key: str) -> Callable[[sqlite3.Connection], str]:
    def op(conn: sqlite3.Connection) -> str:
        conn.execute("INSERT INTO t VALUES (?)", (key,))
        return key

    return op


def insert_then_fail(key: str) -> Callable[[sqlite3.Connection], None]:
    def op(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES (?)", (key,))
        raise LookupError(f"changed my mind about {key}")

    return op


def keys(conn: sqlite3.Connection) -> list[str]:
    return [str(r[0]) for r in conn.execute("SELECT k FROM t ORDER BY k")]


# -- the store ---------------------------------------------------------------------------


async def test_concurrent_writes_all_land_in_few_transactions(store: SqliteRunStore) -> None:
    runs = [RunRecord(run_id=f"r{i:03d}") for i in range(300)]
    before = store._db.batches
    assert await asyncio.gather(*(store.create_run(r) for r in runs)) == runs
    page = await store.list_runs(limit=500)
    assert sorted(r.run_id for r in page.items) == [r.run_id for r in runs]
    assert store._db.batches - before < len(runs) // 4  # grouped, not one commit per run


async def test_a_failing_write_rolls_back_only_itself(store: SqliteRunStore) -> None:
    await store.create_run(RunRecord(run_id="taken"))
    outcomes = await one_batch(
        store._db,
        store.create_run(RunRecord(run_id="a")),
        store.create_run(RunRecord(run_id="taken")),
        store.update_run("missing", 1, {"error": "x"}),
        store.update_run("taken", 7, {"error": "x"}),
        store.create_run(RunRecord(run_id="b")),
    )
    a, dup, missing, stale, b = outcomes
    assert isinstance(a, RunRecord)
    assert isinstance(b, RunRecord)
    assert isinstance(dup, AlreadyExistsError)
    assert isinstance(missing, RecordNotFoundError)
    assert isinstance(stale, ConcurrencyConflict)
    assert await store.get_run("a") == a
    assert await store.get_run("b") == b
    assert (await store.get_run("taken")).version == 1  # type: ignore[union-attr]


async def test_one_callers_operations_keep_their_order(store: SqliteRunStore) -> None:
    v1, v2, v3, read = await one_batch(
        store._db,
        store.create_run(RunRecord(run_id="r1")),
        store.update_run("r1", 1, {"error": "second"}),
        store.update_run("r1", 2, {"error": "third"}),
        store.get_run("r1"),
    )
    assert (v1.version, v2.version, v3.version) == (1, 2, 3)
    assert read == v3  # a read queued after a write sees it


async def test_closing_runs_what_is_queued_first(tmp_path: Path) -> None:
    store = await SqliteRunStore.open(tmp_path / "runs.db")
    pending = [
        asyncio.ensure_future(store.create_run(RunRecord(run_id=f"r{i}"))) for i in range(50)
    ]
    await asyncio.sleep(0)  # queued, not yet answered
    await store.close()
    assert all(t.done() and t.exception() is None for t in pending)
    with pytest.raises(StoreUnavailableError, match="closed"):
        await store.create_run(RunRecord(run_id="late"))
    async with await SqliteRunStore.open(tmp_path / "runs.db") as again:
        assert len((await again.list_runs(limit=100)).items) == 50


async def test_a_writer_in_another_process_makes_the_batch_wait(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    async with await SqliteRunStore.open(path) as store:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        write = asyncio.ensure_future(store.create_run(RunRecord(run_id="r1")))
        await asyncio.sleep(0.2)
        assert not write.done()
        other.execute("COMMIT")
        other.close()
        assert (await write).run_id == "r1"


async def test_a_lock_held_past_busy_timeout_fails_the_batch(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    async with await SqliteRunStore.open(path, busy_timeout=0.1) as store:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreUnavailableError, match="locked"):
                await store.create_run(RunRecord(run_id="r1"))
        finally:
            other.execute("ROLLBACK")
            other.close()
        await store.create_run(RunRecord(run_id="r1"))  # and it works again once free


# -- the mechanism -----------------------------------------------------------------------


async def test_an_operation_that_raises_after_writing_is_undone(db: GroupCommitter) -> None:
    first, failed, last = await one_batch(
        db, db.write(insert("a")), db.write(insert_then_fail("b")), db.write(insert("c"))
    )
    assert (first, last) == ("a", "c")
    assert isinstance(failed, LookupError)  # its own error, unchanged, to its caller only
    assert await db.read(keys) == ["a", "c"]


async def test_sqlite_errors_are_store_errors(db: GroupCommitter) -> None:
    await db.write(insert("a"))
    with pytest.raises(StoreError, match="UNIQUE") as info:
        await db.write(insert("a"))
    assert isinstance(info.value.__cause__, sqlite3.IntegrityError)
    with pytest.raises(StoreUnavailableError, match="no such table"):
        await db.read(lambda conn: conn.execute("SELECT * FROM nowhere").fetchall())


async def test_when_the_transaction_is_lost_every_caller_hears(db: GroupCommitter) -> None:
    def sneaky_rollback(conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK")  # ends the batch's transaction: "a" is gone too

    outcomes = await one_batch(
        db, db.write(insert("a")), db.write(sneaky_rollback), db.write(insert("c"))
    )
    assert all(isinstance(o, StoreError) for o in outcomes), outcomes
    assert await db.read(keys) == []
    assert await db.write(insert("d")) == "d"  # the next batch starts afresh


async def test_a_cancelled_caller_does_not_disturb_the_batch(db: GroupCommitter) -> None:
    async with store_thread_held(db):
        gone = asyncio.ensure_future(db.write(insert("a")))
        kept = asyncio.ensure_future(db.write(insert("b")))
        await asyncio.sleep(0)
        gone.cancel()
    assert await kept == "b"
    assert gone.cancelled()
    assert await db.read(keys) == ["a", "b"]  # queued work runs; only the answer is dropped
