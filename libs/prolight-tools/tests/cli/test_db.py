"""`prolight db migrate`: PostgreSQL's pending versions applied and named, nothing to do for
SQLite and MongoDB, one clear line and a non-zero exit for a URL it cannot use.
`prolight db copy`: every record of a SQLite store lands in PostgreSQL, a second copy adds
nothing, a non-empty target is refused unless asked.

The PostgreSQL cases run on the server PROLIGHT_TEST_POSTGRES_URL names, else on one at
127.0.0.1:5432, in databases of this module's own (`prolight_test_<random>`, dropped at the
end); without a server they are skipped and say why.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from typer.testing import CliRunner, Result

from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import ExportParams, ExportResult
from prolight.platform.store import (
    ArtifactRecord,
    AuditEntry,
    CallDetails,
    PromptCacheEntry,
    RunRecord,
    RunStatus,
    RunStore,
    TaskRecord,
    TaskStatus,
    open_store,
)
from prolight.platform.store.migrations import MIGRATIONS
from prolight_tools.cli import app, db
from prolight_tools.cli.db import EXIT_INVALID, EXIT_NOT_EMPTY, EXIT_UNAVAILABLE

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
def postgres_server() -> str:
    """A PostgreSQL server this module may create databases on, or a skip saying why."""
    server = os.environ.get("PROLIGHT_TEST_POSTGRES_URL") or LOCAL_POSTGRES
    try:
        psycopg.connect(server, autocommit=True, connect_timeout=2).close()
    except psycopg.Error as exc:
        if server != LOCAL_POSTGRES:
            pytest.fail(f"PROLIGHT_TEST_POSTGRES_URL does not answer: {exc}")
        pytest.skip(f"no PostgreSQL server: PROLIGHT_TEST_POSTGRES_URL is not set and {exc}")
    return server


@contextmanager
def new_database(server: str) -> Iterator[str]:
    """`postgresql://…/prolight_test_<random>`: a database made here (without a schema),
    dropped on exit."""
    name = f"prolight_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
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


@pytest.fixture(scope="module")
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A database this module creates (without its schema) and drops at the end."""
    with new_database(postgres_server) as url:
        yield url


@pytest.fixture
def empty_postgres(postgres_server: str) -> Iterator[str]:
    """A database of this test's own, dropped after it."""
    with new_database(postgres_server) as url:
        yield url


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


# -- copy --------------------------------------------------------------------------------

T0 = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)


def copy(*args: str) -> Result:
    return runner.invoke(app, ["db", "copy", *args])


def export_task(task_id: str, run_id: str, at: datetime) -> TaskRecord:
    params = ExportParams(
        iteration=1, best_artifact_id="a1", ranking=[], candidates=[], stop_reason="threshold"
    )
    return TaskRecord(
        task_id=task_id,
        run_id=run_id,
        tool=Tool.EXPORT,
        params=params,
        created_at=at,
        updated_at=at,
    )


async def fill(store: RunStore, runs: int = 3) -> None:
    """Runs in several states and versions, each with two tasks (one finished) and an
    artifact; two prompt-cache entries; audit entries with and without details."""
    for i in range(runs):
        run_id = f"run_{i}"
        at = T0 + timedelta(minutes=i)
        await store.create_run(
            RunRecord(run_id=run_id, owner=f"owner-{i % 2}", created_at=at, updated_at=at)
        )
        if i:
            await store.update_run(run_id, 1, {"status": RunStatus.RUNNING})
        await store.put_task(export_task(f"{run_id}-export", run_id, at))
        await store.put_task(export_task(f"{run_id}-export-2", run_id, at))
        await store.set_task_status(f"{run_id}-export", TaskStatus.STARTED)
        await store.set_task_status(
            f"{run_id}-export",
            TaskStatus.COMPLETED,
            result=ExportResult(
                bundle_artifact_id=f"{run_id}-a",
                bundle_sha256="ab" * 32,
                bundle_url="/blobs/b",
                contact_sheet_artifact_id="c",
                diagram_artifact_id="d",
                chosen_artifact_id="a",
                files=["manifest.json"],
            ),
        )
        await store.put_artifact(
            ArtifactRecord(
                artifact_id=f"{run_id}-a",
                run_id=run_id,
                sha256="ab" * 32,
                url="file:///x",
                size_bytes=10,
                seed=i,
                created_at=at,
            )
        )
        await store.append_audit("run.created", actor=f"owner-{i % 2}", run_id=run_id)
    await store.cache_artifact("h1", 1, "local", "run_0-a")
    await store.cache_artifact("h2", 7, "bria", "run_1-a")
    await store.append_audit(
        "bria.call",
        run_id="run_1",
        details=CallDetails(provider="bria", endpoint="POST /image/generate", latency_ms=12.5),
    )
    await store.append_audit("keys.issued", actor="admin")


async def everything(store: RunStore) -> tuple[list[RunRecord], list[object], list[object]]:
    """(runs, their tasks and artifacts, cache entries and audit entries), comparable across
    stores: a copied cache entry's `created_at` is the copy's, so it is left out (an audit
    entry keeps its id and time)."""
    runs = (await store.list_runs(limit=500)).items
    owned: list[object] = []
    for run in runs:
        owned += await store.list_tasks(run.run_id)
        owned += await store.list_artifacts(run.run_id)
    rest: list[object] = []
    after: PromptCacheEntry | None = None
    while page := await store.list_prompt_cache(limit=500, after=after):
        rest += [e.model_dump(exclude={"created_at"}) for e in page]
        after = page[-1]
    audit: list[AuditEntry] = await store.list_audit(limit=500)
    rest += [e.model_dump() for e in audit]
    return runs, owned, rest


async def snapshot(url: str) -> tuple[list[RunRecord], list[object], list[object]]:
    async with await open_store(url) as store:
        return await everything(store)


async def filled_sqlite(path: Path, runs: int = 3) -> str:
    url = f"sqlite:///{path}"
    async with await open_store(url) as store:
        await fill(store, runs)
    return url


@pytest.mark.integration
def test_copy_carries_every_record_from_sqlite_to_postgres_and_again_adds_nothing(
    tmp_path: Path, empty_postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "MAX_PAGE_SIZE", 2)  # every listing takes several pages
    source = asyncio.run(filled_sqlite(tmp_path / "runs.db", runs=5))

    first = copy("--from", source, "--to", empty_postgres)
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        f"copying SQLite {tmp_path / 'runs.db'} → PostgreSQL {empty_postgres.split('@')[1]}",
        "runs                5 copied, 0 already there",
        "tasks              10 copied, 0 already there",
        "artifacts           5 copied, 0 already there",
        "prompt cache        2 copied, 0 already there",
        "audit               7 copied, 0 already there",
    ]
    copied = asyncio.run(snapshot(empty_postgres))
    assert copied == asyncio.run(snapshot(source))
    runs = {r.run_id: r for r in copied[0]}
    assert (runs["run_3"].status, runs["run_3"].version) == (RunStatus.RUNNING, 2)

    refused = copy("--from", source, "--to", empty_postgres)
    assert refused.exit_code == EXIT_NOT_EMPTY
    assert "--into-non-empty" in one_error_line(refused)

    again = copy("--from", source, "--to", empty_postgres, "--into-non-empty")
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[1:] == [
        "runs                0 copied, 5 already there",
        "tasks               0 copied, 10 already there",
        "artifacts           0 copied, 5 already there",
        "prompt cache        0 copied, 2 already there",
        "audit               0 copied, 7 already there",
    ]
    assert asyncio.run(snapshot(empty_postgres)) == copied


def test_copy_into_a_non_empty_store_adds_only_what_it_lacks_and_keeps_its_own(
    tmp_path: Path,
) -> None:
    source = asyncio.run(filled_sqlite(tmp_path / "from.db"))
    target = asyncio.run(filled_sqlite(tmp_path / "to.db", runs=1))

    async def diverge() -> None:  # the target's run_0 moved on: it is kept, not overwritten
        async with await open_store(target) as store:
            await store.update_run("run_0", 1, {"status": RunStatus.FAILED})

    asyncio.run(diverge())
    before = asyncio.run(snapshot(target))

    refused = copy("--from", source, "--to", target)
    assert refused.exit_code == EXIT_NOT_EMPTY
    assert asyncio.run(snapshot(target)) == before

    result = copy("--from", source, "--to", target, "--into-non-empty")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "runs                2 copied, 0 already there, 1 differ (the target's kept)",
        # the target's finished task was updated at another time than the source's
        "tasks               4 copied, 1 already there, 1 differ (the target's kept)",
        "artifacts           2 copied, 1 already there",
        "prompt cache        0 copied, 2 already there",
        # the target's own entries are other events (other ids): the source's are all added
        "audit               5 copied, 0 already there",
    ]
    after = asyncio.run(snapshot(target))
    assert next(r for r in after[0] if r.run_id == "run_0").status == RunStatus.FAILED
    assert len(after[0]) == 3


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        pytest.param(
            ["--from", "sqlite:///{tmp}/none.db", "--to", "sqlite:///{tmp}/to.db"],
            EXIT_INVALID,
            "no SQLite file at",
            id="no-source-file",
        ),
        pytest.param(
            ["--from", "sqlite:///{tmp}/from.db", "--to", "sqlite:///{tmp}/from.db"],
            EXIT_INVALID,
            "name the same store",
            id="same-store",
        ),
        pytest.param(
            ["--from", "sqlite:///{tmp}/from.db", "--to", "mysql://ana:hunter2@db/x"],
            EXIT_INVALID,
            "unsupported store URL mysql://…",
            id="scheme",
        ),
        pytest.param(
            ["--from", "sqlite:///{tmp}/from.db", "--to", "postgresql://ana:hunter2@127.0.0.1:9/x"],
            EXIT_UNAVAILABLE,
            "cannot be reached",
            id="unreachable",
        ),
    ],
)
def test_copy_refuses_what_it_cannot_use_in_one_line(
    tmp_path: Path, args: list[str], code: int, says: str
) -> None:
    (tmp_path / "from.db").touch()
    result = copy(*(a.format(tmp=tmp_path) for a in args))
    assert result.exit_code == code, result.output
    assert says in one_error_line(result)
    assert "hunter2" not in result.output
    assert not (tmp_path / "to.db").exists()
