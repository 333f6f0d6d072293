"""`open_store(url)`: the run store named by a URL (`PROLIGHT_STORE_URL`)."""

from __future__ import annotations

from prolight.platform.store.base import RunStore
from prolight.platform.store.sqlite import SqliteRunStore

__all__ = ["open_store", "sqlite_path"]


def sqlite_path(url: str) -> str:
    """The file of a `sqlite:///…` URL: `sqlite:///rel/x.db` is relative to the working
    directory, `sqlite:////abs/x.db` absolute, `sqlite:///:memory:` in memory."""
    path = url.removeprefix("sqlite:///")
    if not path:
        raise ValueError("sqlite URL without a path; expected sqlite:///path/to/file.db")
    return path


async def open_store(url: str) -> RunStore:
    """Open the run store at `url`: `sqlite:///path`, `mongodb://host[:port]/dbname` or
    `postgresql://user@host[:port]/dbname` (also `postgres://`).

    The database (and the SQLite file and its directory) is created if missing; PostgreSQL's
    pending schema migrations are applied. Raises `ValueError` for another scheme (or a URL
    the driver cannot read) and `StoreUnavailableError` when it cannot be opened.
    """
    if url.startswith("sqlite:///"):
        return await SqliteRunStore.open(sqlite_path(url))
    if url.startswith(("mongodb://", "mongodb+srv://")):
        from prolight.platform.store.mongo import MongoRunStore  # PyMongo is only needed for Mongo

        return await MongoRunStore.open(url)
    if url.startswith(("postgresql://", "postgres://")):
        from prolight.platform.store.postgres import PostgresRunStore  # psycopg: PostgreSQL only

        return await PostgresRunStore.open(url)
    raise ValueError(
        f"unsupported store URL {url.split('://')[0]}://…; "
        "use sqlite:///, mongodb:// or postgresql://"
    )
