"""Benchmark of the SQLite run store's group commit against plain aiosqlite (not a timed test).

Workload: the run store calls one run makes on its way through the services, in their order,
with `--concurrency` runs in flight at once in one process (each run's calls are sequential,
as one handler makes them):

    planner      create_run, update_run ×2 (planning, running)
    per task     put_task (planner), set_task_status started and completed (task worker),
    (×--tasks)   put_artifact and cache_artifact (storage), get_run and update_run (planner)
    planner      update_run (completed), append_audit

that is 5 + 7·tasks calls per run, 20 of every 33 of them writes (tasks = 4). Generate tasks
carry the Rembrandt preset's prompt, so the documents are the size the services write.

Two stores over the same schema, the same SQL, the same serialisation and a fresh WAL file
(`synchronous=NORMAL`) each:

- aiosqlite: `SqliteRunStore` as shipped (aiosqlite 0.22, autocommit, one transaction per
  statement; update_run is `UPDATE … WHERE version = ?`, set_task_status a compare-and-set on
  the stored document, insert-if-absent `INSERT OR IGNORE … RETURNING`);
- group commit (the baseline): `GroupCommitStore` below, the store this benchmark replaced
  (`group_commit.py`, deleted), condensed to what the workload uses. Before the replacement
  the shipped group-committed store and this condensed one were measured side by side, within
  run-to-run noise of each other (docs/decisions/sqlite-group-commit.md).

Printed per concurrency level: calls/s and p50/p99 latency of one call (all calls of the
workload pooled) for both, and group commit's ratio over aiosqlite. Each level runs the two
stores alternately `--rounds` times and reports the median round: this machine is shared.
`make run` has one handler in flight per service process (planner, storage, generator:
concurrency 1; separate processes, each with its own connection; the evaluator up to its
batch), so levels 1 and 4 bracket what it sees in one process; 64 is a busy server.

Run: .venv/bin/python bench/bench_store.py [--concurrency 1 4 64] [--runs 48] [--tasks 4]
     [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import queue
import sqlite3
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import aiosqlite

from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import GenerateResult
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.store import (
    ArtifactRecord,
    ConcurrencyConflict,
    PromptCacheEntry,
    RecordNotFoundError,
    RunRecord,
    RunStatus,
    SqliteRunStore,
    TaskRecord,
    TaskStatus,
)
from prolight.platform.store.base import advance_task, apply_run_changes, audit_entry
from prolight.platform.store.sqlite import (
    _INSERT_ARTIFACT,
    _INSERT_AUDIT,
    _INSERT_CACHE,
    _INSERT_RUN,
    _INSERT_TASK,
    _SCHEMA,
    _SELECT_ARTIFACT,
    _SELECT_CACHE,
    _SELECT_RUN,
    _SELECT_TASK,
    _UPDATE_RUN,
    _stamp,
)

T = TypeVar("T")


class Store(Protocol):
    """The calls the workload makes (a subset of `RunStore`)."""

    async def create_run(self, run: RunRecord) -> RunRecord: ...
    async def get_run(self, run_id: str) -> RunRecord | None: ...
    async def update_run(
        self, run_id: str, expected_version: int, changes: Mapping[str, Any]
    ) -> RunRecord: ...
    async def put_task(self, task: TaskRecord) -> TaskRecord: ...
    async def set_task_status(
        self, task_id: str, status: TaskStatus, *, result: Any = None
    ) -> TaskRecord: ...
    async def put_artifact(self, artifact: ArtifactRecord) -> ArtifactRecord: ...
    async def cache_artifact(
        self, prompt_hash: str, seed: int, model: str, artifact_id: str
    ) -> object: ...
    async def append_audit(self, action: str, *, run_id: str | None = None) -> object: ...
    async def close(self) -> None: ...


class GroupCommitStore:
    """The workload's calls group-committed: the store before this benchmark, condensed.

    What `group_commit.GroupCommitter` did (commit 0a49ea6, deleted after this benchmark): one
    `sqlite3` connection on its own thread; the thread takes everything queued (up to 256),
    runs it in ONE `BEGIN IMMEDIATE … COMMIT` with a `SAVEPOINT` per write, and answers the
    callers after the COMMIT with one `call_soon_threadsafe` per batch. The calls run the old
    store's functions on that thread (read, check, write in one step). Error paths beyond a
    write raising are left out: the workload has none.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[
            tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]] | None
        ] = queue.SimpleQueue()
        self._loop = asyncio.get_running_loop()
        self._done: asyncio.Future[None] = self._loop.create_future()

    @classmethod
    async def open(cls, path: Path) -> GroupCommitStore:
        store = cls()
        conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_SCHEMA)
        threading.Thread(target=store._serve, args=(conn,), daemon=True).start()
        return store

    def _serve(self, conn: sqlite3.Connection) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < 256:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            ops = [b for b in batch if b is not None]
            outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
            if ops:
                conn.execute("BEGIN IMMEDIATE")
                for fn, future in ops:
                    conn.execute("SAVEPOINT op")
                    try:
                        outcomes.append((future, fn(conn), None))
                        conn.execute("RELEASE op")
                    except Exception as exc:
                        outcomes.append((future, None, exc))
                        conn.execute("ROLLBACK TO op")
                        conn.execute("RELEASE op")
                conn.execute("COMMIT")
                self._loop.call_soon_threadsafe(_settle, outcomes)
            if len(ops) < len(batch):
                conn.close()
                self._loop.call_soon_threadsafe(self._done.set_result, None)
                return

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        future: asyncio.Future[T] = self._loop.create_future()
        self._queue.put((fn, future))
        return await future

    async def create_run(self, run: RunRecord) -> RunRecord:
        row = (run.run_id, run.status.value, run.owner, _stamp(run.created_at), run.version)
        doc = run.model_dump_json()
        await self._run(lambda db: db.execute(_INSERT_RUN, (*row, doc)))
        return run

    async def get_run(self, run_id: str) -> RunRecord | None:
        doc = await self._run(lambda db: _one(db, _SELECT_RUN, run_id))
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
            args = (new.status.value, new.owner, new.version, new.model_dump_json())
            db.execute(_UPDATE_RUN, (*args, run_id, expected_version))
            return new

        return await self._run(update)

    async def _insert_and_read(
        self, insert: str, row: tuple[Any, ...], select: str, *key: Any
    ) -> str:
        def op(db: sqlite3.Connection) -> str:
            db.execute(insert, row)
            return _one(db, select, *key) or ""

        return await self._run(op)

    async def put_task(self, task: TaskRecord) -> TaskRecord:
        row = (task.task_id, task.run_id, task.status.value, _stamp(task.created_at))
        doc = await self._insert_and_read(
            _INSERT_TASK, (*row, task.model_dump_json()), _SELECT_TASK, task.task_id
        )
        return TaskRecord.model_validate_json(doc)

    async def set_task_status(
        self, task_id: str, status: TaskStatus, *, result: Any = None
    ) -> TaskRecord:
        def update(db: sqlite3.Connection) -> TaskRecord:
            doc = _one(db, _SELECT_TASK, task_id)
            if doc is None:
                raise RecordNotFoundError(f"no task {task_id}")
            current = TaskRecord.model_validate_json(doc)
            new = advance_task(current, status, result=result)
            if new is None:
                return current
            db.execute(
                "UPDATE tasks SET status = ?, doc = ? WHERE task_id = ?",
                (new.status.value, new.model_dump_json(), task_id),
            )
            return new

        return await self._run(update)

    async def put_artifact(self, artifact: ArtifactRecord) -> ArtifactRecord:
        row = (artifact.artifact_id, artifact.run_id, _stamp(artifact.created_at))
        doc = await self._insert_and_read(
            _INSERT_ARTIFACT,
            (*row, artifact.model_dump_json()),
            _SELECT_ARTIFACT,
            artifact.artifact_id,
        )
        return ArtifactRecord.model_validate_json(doc)

    async def cache_artifact(
        self, prompt_hash: str, seed: int, model: str, artifact_id: str
    ) -> object:
        entry = PromptCacheEntry(
            prompt_hash=prompt_hash, seed=seed, model=model, artifact_id=artifact_id
        )
        row = (prompt_hash, seed, model, entry.model_dump_json())
        doc = await self._insert_and_read(
            _INSERT_CACHE, row, _SELECT_CACHE, prompt_hash, seed, model
        )
        return PromptCacheEntry.model_validate_json(doc)

    async def append_audit(self, action: str, *, run_id: str | None = None) -> object:
        entry = audit_entry(action, actor="system", run_id=run_id, details=None)
        row = (entry.entry_id, entry.run_id, entry.model_dump_json())
        await self._run(lambda db: db.execute(_INSERT_AUDIT, row))
        return entry

    async def close(self) -> None:
        self._queue.put(None)
        await self._done


def _one(db: sqlite3.Connection, sql: str, *args: Any) -> str | None:
    row = db.execute(sql, args).fetchone()
    return None if row is None else str(row[0])


def _settle(outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    for future, result, error in outcomes:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)


# ---------------------------------------------------------------------------- the workload

PROMPT = FiboPrompt(scene=get_preset("rembrandt").setup).model_dump(mode="json")


def generate_task(run_id: str, i: int) -> TaskRecord:
    return TaskRecord.model_validate(
        {
            "task_id": f"{run_id}-g{i}",
            "run_id": run_id,
            "tool": Tool.GENERATE,
            "params": {"prompt": PROMPT, "seed": 1000 + i, "index": i},
        }
    )


def generate_result(run_id: str, i: int) -> GenerateResult:
    sha = hashlib.sha256(f"{run_id}/{i}".encode()).hexdigest()
    return GenerateResult.model_validate(
        {
            "artifact_key": sha,
            "sha256": sha,
            "url": f"file:///blobs/{sha}",
            "width": 512,
            "height": 640,
            "seed": 1000 + i,
            "prompt_hash": sha,
            "model": "prolight-local-v1@512x640",
        }
    )


async def one_run(
    store: Store, run_id: str, tasks: int, timed: Callable[..., Awaitable[T]]
) -> None:
    """One run's store calls, in order; `timed(fn, *args)` awaits `fn(*args)` and times it."""
    run: RunRecord = await timed(store.create_run, RunRecord(run_id=run_id, prompt=PROMPT))
    run = await timed(store.update_run, run_id, run.version, {"status": RunStatus.PLANNING})
    run = await timed(store.update_run, run_id, run.version, {"status": RunStatus.RUNNING})
    for i in range(tasks):
        task = generate_task(run_id, i)
        result = generate_result(run_id, i)
        await timed(store.put_task, task)
        await timed(store.set_task_status, task.task_id, TaskStatus.STARTED)
        await timed(store.set_task_status, task.task_id, TaskStatus.COMPLETED, result=result)
        artifact = ArtifactRecord(
            artifact_id=f"{run_id}-a{i}",
            run_id=run_id,
            task_id=task.task_id,
            sha256=result.sha256,
            url=result.url,
            size_bytes=250_000,
            width=512,
            height=640,
            seed=result.seed,
        )
        await timed(store.put_artifact, artifact)
        await timed(
            store.cache_artifact, result.prompt_hash, result.seed, "m", artifact.artifact_id
        )
        run = await timed(store.get_run, run_id)
        run = await timed(store.update_run, run_id, run.version, {"options": {"done": i + 1}})
    await timed(store.update_run, run_id, run.version, {"status": RunStatus.COMPLETED})
    await timed(store.append_audit, "run.completed", run_id=run_id)


@dataclass
class Figures:
    calls_per_s: float
    p50_ms: float
    p99_ms: float


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(store: Store, runs: int, concurrency: int, tasks: int) -> Figures:
    latencies: list[float] = []

    async def timed(fn: Callable[..., Awaitable[T]], *args: Any, **kw: Any) -> T:
        start = time.perf_counter()
        out = await fn(*args, **kw)
        latencies.append(time.perf_counter() - start)
        return out

    slots = asyncio.Semaphore(concurrency)
    prefix = f"r{time.monotonic_ns()}"

    async def slot(k: int) -> None:
        async with slots:
            await one_run(store, f"{prefix}-{k}", tasks, timed)

    start = time.perf_counter()
    await asyncio.gather(*(slot(k) for k in range(runs)))
    wall = time.perf_counter() - start
    return Figures(len(latencies) / wall, pct(latencies, 0.5) * 1e3, pct(latencies, 0.99) * 1e3)


async def open_group_commit(path: Path) -> Store:
    return await GroupCommitStore.open(path)


async def open_aiosqlite(path: Path) -> Store:
    return await SqliteRunStore.open(path)


async def round_of(
    name: str,
    opener: Callable[[Path], Awaitable[Store]],
    args: argparse.Namespace,
    concurrency: int,
    workdir: Path,
    k: int,
) -> Figures:
    store = await opener(workdir / f"{name}-{concurrency}-{k}.db")
    try:
        await measure(store, max(2, concurrency), concurrency, args.tasks)  # warm-up
        return await measure(store, args.runs, concurrency, args.tasks)
    finally:
        await store.close()


def median(figures: list[Figures]) -> Figures:
    return sorted(figures, key=lambda f: f.calls_per_s)[len(figures) // 2]


async def main(args: argparse.Namespace) -> None:
    calls = 5 + 7 * args.tasks
    print(
        f"run store, {args.runs} runs × {calls} calls per level, {args.tasks} tasks per run, "
        f"median of {args.rounds} alternating rounds; SQLite {aiosqlite.sqlite_version}, "
        f"aiosqlite {aiosqlite.__version__}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        workdir = Path(tmp)
        for c in args.concurrency:
            group: list[Figures] = []
            plain: list[Figures] = []
            for k in range(args.rounds):
                order = [("group", open_group_commit, group), ("aiosqlite", open_aiosqlite, plain)]
                for name, opener, out in order if k % 2 == 0 else order[::-1]:
                    out.append(await round_of(name, opener, args, c, workdir, k))
            g, p = median(group), median(plain)
            print(f"concurrency {c}:")
            for name, f in (("aiosqlite (shipped)", p), ("group commit", g)):
                print(
                    f"  {name:<21} {f.calls_per_s:8.0f} calls/s   "
                    f"p50 {f.p50_ms:6.2f} ms   p99 {f.p99_ms:7.2f} ms"
                )
            print(
                f"  group commit / aiosqlite: throughput {g.calls_per_s / p.calls_per_s:.2f}×, "
                f"p50 {p.p50_ms / g.p50_ms:.2f}× lower, p99 {p.p99_ms / g.p99_ms:.2f}× lower"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 64])
    parser.add_argument("--runs", type=int, default=64, help="runs per level and round")
    parser.add_argument("--tasks", type=int, default=4, help="generate tasks per run")
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
