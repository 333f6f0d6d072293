"""/metrics on the gateway: open (no API key), out of the OpenAPI, counting responses."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.integration


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def two_xx(values: dict[tuple[str, frozenset[tuple[str, str]]], float]) -> float:
    key = ("prolight_http_requests_total", frozenset({("service", "gateway"), ("code", "2xx")}))
    return values.get(key, 0.0)


async def test_metrics_are_served_and_count_the_gateways_responses(gateway: Any) -> None:
    first = await gateway.client.get("/metrics")
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/plain")
    assert (await gateway.client.get("/healthz")).status_code == 200
    second = await gateway.client.get("/metrics")
    # The first scrape's own 200 and /healthz's were counted before the second scrape.
    assert two_xx(samples(second.text)) - two_xx(samples(first.text)) == 2
    assert "/metrics" not in gateway.app.openapi()["paths"]
