"""`prolight db migrate [--url URL]` and `prolight db copy --from URL --to URL`.

`migrate` brings the run store's schema up to date. Only the PostgreSQL store has a schema:
versioned migrations (`prolight.platform.store.migrations`) that every service also applies
when it opens the store. Run it ahead of a deploy, e.g. as a job whose database user may
change the schema while the services' own user may not. SQLite and MongoDB keep no schema:
nothing to migrate.

`copy` moves an installation to another store (SQLite to PostgreSQL, say: docs/deploy.md has
the cut-over) through the `RunStore` contract alone: every run, then each run's tasks and
artifacts, every prompt-cache entry and the audit log. Stop the services first: the copy
reads the source while nothing writes it. A target that already holds runs, cache entries or
audit entries is refused unless `--into-non-empty`; then what the target already has is
kept and counted ("already there", or "differ" when its content is not the source's), so a
copy stopped half-way finishes by running it again. Audit entries keep their id and time
(`RunStore.put_audit`); a prompt-cache entry gets the copy's `created_at` (the contract has
no write that keeps it).

Exit status: 0 done (or up to date, or nothing to migrate), 1 a store cannot be reached or
a step failed, 2 a URL that names no run store, 3 (`copy`) the target is not empty. Never a
traceback, and never a URL's password.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from prolight.platform.settings import ServiceSettings
from prolight.platform.store import (
    MAX_PAGE_SIZE,
    AlreadyExistsError,
    PromptCacheEntry,
    RunStore,
    open_store,
)
from prolight.platform.store.errors import StoreError
from prolight.platform.store.factory import sqlite_path
from prolight_tools.cli.app import app

__all__ = [
    "EXIT_INVALID",
    "EXIT_NOT_EMPTY",
    "EXIT_UNAVAILABLE",
    "Tally",
    "copy_command",
    "copy_store",
    "db_app",
    "migrate_command",
]

EXIT_UNAVAILABLE = 1
EXIT_INVALID = 2
EXIT_NOT_EMPTY = 3

db_app = typer.Typer(
    help="The run store's database: its schema, and copying it to another store.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")

DEFAULT_URL: str = ServiceSettings.model_fields["store_url"].default
WITHOUT_SCHEMA = {"sqlite": "SQLite", "mongodb": "MongoDB", "mongodb+srv": "MongoDB"}
POSTGRES = frozenset({"postgresql", "postgres"})


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _scheme(url: str) -> str:
    """The URL's scheme, lower case, after checking it names a run store (exit 2 if not)."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in WITHOUT_SCHEMA and scheme not in POSTGRES:
        # named by its scheme alone: the rest may hold a password
        named = f"{scheme}://…" if scheme else "a URL without a scheme"
        _fail(
            f"unsupported store URL {named}; expected sqlite:///path, mongodb://host/dbname "
            "or postgresql://user@host:5432/dbname",
            EXIT_INVALID,
        )
    return scheme


@db_app.command("migrate")
def migrate_command(
    url: Annotated[
        str,
        typer.Option(
            "--url",
            envvar="PROLIGHT_STORE_URL",
            help="The run store, as services read PROLIGHT_STORE_URL.",
            show_default=True,
        ),
    ] = DEFAULT_URL,
) -> None:
    """Apply the schema migrations the run store lacks, and say which (PostgreSQL only)."""
    scheme = _scheme(url)
    if scheme in WITHOUT_SCHEMA:
        typer.echo(f"{WITHOUT_SCHEMA[scheme]} keeps no schema: nothing to migrate")
        return
    try:  # psycopg only for PostgreSQL, as in open_store
        from prolight.platform.store.migrations import MIGRATIONS
        from prolight.platform.store.postgres import describe, migrate_database
    except ImportError as exc:
        _fail(
            f"PostgreSQL support is not installed ({exc.name}): pip install 'prolight[postgres]'",
            EXIT_UNAVAILABLE,
        )
    try:
        where = describe(url)
        applied = asyncio.run(migrate_database(url))
    except ValueError as exc:
        _fail(str(exc), EXIT_INVALID)
    except StoreError as exc:
        _fail(str(exc), EXIT_UNAVAILABLE)
    for migration in applied:
        typer.echo(f"applied version {migration.version}: {migration.description}")
    if applied:
        typer.echo(f"{where} is now at schema version {applied[-1].version}")
    else:
        typer.echo(f"{where} is up to date (schema version {MIGRATIONS[-1].version})")


@dataclass
class Tally:
    """What `copy_store` did with one kind of record."""

    copied: int = 0
    present: int = 0
    """Already in the target with the same content."""
    differing: int = 0
    """Already in the target with other content: the target's is kept."""

    def count(self, existing: object, record: object) -> None:
        """Count a record found in the target as `existing` (None: it was just copied)."""
        if existing is None:
            self.copied += 1
        elif existing == record:
            self.present += 1
        else:
            self.differing += 1

    def line(self, kind: str) -> str:
        text = f"{kind:<13}{self.copied:>8} copied, {self.present} already there"
        return text + (f", {self.differing} differ (the target's kept)" if self.differing else "")


COPIED_KINDS = ("runs", "tasks", "artifacts", "prompt cache", "audit")


async def target_is_empty(target: RunStore) -> bool:
    """True when `target` holds no run, prompt-cache entry or audit entry (the contract lists
    tasks and artifacts only by run)."""
    runs = await target.list_runs(limit=1)
    return not (
        runs.items or await target.list_prompt_cache(limit=1) or await target.list_audit(limit=1)
    )


async def copy_store(source: RunStore, target: RunStore) -> dict[str, Tally]:
    """Copy every record of `source` into `target`; a tally per kind (`COPIED_KINDS`).

    Insert-if-absent throughout: a record the target already has is kept, so running it again
    copies only what is missing. See the module doc for what the contract cannot carry over.
    """
    tallies = {kind: Tally() for kind in COPIED_KINDS}
    cursor: str | None = None
    while True:
        page = await source.list_runs(limit=MAX_PAGE_SIZE, cursor=cursor)
        for run in page.items:
            existing_run = await target.get_run(run.run_id)
            if existing_run is None:
                try:
                    await target.create_run(run)
                except AlreadyExistsError:  # made meanwhile by someone else: compare to it
                    existing_run = await target.get_run(run.run_id)
            tallies["runs"].count(existing_run, run)
            for task in await source.list_tasks(run.run_id):
                existing_task = await target.get_task(task.task_id)
                if existing_task is None:
                    await target.put_task(task)
                tallies["tasks"].count(existing_task, task)
            for artifact in await source.list_artifacts(run.run_id):
                existing_artifact = await target.get_artifact(artifact.artifact_id)
                if existing_artifact is None:
                    await target.put_artifact(artifact)
                tallies["artifacts"].count(existing_artifact, artifact)
        cursor = page.next_cursor
        if cursor is None:
            break
    await _copy_cache(source, target, tallies["prompt cache"])
    await _copy_audit(source, target, tallies["audit"])
    return tallies


async def _copy_cache(source: RunStore, target: RunStore, tally: Tally) -> None:
    after: PromptCacheEntry | None = None
    while entries := await source.list_prompt_cache(limit=MAX_PAGE_SIZE, after=after):
        for entry in entries:
            key = (entry.prompt_hash, entry.seed, entry.model)
            existing = await target.cached_artifact(*key)
            if existing is None:
                await target.cache_artifact(*key, entry.artifact_id, result=entry.result)
            else:  # created_at is the copy's time in a copied entry: not compared
                existing = existing.model_copy(update={"created_at": entry.created_at})
            tally.count(existing, entry)
        after = entries[-1]


async def _copy_audit(source: RunStore, target: RunStore, tally: Tally) -> None:
    after: str | None = None
    while entries := await source.list_audit(limit=MAX_PAGE_SIZE, after=after):
        for entry in entries:
            if await target.put_audit(entry):  # as it is: its id and time kept
                tally.copied += 1
            else:
                tally.present += 1
        after = entries[-1].entry_id


def _where(url: str, scheme: str) -> str:
    """The store a URL names, for people: never its password."""
    if scheme == "sqlite":
        return f"SQLite {sqlite_path(url)}"
    if scheme in POSTGRES:
        from prolight.platform.store.postgres import describe

        return describe(url)
    return f"MongoDB {url.partition('://')[2].rpartition('@')[2]}"  # host/dbname


async def _open_and_copy(source_url: str, target_url: str, *, into_non_empty: bool) -> None:
    source = await open_store(source_url)
    try:
        target = await open_store(target_url)
        try:
            if not into_non_empty and not await target_is_empty(target):
                _fail(
                    "the target store is not empty; pass --into-non-empty to add what it "
                    "lacks (what it has is kept)",
                    EXIT_NOT_EMPTY,
                )
            tallies = await copy_store(source, target)
        finally:
            await target.close()
    finally:
        await source.close()
    for kind, tally in tallies.items():
        typer.echo(tally.line(kind))


@db_app.command("copy")
def copy_command(
    source: Annotated[str, typer.Option("--from", help="The store to copy from (left unchanged).")],
    target: Annotated[
        str, typer.Option("--to", help="The store to copy into (PostgreSQL: migrated first).")
    ],
    into_non_empty: Annotated[
        bool,
        typer.Option(
            "--into-non-empty",
            help="Copy into a store that already holds records: what it has is kept.",
        ),
    ] = False,
) -> None:
    """Copy every run, task, artifact record, prompt-cache entry and audit entry from one run
    store into another (stop the services first); print what was copied per kind."""
    schemes = _scheme(source), _scheme(target)
    if source == target:
        _fail("--from and --to name the same store", EXIT_INVALID)
    if schemes[0] == "sqlite" and not Path(sqlite_path(source)).is_file():
        _fail(f"no SQLite file at {sqlite_path(source)} to copy from", EXIT_INVALID)
    try:
        places = _where(source, schemes[0]), _where(target, schemes[1])
        typer.echo(f"copying {places[0]} → {places[1]}")
        asyncio.run(_open_and_copy(source, target, into_non_empty=into_non_empty))
    except ImportError as exc:
        _fail(f"the store's driver is not installed ({exc.name})", EXIT_UNAVAILABLE)
    except ValueError as exc:
        _fail(str(exc), EXIT_INVALID)
    except StoreError as exc:
        _fail(
            f"{exc}; nothing copied is undone: run again with --into-non-empty to finish",
            EXIT_UNAVAILABLE,
        )
