"""The `store` fixture: every contract test runs once per available RunStore backend.

SQLite always (a real file in tmp_path). MongoDB when PROLIGHT_TEST_MONGO_URL is set, or when a
Docker engine lets testcontainers start one. PostgreSQL on the server PROLIGHT_TEST_POSTGRES_URL
names, else on one answering at 127.0.0.1:5432: the session creates its own database,
prolight_test_<random>, gives each test a schema of its own in it and drops the database at
the end; no other database is touched. A leg without a server is skipped and says why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from prolight.platform.store import RunStore, SqliteRunStore


def _no_docker_engine() -> str | None:
    """Why testcontainers cannot run a container here, or None if a Docker engine answers."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if host.startswith("unix://") and not Path(host.removeprefix("unix://")).exists():
        return f"there is no Docker engine socket at {host}"
    try:
        import docker  # type: ignore[import-untyped]

        client = docker.DockerClient(base_url=host, timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return f"the Docker engine at {host} does not answer ({type(exc).__name__})"
    return None


@pytest.fixture(scope="session")
def mongo_url() -> Iterator[str]:
    """A MongoDB URL to test against, or a skip that says why there is none."""
    url = os.environ.get("PROLIGHT_TEST_MONGO_URL")
    if url:
        yield url
        return
    why = _no_docker_engine()
    if why:
        pytest.skip(
            f"MongoDB leg skipped: PROLIGHT_TEST_MONGO_URL is not set and {why}, "
            "so testcontainers cannot start MongoDB"
        )
    from testcontainers.mongodb import MongoDbContainer  # type: ignore[import-untyped]

    with MongoDbContainer("mongo:7") as container:
        yield container.get_connection_url()


LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def _postgres_server() -> str:
    """A PostgreSQL server URL this session may create a database on, or a skip saying why."""
    import psycopg

    url = os.environ.get("PROLIGHT_TEST_POSTGRES_URL")
    try:
        with psycopg.connect(url or LOCAL_POSTGRES, connect_timeout=2):
            pass
    except psycopg.Error as exc:
        if url:  # asked for explicitly: a server that does not answer is a failure
            pytest.fail(f"PROLIGHT_TEST_POSTGRES_URL does not answer: {exc}")
        pytest.skip(
            "PostgreSQL leg skipped: PROLIGHT_TEST_POSTGRES_URL is not set and no server "
            f"answers at 127.0.0.1:5432 ({' '.join(str(exc).split())})"
        )
    return url or LOCAL_POSTGRES


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a database of this session's own, `prolight_test_<random>`, dropped at the
    end (whatever connections are left)."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    server = _postgres_server()
    name = f"prolight_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(server, dbname=name)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """The session database's URL with a fresh schema of this test's own as its search path,
    dropped after the test: every test starts from an empty, unmigrated store."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield make_conninfo(postgres_url, options=f"-c search_path={schema}")
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("mongo", id="mongo", marks=pytest.mark.integration),
        pytest.param("postgres", id="postgres", marks=pytest.mark.integration),
    ]
)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RunStore]:
    if request.param == "sqlite":
        async with await SqliteRunStore.open(tmp_path / "runs.db") as s:
            yield s
        return
    if request.param == "postgres":
        from prolight.platform.store.postgres import PostgresRunStore

        url = request.getfixturevalue("postgres_schema")
        async with await PostgresRunStore.open(url) as s:
            yield s
        return
    url = request.getfixturevalue("mongo_url")
    from prolight.platform.store.mongo import MongoRunStore

    db_name = f"prolight_test_{uuid.uuid4().hex[:12]}"
    mongo = await MongoRunStore.open(url, db_name=db_name)
    try:
        yield mongo
    finally:
        await mongo._client.drop_database(db_name)
        await mongo.close()
