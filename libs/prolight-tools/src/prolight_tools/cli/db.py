"""`prolight db migrate [--url URL]`: bring the run store's schema up to date.

Only the PostgreSQL store has a schema: versioned migrations
(`prolight.platform.store.migrations`) that every service also applies when it opens the
store. Run this ahead of a deploy, e.g. as a job whose database user may change the schema
while the services' own user may not. SQLite and MongoDB keep no schema: nothing to migrate.

Exit status: 0 up to date (or nothing to migrate), 1 the database cannot be reached or a
migration failed (nothing of it is applied), 2 a URL that names no run store. Never a
traceback, and never the URL's password.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, NoReturn

import typer

from prolight.platform.settings import ServiceSettings
from prolight.platform.store.errors import StoreError
from prolight_tools.cli.app import app

__all__ = ["EXIT_INVALID", "EXIT_UNAVAILABLE", "db_app", "migrate_command"]

EXIT_UNAVAILABLE = 1
EXIT_INVALID = 2

db_app = typer.Typer(help="The run store's database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

DEFAULT_URL: str = ServiceSettings.model_fields["store_url"].default
WITHOUT_SCHEMA = {"sqlite": "SQLite", "mongodb": "MongoDB", "mongodb+srv": "MongoDB"}
POSTGRES = frozenset({"postgresql", "postgres"})


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


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
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme in WITHOUT_SCHEMA:
        typer.echo(f"{WITHOUT_SCHEMA[scheme]} keeps no schema: nothing to migrate")
        return
    if scheme not in POSTGRES:  # named by its scheme alone: the rest may hold a password
        named = f"{scheme}://…" if scheme else "a URL without a scheme"
        _fail(
            f"unsupported store URL {named}; expected sqlite:///path, mongodb://host/dbname "
            "or postgresql://user@host:5432/dbname",
            EXIT_INVALID,
        )
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
