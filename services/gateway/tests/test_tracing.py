"""A request's trace continues into the run.created event it publishes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from gateway_utils.app import gateway_settings
from gateway_utils.bodies import readme_body
from opentelemetry.sdk.trace import TracerProvider

from prolight.contracts.events import Event
from prolight_gateway.app import create_app

pytestmark = pytest.mark.integration

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


CALLER = {"traceparent": f"00-{TRACE_ID}-b7ad6b7169203331-01"}


async def published(app: FastAPI, *headers: dict[str, str]) -> list[Event]:
    """The run.created event of one accepted run per header set, started through `app`."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            answers = [
                await client.post("/api/generate/lighting-setup", json=readme_body(), headers=h)
                for h in headers
            ]
        events = []
        for r in answers:
            assert r.status_code == 202, r.text
            [event] = await app.state.resources.bus.history(r.json()["run_id"], timeout=5)
            events.append(event)
    return events


async def test_traceparent_reaches_the_event(nats_server: Any, tmp_path: Path) -> None:
    app = create_app(gateway_settings(nats_server.url, tmp_path), tracer_provider=TracerProvider())
    [event] = await published(app, CALLER)

    assert event.traceparent is not None
    version, trace_id, span_id, _flags = event.traceparent.split("-")
    assert (version, trace_id) == ("00", TRACE_ID)
    assert span_id != "b7ad6b7169203331"  # the gateway's own span, child of the caller's


async def test_with_no_span_recorded_the_trace_still_reaches_the_event(
    nats_server: Any, tmp_path: Path
) -> None:
    # No provider given and none installed: nothing records spans, the context still flows.
    app = create_app(gateway_settings(nats_server.url, tmp_path))
    event, other = await published(app, CALLER, {})

    assert event.traceparent is not None
    version, trace_id, span_id, flags = event.traceparent.split("-")
    assert (version, trace_id, flags) == ("00", TRACE_ID, "00")  # not sampled: not recorded
    assert span_id != "b7ad6b7169203331"
    assert other.traceparent is not None
    assert other.traceparent.split("-")[1] not in (TRACE_ID, "0" * 32)  # a trace of its own
