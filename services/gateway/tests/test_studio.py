"""The web studio's files at / and /assets, and the API left as it was."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from prolight_gateway.app import create_app
from prolight_gateway.openapi import openapi_documents
from prolight_gateway.studio import WEB_DIR_VAR, mount_studio, studio_dir

PAGE = "<!doctype html><title>ProLight Studio</title>"


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A built studio folder: index.html and one asset."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "assets" / "studio.js").write_text("console.log('studio')")
    return tmp_path


async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


@pytest.fixture
async def studio(built: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    mount_studio(app, built)
    async for client in _client(app):
        yield client


async def test_the_page_is_served_at_the_root_without_caching(
    studio: httpx.AsyncClient,
) -> None:
    r = await studio.get("/")
    assert r.status_code == 200
    assert r.text == PAGE
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-cache"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert (await studio.head("/")).status_code == 200


async def test_assets_are_served_with_an_etag(studio: httpx.AsyncClient) -> None:
    r = await studio.get("/assets/studio.js")
    assert r.status_code == 200
    assert "javascript" in r.headers["content-type"]
    assert r.headers["x-content-type-options"] == "nosniff"
    again = await studio.get("/assets/studio.js", headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304


async def test_an_unbuilt_studio_says_how_to_build_it(tmp_path: Path) -> None:
    app = FastAPI()
    mount_studio(app, tmp_path / "missing")
    async for client in _client(app):
        r = await client.get("/")
        assert r.status_code == 503
        assert "make setup" in r.text
        assert (await client.get("/assets/studio.js")).status_code == 404


def test_the_folder_comes_from_the_environment_or_the_checkout(tmp_path: Path) -> None:
    assert studio_dir({WEB_DIR_VAR: str(tmp_path)}) == tmp_path
    assert studio_dir({}).parts[-2:] == ("web", "dist")


async def test_the_gateway_keeps_its_api_and_json_errors_beside_the_studio() -> None:
    app = create_app()
    async for client in _client(app):
        missing = await client.get("/no/such/page")
        assert missing.status_code == 404
        assert missing.json()["code"] == "not_found"
        asset = await client.get("/assets/no-such-file.js")
        assert asset.status_code == 404
    paths = json.loads(openapi_documents()["openapi.json"])["paths"]
    assert "/" not in paths
    assert not any(p.startswith("/assets") for p in paths)
