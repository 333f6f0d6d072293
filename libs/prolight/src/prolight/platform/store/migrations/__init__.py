"""Versioned schema migrations of the PostgreSQL run store, applied when a store opens.

`MIGRATIONS` lists every version, oldest first; each is one module here (`vNNNN_what.py`:
`VERSION`, `DESCRIPTION`, `SQL`) and never changes once released: a change to the schema is a
new version. `migrate(conn)` applies the versions a database lacks and records each in
`schema_migrations`; `PostgresRunStore.open` and `prolight db migrate` call it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection

from prolight.platform.store.migrations import v0001_initial, v0002_deletes

__all__ = ["LOCK_KEY", "MIGRATIONS", "Migration", "applied_versions", "migrate"]


@dataclass(frozen=True)
class Migration:
    """One schema version: the SQL that makes it, run in one transaction."""

    version: int
    description: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = tuple(
    Migration(m.VERSION, m.DESCRIPTION, m.SQL) for m in (v0001_initial, v0002_deletes)
)

LOCK_KEY = int.from_bytes(b"PROLIGHT", "big")
"""The transaction-level advisory lock a migrating process holds (per database)."""

LOCK_WAIT = "60s"
"""How long a process waits for another one's migration before giving up (lock_timeout)."""

_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    description text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


async def applied_versions(conn: AsyncConnection[Any]) -> set[int]:
    """The versions recorded in the database (none before the first migration)."""
    cur = await conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
    row = await cur.fetchone()
    if row is None or not row[0]:
        return set()
    cur = await conn.execute("SELECT version FROM schema_migrations")
    return {int(r[0]) for r in await cur.fetchall()}


async def migrate(
    conn: AsyncConnection[Any], migrations: Sequence[Migration] = MIGRATIONS
) -> list[Migration]:
    """Apply the migrations the database lacks, oldest first; return them (empty: up to date).

    `conn` must be in autocommit mode. A database that is up to date is only read, so a
    service's database user needs no right to change the schema once `prolight db migrate`
    has run. Otherwise every pending version is applied in one transaction that first takes
    an advisory lock: a second process starting at the same moment waits for the first to
    commit (up to `LOCK_WAIT`), then finds nothing left to do; a failing migration leaves the
    database as it was. Raises psycopg's errors; the store maps them to its own.
    """
    if {m.version for m in migrations} <= await applied_versions(conn):
        return []
    applied: list[Migration] = []
    async with conn.transaction():
        await conn.execute("SELECT set_config('lock_timeout', %s, true)", (LOCK_WAIT,))
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        await conn.execute(_TABLE)
        done = await applied_versions(conn)  # what a process that held the lock before us did
        for migration in sorted(migrations, key=lambda m: m.version):
            if migration.version in done:
                continue
            await conn.execute(migration.sql)  # several statements: sent without parameters
            await conn.execute(
                "INSERT INTO schema_migrations (version, description) VALUES (%s, %s)",
                (migration.version, migration.description),
            )
            applied.append(migration)
    return applied
