"""/metrics of the gateway, on its metrics port (`routes.metrics`): open (no API key), out of
the OpenAPI, counting the API's responses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_utils.app import gateway_settings
from prometheus_client.parser import text_string_to_metric_families

from prolight.platform.api_keys import add_key
from prolight_gateway.app import create_app
from prolight_testing.infra import free_port

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


@pytest.fixture
async def keyed_gateway(
    nats_server: Any, tmp_path: Path
) -> AsyncIterator[tuple[Any, httpx.AsyncClient, httpx.AsyncClient]]:
    """A gateway with keys on and its metrics port: the app, an API client, a metrics client."""
    keys = tmp_path / "api-keys"
    add_key(keys, "ana")
    port = free_port()
    settings = gateway_settings(nats_server.url, tmp_path).model_copy(
        update={"gateway_metrics_port": port, "api_keys_file": keys, "local_dev": False}
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as api,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as metrics,
        ):
            yield app, api, metrics


async def test_metrics_are_served_without_a_key_and_count_the_apis_responses(
    keyed_gateway: tuple[Any, httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    app, api, metrics = keyed_gateway
    first = await metrics.get("/metrics")  # no X-API-Key: the port is not public
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/plain")
    assert (await api.get("/healthz")).status_code == 200
    assert (await api.get("/metrics")).status_code == 404  # not on the API's port
    second = await metrics.get("/metrics")
    # The API's /healthz was counted; scrapes of the metrics port are not API requests.
    assert two_xx(samples(second.text)) - two_xx(samples(first.text)) == 1
    assert "/metrics" not in app.openapi()["paths"]
