"""open_store, and what is particular to each backend."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
from pathlib import Path

import pytest

from prolight.platform.store import (
    ConcurrencyConflict,
    RunRecord,
    RunStatus,
    SqliteRunStore,
    StoreUnavailableError,
    open_store,
)
from prolight.platform.store.factory import sqlite_path


@pytest.mark.parametrize(
    ("url", "path"),
    [
        pytest.param("sqlite:///.prolight/prolight.db", ".prolight/prolight.db", id="relative"),
        pytest.param("sqlite:////var/lib/p.db", "/var/lib/p.db", id="absolute"),
        pytest.param("sqlite:///:memory:", ":memory:", id="memory"),
    ],
)
def test_sqlite_urls(url: str, path: str) -> None:
    assert sqlite_path(url) == path


async def test_open_store_creates_a_wal_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "deep" / "dir" / "runs.db"
    async with await open_store(f"sqlite:///{db}") as store:
        assert isinstance(store, SqliteRunStore)
        await store.create_run(RunRecord(run_id="r1"))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_open_store_refuses_other_schemes() -> None:
    with pytest.raises(ValueError, match="unsupported store URL redis://"):
        await open_store("redis://db/x")


async def test_two_stores_on_one_file_see_each_others_versions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    async with await open_store(url) as a, await open_store(url) as b:
        await a.create_run(RunRecord(run_id="r1"))
        await b.update_run("r1", 1, {"error": "b was first"})
        with pytest.raises(ConcurrencyConflict):
            await a.update_run("r1", 1, {"error": "a is late"})


async def test_the_sqlite_audit_table_refuses_updates_and_deletes(tmp_path: Path) -> None:
    async with await SqliteRunStore.open(tmp_path / "a.db") as store:
        await store.append_audit("x", run_id="r1")
    with sqlite3.connect(tmp_path / "a.db") as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE audit SET run_id = 'r2'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM audit")


async def test_a_closed_store_says_so(tmp_path: Path) -> None:
    store = await SqliteRunStore.open(tmp_path / "c.db")
    await store.close()
    await store.close()
    with pytest.raises(StoreUnavailableError, match="closed"):
        await store.get_run("r1")


# PyMongo 4.20 leaks the socket of a monitor check cancelled by close() (its connect helper
# closes the socket on OSError only, not on CancelledError). Collect it here, where the warning
# is expected, rather than let it fail whichever test the garbage collector next runs in.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_an_unreachable_mongodb_is_store_unavailable(free_tcp_port: int) -> None:
    from prolight.platform.store.mongo import MongoRunStore

    with pytest.raises(StoreUnavailableError, match="MongoDB"):
        await MongoRunStore.open(f"mongodb://127.0.0.1:{free_tcp_port}/x", timeout=0.3)
    for _ in range(3):
        await asyncio.sleep(0)  # let the cancelled monitor task finish
    gc.collect()


async def test_a_writer_in_another_process_makes_a_write_wait(tmp_path: Path) -> None:
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


async def test_a_lock_held_past_busy_timeout_fails_the_write(tmp_path: Path) -> None:
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


async def test_an_unchanged_document_is_decoded_once_and_a_changed_one_again(
    tmp_path: Path,
) -> None:
    """Reads share the decoded record of the same stored text (the planner re-reads a run at
    every step); an update is a new text, so the next read sees it."""
    async with await SqliteRunStore.open(tmp_path / "runs.db") as store:
        await store.create_run(RunRecord(run_id="r1"))
        first, again = await store.get_run("r1"), await store.get_run("r1")
        assert first is again
        await store.update_run("r1", 1, {"status": RunStatus.PLANNING})
        updated = await store.get_run("r1")
        assert updated is not None
        assert (updated.version, updated.status) == (2, RunStatus.PLANNING)
