"""/metrics on the notifier: connected clients and delivery latency, over real HTTP."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from notifier_testkit import SECRET, NotifierServer, publish_all, run_events
from prometheus_client.parser import text_string_to_metric_families

from prolight.platform.bus import Bus
from prolight.platform.tokens import issue_stream_token

pytestmark = pytest.mark.integration

TIMEOUT = 10.0


async def scrape(client: httpx.AsyncClient, server: NotifierServer) -> dict[str, float]:
    """Sample name → value of the notifier's /metrics (unlabelled samples only)."""
    response = await client.get(f"{server.http}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if not sample.labels
    }


async def clients_reach(client: httpx.AsyncClient, server: NotifierServer, n: int) -> None:
    """Return once /metrics reports `n` connected clients (the caller bounds the wait)."""
    while (await scrape(client, server))["prolight_notifier_connected_clients"] != n:
        await asyncio.sleep(0.02)


async def test_metrics_count_clients_and_time_deliveries(
    notifier: NotifierServer, bus: Bus
) -> None:
    run_id = "metrics-a"
    url = f"{notifier.http}/api/stream/{run_id}?token={issue_stream_token(run_id, SECRET)}"
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        before = await scrape(client, notifier)
        assert before["prolight_notifier_connected_clients"] == 0
        async with client.stream("GET", url) as response:
            assert response.status_code == 200
            lines = response.aiter_lines()
            # The gauge is read at scrape time: it reaches 1 once the hub has the subscriber.
            await asyncio.wait_for(clients_reach(client, notifier, 1), TIMEOUT)
            events = run_events(run_id, n=1)
            await publish_all(bus, events)
            async with asyncio.timeout(TIMEOUT):
                async for line in lines:
                    if line == "event: run.completed":
                        break
        after = await scrape(client, notifier)
        # …and falls back to 0 when the client is gone.
        await asyncio.wait_for(clients_reach(client, notifier, 0), TIMEOUT)
    delivered = after["prolight_notifier_delivery_latency_seconds_count"]
    assert delivered - before["prolight_notifier_delivery_latency_seconds_count"] >= len(events)
