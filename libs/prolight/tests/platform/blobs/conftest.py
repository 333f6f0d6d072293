"""The `blobs` fixture: every artifact-store test runs on a local directory and on S3, the
latter over real HTTP against moto's standalone server on a free loopback port."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from prolight.platform.blobs import ArtifactStore, open_blobs


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials moto accepts; nothing here can reach real AWS."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)


@pytest.fixture(
    params=[
        pytest.param("file", id="local"),
        pytest.param("s3", id="s3", marks=pytest.mark.integration),
    ]
)
async def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ArtifactStore]:
    if request.param == "file":
        url = f"file://{tmp_path / 'blobs'}"
    else:
        endpoint = request.getfixturevalue("moto_endpoint")
        request.getfixturevalue("aws_credentials")
        bucket = f"prolight-{uuid.uuid4().hex[:10]}"
        url = f"s3://{bucket}/artifacts?endpoint={endpoint}&region=us-east-1"
    async with await open_blobs(url) as store:
        yield store
