"""Every failure is a JSON ErrorBody with the right status; nothing is ever a bare 500."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from gateway_utils.bodies import readme_body

from prolight.platform.logs import bind_run

pytestmark = pytest.mark.integration

LIMIT = 1024 * 1024


def _big_body() -> bytes:
    padding = "x" * (LIMIT + 10)
    return f'{{"subject_description": "{padding}"}}'.encode()


async def test_body_over_1_mib_by_content_length_is_413(gateway: Any) -> None:
    r = await gateway.client.post(
        "/api/generate/lighting-setup",
        content=_big_body(),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["code"] == "body_too_large"


async def test_chunked_body_over_1_mib_is_413(gateway: Any) -> None:
    data = _big_body()
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for start in range(0, len(data), 64 * 1024):
            sent += 1
            yield data[start : start + 64 * 1024]

    r = await gateway.client.post(
        "/api/generate/lighting-setup",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert "content-length" not in r.request.headers  # really chunked
    assert r.status_code == 413
    assert r.json()["code"] == "body_too_large"
    assert (await gateway.resources.store.list_runs()).items == []


async def test_body_just_under_the_limit_is_read(gateway: Any) -> None:
    body = readme_body(subject_description="y" * 400)
    r = await gateway.client.post("/api/generate/lighting-setup", json=body)
    assert r.status_code == 202


async def test_unknown_path_is_404_json(gateway: Any) -> None:
    r = await gateway.client.get("/api/nothing-here")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


async def test_wrong_method_is_405_json(gateway: Any) -> None:
    r = await gateway.client.get("/api/generate/lighting-setup")
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"
    assert "POST" in r.headers["allow"]


async def test_unhandled_error_is_500_without_traceback_and_logged_with_run_id(
    gateway: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> None:
        bind_run("run_broken")
        raise RuntimeError("secret internals")

    gateway.app.add_api_route("/api/broken", broken)
    with caplog.at_level(logging.ERROR, logger="prolight_gateway.edge"):
        r = await gateway.client.get("/api/broken")

    assert r.status_code == 500
    assert r.json()["code"] == "internal"
    assert "secret internals" not in r.text
    assert "Traceback" not in r.text
    [record] = [rec for rec in caplog.records if rec.name == "prolight_gateway.edge"]
    assert record.run_id == "run_broken"  # type: ignore[attr-defined]
    assert record.exc_info is not None
