"""Fixtures: the gateway app run in-process over httpx's ASGI transport with its lifespan, a SQLite
run store
and a local blob directory under tmp_path."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

# Test helpers live in tests/gateway_utils (a unique name: every service has a tests/ dir, and
# --import-mode=importlib puts none of them on sys.path).
sys.path.insert(0, str(Path(__file__).parent))

from gateway_utils.app import gateway_settings

from prolight_gateway.app import create_app
from prolight_gateway.resources import Resources
from prolight_gateway.settings import GatewaySettings
from prolight_testing.infra import NATS_SERVER_BINARY, NatsServer, free_port, wait_for_port


@dataclass
class Gateway:
    """The app under test: a client for it, its open resources and its settings."""

    app: FastAPI
    client: httpx.AsyncClient
    resources: Resources
    settings: GatewaySettings


@pytest.fixture
def settings(nats_server: NatsServer, tmp_path: Path) -> GatewaySettings:
    return gateway_settings(nats_server.url, tmp_path)


@pytest.fixture
async def gateway(settings: GatewaySettings) -> AsyncIterator[Gateway]:
    """The gateway, started (lifespan run) against the real nats-server."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield Gateway(app, client, app.state.resources, settings)


class StoppableNats:
    """A nats-server process this test may stop (the shared fixture does not expose one)."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self._proc = subprocess.Popen(
            [NATS_SERVER_BINARY, "-js", "-a", "127.0.0.1", "-p", str(self.port),
             "-sd", str(tmp_path / "js-stoppable")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port, timeout=10, proc=self._proc)

    def stop(self) -> None:
        """Terminate the server and wait for it to exit."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)


@pytest.fixture
def stoppable_nats(tmp_path: Path) -> Iterator[StoppableNats]:
    """A nats-server with JetStream that the test can stop to see how the gateway copes."""
    if not Path(NATS_SERVER_BINARY).exists():
        pytest.skip(f"no nats-server at {NATS_SERVER_BINARY}")
    server = StoppableNats(tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def gateway_on_stoppable(
    stoppable_nats: StoppableNats, tmp_path: Path
) -> AsyncIterator[tuple[Gateway, StoppableNats]]:
    """The gateway on a nats-server the test can stop."""
    app = create_app(gateway_settings(stoppable_nats.url, tmp_path))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            gw = Gateway(app, client, app.state.resources, app.state.resources.settings)
            yield gw, stoppable_nats
