"""`GroupCommitter`: one SQLite connection on its own thread, writes committed in groups.

Callers on any event loop queue an operation (a function of the connection) and await its
result. The thread takes everything queued, up to `max_batch`, and runs it in order:

- if the batch holds a write, all of it runs in ONE `BEGIN IMMEDIATE … COMMIT` transaction,
  each write inside its own `SAVEPOINT`, so an operation that raises rolls back only its own
  changes and its error reaches only its own caller;
- results are handed back after the COMMIT (nobody sees a write that may not land), with one
  `call_soon_threadsafe` per event loop per batch.

Why: with one transaction and one thread hand-off per write, a busy server paid the GIL
hand-over (up to `sys.getswitchinterval()`, 5 ms) several times per write, since `sqlite3`
releases the GIL around every statement; a burst of N writes now pays one COMMIT and one
hand-off. Another process holding the write lock makes the batch wait up to `busy_timeout`
(SQLite's busy handler); after that every operation of the batch fails with
`StoreUnavailableError`. If the COMMIT fails, or an error ends the transaction early, every
operation of the batch that had not failed on its own fails with the batch's error.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from prolight.platform.store.errors import StoreError, StoreUnavailableError

__all__ = ["DEFAULT_MAX_BATCH", "GroupCommitter"]

T = TypeVar("T")

DEFAULT_MAX_BATCH = 256
"""Operations per transaction at most, so another process never waits long for the lock."""


@dataclass(slots=True, eq=False)
class _Op:
    fn: Callable[[sqlite3.Connection], Any]
    write: bool
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    result: Any = None
    error: BaseException | None = None


@dataclass(slots=True, eq=False)
class _Stop:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]
    error: BaseException | None = field(default=None)


class _TransactionLost(Exception):
    """An operation's error ended the whole transaction (SQLite rolled it back itself)."""

    def __init__(self, error: BaseException | None) -> None:
        super().__init__(str(error))
        self.error: BaseException = error or StoreError("the transaction ended early")


class GroupCommitter:
    """The connection made by `connect`, used only on this object's thread.

    `name` prefixes error messages ("SQLite store /path/runs.db"). Start with `start()`,
    stop with `close()`, which runs everything already queued first.
    """

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        *,
        name: str,
        max_batch: int = DEFAULT_MAX_BATCH,
    ) -> None:
        self._connect = connect
        self._name = name
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Op | _Stop] = queue.SimpleQueue()
        self._open = False  # True from start() to close(): the only time work is accepted
        self.batches = 0
        """Batches run so far (a read-only batch counts too); for tests and metrics."""

    async def start(self) -> None:
        """Open the connection on a new thread; the connection's errors are raised here."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        self._open = True
        thread = threading.Thread(
            target=self._serve, args=(loop, ready), name="prolight-sqlite", daemon=True
        )
        thread.start()
        await ready

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn(connection)` on the store thread; it must not write."""
        return await self._submit(fn, write=False)

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn(connection)` inside a transaction (and its own savepoint); returns after COMMIT.

        An exception from `fn` undoes only what `fn` changed and is raised here; sqlite3's own
        errors arrive as `StoreUnavailableError` (locked, I/O) or `StoreError`.
        """
        return await self._submit(fn, write=True)

    async def close(self) -> None:
        """Refuse new operations, run those already queued, close the connection. Idempotent."""
        if not self._open:
            return
        self._open = False
        loop = asyncio.get_running_loop()
        stop = _Stop(loop, loop.create_future())
        self._queue.put(stop)
        await stop.future

    async def _submit(self, fn: Callable[[sqlite3.Connection], T], *, write: bool) -> T:
        if not self._open:
            raise StoreUnavailableError(f"{self._name} is closed")
        loop = asyncio.get_running_loop()
        op = _Op(fn, write, loop, loop.create_future())
        self._queue.put(op)
        return cast(T, await op.future)

    # -- on the store thread ------------------------------------------------------------

    def _serve(self, loop: asyncio.AbstractEventLoop, ready: asyncio.Future[None]) -> None:
        try:
            conn = self._connect()
        except BaseException as exc:
            self._open = False
            loop.call_soon_threadsafe(_settle_ready, ready, self._translate(exc))
            return
        loop.call_soon_threadsafe(_settle_ready, ready, None)
        stop: _Stop | None = None
        ops: list[_Op] = []
        try:
            while True:
                items = self._take(block=stop is None)
                if not items:
                    break  # stopping, and nothing is left
                ops = []
                for item in items:
                    if isinstance(item, _Stop):
                        stop = item
                    else:
                        ops.append(item)
                if ops:
                    self._run_batch(conn, ops)
                    self.batches += 1
                    _deliver(ops)
                    ops = []
        finally:
            # Normally nothing is left; after an unexpected error nobody may wait forever.
            self._open = False
            left = [*ops, *(i for i in self._take(block=False) if isinstance(i, _Op))]
            for op in left:
                op.error = StoreUnavailableError(f"{self._name} stopped")
            _deliver(left)
            try:
                conn.close()
            except sqlite3.Error as exc:
                if stop is not None:
                    stop.error = self._translate(exc)
            if stop is not None:
                _deliver([stop])

    def _take(self, *, block: bool) -> list[_Op | _Stop]:
        items: list[_Op | _Stop] = []
        if block:
            items.append(self._queue.get())
        while len(items) < self._max_batch:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return items

    def _run_batch(self, conn: sqlite3.Connection, ops: list[_Op]) -> None:
        if not any(op.write for op in ops):
            for op in ops:
                self._apply(conn, op)  # autocommit: each read is its own snapshot
            return
        try:
            conn.execute("BEGIN IMMEDIATE")  # waits up to busy_timeout for another writer
            for op in ops:
                if not op.write:
                    if not self._apply(conn, op) and not conn.in_transaction:
                        raise _TransactionLost(op.error)
                    continue
                conn.execute("SAVEPOINT op")
                if self._apply(conn, op):
                    conn.execute("RELEASE op")
                elif conn.in_transaction:
                    conn.execute("ROLLBACK TO op")
                    conn.execute("RELEASE op")
                else:
                    raise _TransactionLost(op.error)
            conn.execute("COMMIT")
        except (sqlite3.Error, _TransactionLost) as exc:
            if conn.in_transaction:
                # If even this fails, the failure below is still what the callers need to hear.
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            cause = exc.error if isinstance(exc, _TransactionLost) else exc
            for op in ops:  # those that failed on their own keep their own error
                if op.error is None:
                    op.result, op.error = None, self._batch_error(cause)

    def _apply(self, conn: sqlite3.Connection, op: _Op) -> bool:
        try:
            op.result = op.fn(conn)
        except Exception as exc:
            op.error = self._translate(exc)
            return False
        return True

    def _translate(self, exc: BaseException) -> BaseException:
        if isinstance(exc, sqlite3.OperationalError):
            error: BaseException = StoreUnavailableError(f"{self._name}: {exc}")
        elif isinstance(exc, sqlite3.Error):
            error = StoreError(f"{self._name}: {exc}")
        else:
            return exc
        error.__cause__ = exc
        return error

    def _batch_error(self, cause: BaseException) -> BaseException:
        # One exception object per caller: a raised exception collects its raiser's traceback.
        if isinstance(cause, StoreError) and isinstance(cause.__cause__, sqlite3.Error):
            cause = cause.__cause__
        translated = self._translate(cause)
        if translated is cause:
            translated = StoreError(f"{self._name}: the transaction was rolled back: {cause}")
            translated.__cause__ = cause
        return translated


def _settle_ready(ready: asyncio.Future[None], error: BaseException | None) -> None:
    if ready.done():
        return
    if error is None:
        ready.set_result(None)
    else:
        ready.set_exception(error)


def _deliver(ops: list[_Op] | list[_Stop]) -> None:
    """Hand the outcomes back: one callback per event loop, whatever the batch size."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Op | _Stop]] = {}
    for op in ops:
        by_loop.setdefault(op.loop, []).append(op)
    for loop, settled in by_loop.items():
        with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits any more
            loop.call_soon_threadsafe(_settle, settled)


def _settle(ops: list[_Op | _Stop]) -> None:
    for op in ops:
        if op.future.done():  # the caller was cancelled
            continue
        if op.error is not None:
            op.future.set_exception(op.error)
        else:
            op.future.set_result(op.result if isinstance(op, _Op) else None)
