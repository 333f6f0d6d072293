"""The gateway behind a real uvicorn server on a loopback port: real sockets, real chunking."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from gateway_utils.app import gateway_settings
from gateway_utils.bodies import readme_body
from gateway_utils.infra import free_port
from gateway_utils.waiting import wait_until

from prolight_gateway.app import create_app

pytestmark = pytest.mark.integration


@pytest.fixture
async def base_url(nats_server: Any, tmp_path: Path) -> AsyncIterator[str]:
    port = free_port()
    app = create_app(gateway_settings(nats_server.url, tmp_path))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, access_log=False, log_config=None, lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await wait_until(lambda: server.started or task.done(), timeout=10)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


async def test_run_over_real_http(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        r = await client.post("/api/generate/lighting-setup", json=readme_body())
        assert r.status_code == 202
        status = await client.get(f"/api/status/{r.json()['run_id']}")
        assert status.status_code == 200


async def _raw_request(base_url: str, head: bytes, body_chunks: list[bytes]) -> tuple[int, bytes]:
    """Send a hand-made request; read the answer while still sending, as the server may answer
    (and close) before the body is complete, and a late write would reset the connection."""
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    received = bytearray()

    async def read_all() -> None:
        try:
            while data := await reader.read(65536):
                received.extend(data)
        except ConnectionError:
            pass

    reading = asyncio.create_task(read_all())
    try:
        writer.write(head)
        for chunk in body_chunks:
            if reading.done():
                break
            writer.write(chunk)
            try:
                await writer.drain()
            except ConnectionError:
                break
        await asyncio.wait_for(reading, timeout=10)
    finally:
        writer.close()
    response = bytes(received)
    status = int(response.split(b" ", 2)[1])
    return status, response.split(b"\r\n\r\n", 1)[1]


async def test_chunked_upload_over_the_limit_is_413_on_the_wire(base_url: str) -> None:
    head = (
        b"POST /api/generate/lighting-setup HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    piece = b"x" * 65536
    chunks = [b'%x\r\n{"subject_description": "\r\n' % len(b'{"subject_description": "')]
    chunks += [b"%x\r\n" % len(piece) + piece + b"\r\n"] * 20  # 1.25 MiB, no Content-Length
    chunks.append(b"0\r\n\r\n")

    status, body = await _raw_request(base_url, head, chunks)

    assert status == 413
    assert json.loads(body)["code"] == "body_too_large"


async def test_declared_length_over_the_limit_is_413_before_the_body(base_url: str) -> None:
    head = (
        b"POST /api/generate/lighting-setup HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: 5000000\r\nConnection: close\r\n\r\n"
    )
    status, body = await _raw_request(base_url, head, [b"{"])
    assert status == 413
    assert json.loads(body)["code"] == "body_too_large"
