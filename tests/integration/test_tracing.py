"""One run, one trace: the gateway's request span and every NATS hop after it (planner,
generator, storage, evaluator) share its trace id, with a consumer span per delivered task.

Spans are caught by an in-memory exporter: the gateway gets the provider as `tracer_provider`
(as `create_app` allows), the workers through `prolight.platform.telemetry.tracer`, patched for
this test
only, so the process-wide provider stays untouched for the other tests.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from prolight.contracts.api import README_BODY_EXAMPLE
from prolight.contracts.subjects import EventType, Tool
from prolight.platform import telemetry
from prolight_gateway.app import create_app
from prolight_gateway.settings import GatewaySettings

pytestmark = pytest.mark.integration

SECRET = "trace-test-stream-token-secret-of-32-bytes-or-more"


def hop(span: ReadableSpan, run_id: str) -> str | None:
    """`task.requested.generate` for the span `prolight.task.requested.generate.<run> process`."""
    prefix, suffix = "prolight.", f".{run_id} process"
    if span.name.startswith(prefix) and span.name.endswith(suffix):
        return span.name[len(prefix) : -len(suffix)]
    return None


async def test_one_run_is_one_trace_across_the_services(
    pipeline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(telemetry, "tracer", lambda: provider.get_tracer("prolight"))
    await pipeline.start_all()

    env = pipeline.env
    settings = GatewaySettings(
        nats_url=env["PROLIGHT_NATS_URL"],
        store_url=env["PROLIGHT_STORE_URL"],
        blob_url=env["PROLIGHT_BLOB_URL"],
        stream_token_secret=SECRET,  # type: ignore[arg-type]
        local_dev=True,  # keys off
        gateway_metrics_port=0,
    )
    app = create_app(settings, tracer_provider=provider)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            response = await client.post("/api/generate/lighting-setup", json=README_BODY_EXAMPLE)
    assert response.status_code == 202, response.text
    run_id = response.json()["run_id"]
    done = await pipeline.finish(run_id, timeout=60)
    assert done.type == EventType.RUN_COMPLETED, done.payload
    await pipeline.stop_all()  # every handler has returned: its span has ended

    spans = exporter.get_finished_spans()
    [request] = [s for s in spans if s.kind == SpanKind.SERVER and "lighting-setup" in s.name]
    assert request.context is not None
    trace_id = request.context.trace_id
    hops = [(h, s) for s in spans if (h := hop(s, run_id)) is not None]
    assert {s.context.trace_id for _, s in hops if s.context is not None} == {trace_id}
    assert all(s.kind == SpanKind.CONSUMER for _, s in hops)

    seen = Counter(h for h, _ in hops)
    tasks = Counter(t.tool for t in await pipeline.store.list_tasks(run_id))
    # The planner's run.created, then a span per task in the worker that did it (a redelivery
    # would add one), and task.completed read by the planner and by storage.
    assert seen["run.created"] == 1
    for tool in (Tool.GENERATE, Tool.EVALUATE, Tool.EXPORT):
        assert tasks[tool] >= 1
        assert seen[f"task.requested.{tool.value}"] >= tasks[tool]
    assert seen["task.completed"] >= sum(tasks.values())
