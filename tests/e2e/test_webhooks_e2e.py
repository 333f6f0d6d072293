"""Webhooks on the six services as processes, as `make run` configures them (local development:
webhooks to 127.0.0.1 over http, a signing secret made for the session): a real run through
planner, generator, storage and evaluator ends, and the gateway POSTs its status to a receiver
that fails twice before it accepts."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from e2e_kit import finished

from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight_testing.webhooks import receiver, verified
from prolight_tools.stack import Stack

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DELIVERY_TIMEOUT_S = 60.0
"""Three attempts at the default backoff (2 s, then 4 s) on a loaded machine."""


async def test_a_finished_run_is_posted_signed_to_its_webhook_until_accepted(
    stack: Stack,
) -> None:
    body = {
        **FiboPrompt(scene=get_preset("loop").setup).model_dump(mode="json"),
        "num_results": 1,
        "seed": 41,
    }
    async with (
        receiver(503, 500, 204) as hook,
        httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client,
    ):
        body["webhook_url"] = hook.url  # a run option, at the top level like num_results
        response = await client.post("/api/generate/lighting-setup", json=body)
        assert response.status_code == 202, response.text
        accepted = response.json()
        last = await finished(accepted["links"]["ws"])
        assert last["type"] == "run.completed", last
        run_id = accepted["run_id"]

        async with asyncio.timeout(DELIVERY_TIMEOUT_S):
            while not hook.accepted:
                await asyncio.sleep(0.2)
        secret = (await client.get("/api/webhooks/secret")).json()["secret"]
        shown = await client.get(f"/api/runs/{run_id}/webhooks")

    assert [r.answered for r in hook.got] == [503, 500, 204]
    assert len({r.headers["prolight-webhook-id"] for r in hook.got}) == 1
    assert all(verified(secret, r.headers, r.body) for r in hook.got)
    status = json.loads(hook.accepted[0].body)
    assert (status["run_id"], status["status"]) == (run_id, "completed")
    assert status["artifacts"]
    assert shown.status_code == 200, shown.text
    record = shown.json()
    assert record["state"] == "delivered"
    assert [a["outcome"] for a in record["attempts"]] == ["retrying", "retrying", "delivered"]
