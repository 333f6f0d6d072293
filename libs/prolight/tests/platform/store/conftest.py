"""The `store` fixture: every contract test runs once per available RunStore backend.

SQLite always (a real file in tmp_path). MongoDB when PROLIGHT_TEST_MONGO_URL is set, or when a
Docker engine lets testcontainers start one; otherwise that leg is skipped and says why.
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


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("mongo", id="mongo", marks=pytest.mark.integration),
    ]
)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RunStore]:
    if request.param == "sqlite":
        async with await SqliteRunStore.open(tmp_path / "runs.db") as s:
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
