"""The gateway behind a real uvicorn server on a loopback port: real sockets, real chunking."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_utils.app import gateway_settings
from gateway_utils.bodies import readme_body
from gateway_utils.served import served

from prolight_gateway.app import create_app
from prolight_gateway.edge import DRAIN_BYTES
from prolight_gateway.settings import DEFAULT_MAX_BODY_BYTES as LIMIT

pytestmark = pytest.mark.integration


@pytest.fixture
async def base_url(nats_server: Any, tmp_path: Path) -> AsyncIterator[str]:
    async with served(create_app(gateway_settings(nats_server.url, tmp_path))) as url:
        yield url


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


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(b"Content-Length: %d\r\n" % (LIMIT + DRAIN_BYTES + 1), id="past-the-drain"),
        pytest.param(b"Content-Length: 5000000\r\nExpect: 100-continue\r\n", id="expect-100"),
    ],
)
async def test_declared_length_is_413_before_the_body(base_url: str, headers: bytes) -> None:
    # Past what the edge reads, or before a client that waits for leave to send: at once.
    head = (
        b"POST /api/generate/lighting-setup HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\n" + headers + b"Connection: close\r\n\r\n"
    )
    status, body = await _raw_request(base_url, head, [b"{"])
    assert status == 413
    assert json.loads(body)["code"] == "body_too_large"


# A client that writes its whole body before it reads (urllib, httpx, requests) gets its 413,
# not a reset: the edge reads and drops the rest of a body up to DRAIN_BYTES past the limit.
SIZES = [pytest.param(2 << 20, id="2MiB"), pytest.param(8 << 20, id="8MiB")]


def _big_body(size: int) -> Iterator[bytes]:
    """A JSON body of `size` bytes or a little more, in 64 KiB pieces."""
    yield b'{"subject_description": "'
    piece = b"x" * 65536
    for _ in range(size // len(piece)):
        yield piece
    yield b'"}'


def _urllib_post(url: str, data: bytes | Iterator[bytes]) -> tuple[int, dict[str, Any], str]:
    headers = {"Content-Type": "application/json"}
    if not isinstance(data, bytes):
        headers["Transfer-Encoding"] = "chunked"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read()), answer.headers["Connection"]
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read()), exc.headers["Connection"]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_urllib_sending_a_big_body_reads_its_413(
    base_url: str, size: int, chunked: bool
) -> None:
    data = _big_body(size) if chunked else b"".join(_big_body(size))
    url = f"{base_url}/api/generate/lighting-setup"

    status, body, connection = await asyncio.to_thread(_urllib_post, url, data)

    assert status == 413
    assert body["code"] == "body_too_large"
    assert connection == "close"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_httpx_sending_a_big_body_reads_its_413(
    base_url: str, size: int, chunked: bool
) -> None:
    async def pieces() -> AsyncIterator[bytes]:
        for piece in _big_body(size):
            yield piece

    content = pieces() if chunked else b"".join(_big_body(size))
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        r = await client.post(
            "/api/generate/lighting-setup",
            content=content,
            headers={"Content-Type": "application/json"},
        )
    assert r.status_code == 413
    assert r.json()["code"] == "body_too_large"
    assert r.headers["Connection"] == "close"
