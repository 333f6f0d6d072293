"""Secure by default: the gateway will not start keyless unless told it is a local development
run, /metrics is on a port of its own (not the API's), /docs can be turned off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_utils.app import SECRET, gateway_settings

from prolight.platform.settings import ConfigurationError
from prolight_gateway.app import create_app
from prolight_gateway.settings import GatewaySettings
from prolight_testing.infra import free_port


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without any ProLight setting, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROLIGHT_")}
    env.pop("SECRET_KEY", None)
    return {**env, "PROLIGHT_STREAM_TOKEN_SECRET": SECRET, **values}


def test_without_keys_the_settings_refuse_unless_local_dev(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("PROLIGHT_LOCAL_DEV", raising=False)
    monkeypatch.setenv("PROLIGHT_STREAM_TOKEN_SECRET", SECRET)
    for unset in (None, ""):  # unset, or set empty as an env file leaves it
        if unset is None:
            monkeypatch.delenv("PROLIGHT_API_KEYS_FILE", raising=False)
        else:
            monkeypatch.setenv("PROLIGHT_API_KEYS_FILE", unset)
        with pytest.raises(ConfigurationError) as caught:
            GatewaySettings.load()
        message = str(caught.value)
        assert "PROLIGHT_API_KEYS_FILE" in message
        assert "PROLIGHT_LOCAL_DEV=true" in message
        assert "prolight keys new" in message

    monkeypatch.setenv("PROLIGHT_LOCAL_DEV", "true")
    assert GatewaySettings.load().api_keys_file is None
    monkeypatch.setenv("PROLIGHT_LOCAL_DEV", "false")
    monkeypatch.setenv("PROLIGHT_API_KEYS_FILE", str(tmp_path / "api-keys"))
    assert GatewaySettings.load().api_keys_file == tmp_path / "api-keys"


@pytest.mark.parametrize(
    ("env", "says"),
    [
        pytest.param({}, "PROLIGHT_LOCAL_DEV=true", id="keys-off"),
        pytest.param(
            {"PROLIGHT_API_KEYS_FILE": "{tmp}/api-keys"},
            "cannot read the API keys file",
            id="keys-file-missing",
        ),
    ],
)
def test_the_gateway_process_refuses_to_start_with_one_clear_line(
    tmp_path: Path, env: dict[str, str], says: str
) -> None:
    values = {k: v.format(tmp=tmp_path) for k, v in env.items()}
    done = subprocess.run(
        [sys.executable, "-m", "prolight_gateway"],
        env=clean_env(**values),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("prolight-gateway: ")
    assert says in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.integration
async def test_metrics_are_on_their_own_port_not_the_apis(nats_server: Any, tmp_path: Path) -> None:
    port = free_port()
    settings = gateway_settings(nats_server.url, tmp_path).model_copy(
        update={"gateway_metrics_port": port}
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as api:
            on_api = await api.get("/metrics")
            assert on_api.status_code == 404
            assert on_api.json()["code"] == "not_found"
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as metrics:
            scraped = await metrics.get("/metrics")
            assert scraped.status_code == 200
            assert scraped.headers["content-type"].startswith("text/plain")
            assert "prolight_http_requests_total" in scraped.text
            ready = await metrics.get("/readyz")
            assert ready.status_code == 200
            assert ready.json()["checks"] == {"nats": "ok", "store": "ok"}
    with pytest.raises(httpx.ConnectError):  # closed with the app
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)


@pytest.mark.integration
@pytest.mark.parametrize("docs", [True, False])
async def test_docs_can_be_turned_off_and_openapi_stays(
    nats_server: Any, tmp_path: Path, docs: bool
) -> None:
    settings = gateway_settings(nats_server.url, tmp_path).model_copy(update={"gateway_docs": docs})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as api:
            for page in ("/docs", "/redoc"):
                assert (await api.get(page)).status_code == (200 if docs else 404), page
            schema = await api.get("/openapi.json")
            assert schema.status_code == 200
            assert "/api/generate/lighting-setup" in schema.json()["paths"]
