"""`prolight db migrate`: PostgreSQL's pending versions applied and named, nothing to do for
SQLite and MongoDB, one clear line and a non-zero exit for a URL it cannot use.

The PostgreSQL cases run on the server PROLIGHT_TEST_POSTGRES_URL names, else on one at
127.0.0.1:5432, in a database of this module's own (`prolight_test_<random>`, dropped at the
end); without a server they are skipped and say why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from typer.testing import CliRunner, Result

from prolight.platform.store.migrations import MIGRATIONS
from prolight_tools.cli import app
from prolight_tools.cli.db import EXIT_INVALID, EXIT_UNAVAILABLE

runner = CliRunner()
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def migrate(*args: str, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, ["db", "migrate", *args], env=env)


def one_error_line(result: Result) -> str:
    """The single `error: …` line a failed command printed, checking there is no more."""
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """`postgresql://…/prolight_test_<random>`: a database this module creates (without its
    schema) and drops at the end."""
    server = os.environ.get("PROLIGHT_TEST_POSTGRES_URL") or LOCAL_POSTGRES
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=2)
    except psycopg.Error as exc:
        if server != LOCAL_POSTGRES:
            pytest.fail(f"PROLIGHT_TEST_POSTGRES_URL does not answer: {exc}")
        pytest.skip(f"no PostgreSQL server: PROLIGHT_TEST_POSTGRES_URL is not set and {exc}")
    name = f"prolight_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = conninfo_to_dict(server)
    user = parts.get("user") or "postgres"
    password = f":{parts['password']}" if parts.get("password") else ""
    host, port = parts.get("host") or "127.0.0.1", parts.get("port") or "5432"
    try:
        yield f"postgresql://{user}{password}@{host}:{port}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.mark.integration
def test_postgres_applies_each_version_once_and_says_which(postgres_url: str) -> None:
    first = migrate("--url", postgres_url)
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        *(f"applied version {m.version}: {m.description}" for m in MIGRATIONS),
        f"PostgreSQL {postgres_url.split('@')[1]} is now at schema version "
        f"{MIGRATIONS[-1].version}",
    ]
    with psycopg.connect(postgres_url) as conn:
        recorded = conn.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
    assert recorded == [(m.version,) for m in MIGRATIONS]

    again = migrate(env={"PROLIGHT_STORE_URL": postgres_url})  # the setting is the default
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == [
        f"PostgreSQL {postgres_url.split('@')[1]} is up to date "
        f"(schema version {MIGRATIONS[-1].version})"
    ]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        pytest.param("sqlite:///{tmp}/runs.db", "SQLite", id="sqlite"),
        # No server there: the command must not even try to reach it.
        pytest.param("mongodb://127.0.0.1:9/prolight", "MongoDB", id="mongodb"),
    ],
)
def test_sqlite_and_mongodb_have_nothing_to_migrate(tmp_path: Path, url: str, kind: str) -> None:
    result = migrate("--url", url.format(tmp=tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{kind} keeps no schema: nothing to migrate\n"
    assert not (tmp_path / "runs.db").exists()  # the store was not opened


def test_without_a_url_the_setting_or_its_default_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROLIGHT_STORE_URL", raising=False)
    assert migrate().stdout == "SQLite keeps no schema: nothing to migrate\n"
    set_to = migrate(env={"PROLIGHT_STORE_URL": "mongodb://127.0.0.1:9/x"})
    assert set_to.stdout == "MongoDB keeps no schema: nothing to migrate\n"


def test_an_unreachable_server_is_one_line_and_exit_1(free_tcp_port: int) -> None:
    result = migrate("--url", f"postgresql://ana:hunter2@127.0.0.1:{free_tcp_port}/prolight")
    assert result.exit_code == EXIT_UNAVAILABLE
    line = one_error_line(result)
    assert line.startswith(
        f"error: PostgreSQL 127.0.0.1:{free_tcp_port}/prolight cannot be reached"
    )
    assert "Connection refused" in line
    assert "hunter2" not in result.output


@pytest.mark.parametrize(
    ("url", "says"),
    [
        pytest.param("mysql://ana:hunter2@db/x", "unsupported store URL mysql://…", id="scheme"),
        pytest.param("ana:hunter2@db/x", "unsupported store URL a URL without", id="no-scheme"),
        pytest.param("postgresql://ana:hunter2@[::1/x", "not a PostgreSQL URL", id="malformed"),
    ],
)
def test_a_url_it_cannot_use_is_one_line_and_exit_2(url: str, says: str) -> None:
    result = migrate("--url", url)
    assert result.exit_code == EXIT_INVALID
    assert says in one_error_line(result)
    assert "hunter2" not in result.output
