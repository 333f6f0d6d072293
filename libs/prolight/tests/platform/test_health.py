"""The workers' health server over real loopback HTTP."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from prolight.platform.health import HealthServer


async def ok() -> None:
    return None


async def down() -> None:
    raise ConnectionError("NATS at nats://127.0.0.1:1 unreachable")


async def hang() -> None:
    await asyncio.sleep(30)


async def get(port: int, path: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(f"http://127.0.0.1:{port}{path}", timeout=5)


async def test_healthz_and_readyz_answer_when_everything_is_up(free_tcp_port: int) -> None:
    async with HealthServer(free_tcp_port, {"nats": ok, "store": ok}, host="127.0.0.1"):
        live = await get(free_tcp_port, "/healthz")
        ready = await get(free_tcp_port, "/readyz")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"nats": "ok", "store": "ok"}}


async def test_readyz_is_503_naming_the_failing_check(
    free_tcp_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("prolight.platform.health.CHECK_TIMEOUT_S", 0.2)
    checks = {"nats": down, "store": ok, "slow": hang}
    async with HealthServer(free_tcp_port, checks, host="127.0.0.1"):
        ready = await get(free_tcp_port, "/readyz")
        live = await get(free_tcp_port, "/healthz")
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "not_ready"
    assert "unreachable" in body["checks"]["nats"]
    assert body["checks"]["store"] == "ok"
    assert "no answer" in body["checks"]["slow"]
    assert live.status_code == 200


async def test_unknown_paths_and_methods_are_refused(free_tcp_port: int) -> None:
    async with HealthServer(free_tcp_port, {}, host="127.0.0.1"):
        missing = await get(free_tcp_port, "/nope")
        async with httpx.AsyncClient() as client:
            posted = await client.post(f"http://127.0.0.1:{free_tcp_port}/healthz")
    assert missing.status_code == 404
    assert posted.status_code == 405


async def test_port_zero_disables_it() -> None:
    server = HealthServer(0, {"nats": ok})
    async with server:
        assert not server.enabled


def test_a_port_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="health port"):
        HealthServer(70000, {})
