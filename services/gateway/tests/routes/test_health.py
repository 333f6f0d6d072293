"""/healthz and /readyz."""

from __future__ import annotations

from typing import Any

import pytest
from gateway_utils.waiting import wait_until

pytestmark = pytest.mark.integration


async def test_healthz(gateway: Any) -> None:
    r = await gateway.client.get("/healthz")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})


async def test_readyz_when_all_is_up(gateway: Any) -> None:
    r = await gateway.client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ready", "checks": {"nats": "ok", "store": "ok"}}


async def test_readyz_is_503_naming_nats_when_it_is_down(gateway_on_stoppable: Any) -> None:
    gateway, nats = gateway_on_stoppable
    nats.stop()
    await wait_until(lambda: not gateway.resources.bus.is_connected, timeout=5)

    r = await gateway.client.get("/readyz")

    assert r.status_code == 503
    assert r.json()["status"] == "not_ready"
    assert r.json()["checks"]["store"] == "ok"
    assert r.json()["checks"]["nats"] != "ok"
    assert (await gateway.client.get("/healthz")).status_code == 200


async def test_readyz_is_503_naming_the_store_when_it_is_closed(gateway: Any) -> None:
    await gateway.resources.store.close()
    r = await gateway.client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["nats"] == "ok"
    assert r.json()["checks"]["store"] != "ok"
