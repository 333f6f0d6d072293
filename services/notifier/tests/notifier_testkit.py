"""Notifier test kit: a real nats-server, the notifier served by uvicorn on a free port.

Fixtures are re-exported by conftest.py; tests import the helpers.

`nats_server` comes from the prolight_testing plugin. `NotifierServer` runs the real app under
uvicorn in this event
loop, so a test can stop it and start a new one on the same NATS (a notifier restart).
"""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import uvicorn

from prolight.contracts.events import (
    ArtifactReady,
    Event,
    RunCompleted,
    RunCreated,
    TaskCompleted,
    TaskStarted,
)
from prolight.contracts.subjects import Tool
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.bus import Bus, PublishResult
from prolight.platform.tokens import issue_stream_token
from prolight_notifier.__main__ import server_config
from prolight_notifier.settings import NotifierSettings
from prolight_testing.infra import free_port
from prolight_testing.tasks import sample_result

__all__ = [
    "GATEWAY",
    "SECRET",
    "NotifierServer",
    "bus",
    "filler",
    "make_notifier",
    "notifier",
    "publish_all",
    "run_events",
    "small_window_socket",
]

SECRET = secrets.token_urlsafe(48)
GATEWAY = "http://gateway.test:8000"
STARTUP_TIMEOUT_S = 10.0


class NotifierServer:
    """The notifier app under uvicorn on 127.0.0.1:`port`; `start()` / `stop()` as often as
    needed (a restart keeps the port)."""

    def __init__(
        self,
        nats_url: str,
        send_buffer: int | None = None,
        ws: str | None = None,
        **overrides: Any,
    ) -> None:
        self.port = free_port()
        self.send_buffer = send_buffer
        self.ws = ws
        self.settings = NotifierSettings(
            nats_url=nats_url,
            notifier_port=self.port,
            stream_token_secret=SECRET,
            gateway_public_url=GATEWAY,
            **overrides,
        )
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, run_id: str, token: str | None = "", after: int | None = None) -> str:
        """The socket URL for `run_id`; token "" means a valid one, None means none."""
        url = f"ws://127.0.0.1:{self.port}/ws/runs/{run_id}"
        params = []
        if token is not None:
            params.append(f"token={token or issue_stream_token(run_id, SECRET)}")
        if after is not None:
            params.append(f"after={after}")
        return url + ("?" + "&".join(params) if params else "")

    async def start(self) -> None:
        config = server_config(self.settings)
        if self.ws is not None:
            config.ws = self.ws
        self._server = uvicorn.Server(config)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self.send_buffer:
            # Accepted sockets inherit it: the kernel cannot soak up a slow client's backlog.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.send_buffer)
        sock.bind(("127.0.0.1", self.port))
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STARTUP_TIMEOUT_S
        # uvicorn exposes `started` as a flag, not an awaitable: poll it against a deadline.
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("the notifier exited during start-up")
            if loop.time() > deadline:
                raise TimeoutError("the notifier did not start")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await asyncio.wait_for(self._task, timeout=15)
            self._server = self._task = None


@pytest.fixture
async def bus(nats_server: Any) -> AsyncIterator[Bus]:
    """A bus on the test's nats-server, streams declared."""
    b = await Bus.connect(nats_server.url, name="notifier-tests")
    await b.ensure_streams()
    try:
        yield b
    finally:
        await b.close()


@pytest.fixture
async def make_notifier(
    nats_server: Any,
) -> AsyncIterator[Callable[..., Awaitable[NotifierServer]]]:
    """Start notifiers (settings overrides as keyword arguments, `send_buffer`: the server
    sockets' SO_SNDBUF in bytes, and `ws`: another uvicorn WebSocket protocol than the
    notifier's own); all stopped at teardown."""
    started: list[NotifierServer] = []

    async def make(
        send_buffer: int | None = None, ws: str | None = None, **overrides: Any
    ) -> NotifierServer:
        server = NotifierServer(nats_server.url, send_buffer, ws, **overrides)
        await server.start()
        started.append(server)
        return server

    try:
        yield make
    finally:
        for server in started:
            await server.stop()


@pytest.fixture
async def notifier(make_notifier: Callable[..., Awaitable[NotifierServer]]) -> NotifierServer:
    """One notifier with default settings and a fast heartbeat."""
    return await make_notifier(notifier_heartbeat_s=0.3)


def prompt() -> FiboPrompt:
    return FiboPrompt(scene=get_preset("rembrandt").setup)


def run_events(run_id: str, n: int = 2, *, finish: bool = True) -> list[Event]:
    """A plausible run: created, then per candidate generate+evaluate, an artifact, completion."""
    events = [Event.build(run_id, RunCreated(prompt=prompt(), options={"num_results": n}))]
    artifacts = []
    for i in range(n):
        gen, ev = f"{run_id}-gen-{i}", f"{run_id}-eval-{i}"
        art = f"{run_id}-art-{i}"
        artifacts.append(art)
        events += [
            Event.build(run_id, TaskStarted(tool=Tool.GENERATE), task_id=gen),
            Event.build(
                run_id,
                TaskCompleted(tool=Tool.GENERATE, result=sample_result(Tool.GENERATE)),
                task_id=gen,
            ),
            Event.build(
                run_id,
                ArtifactReady(artifact_id=art, sha256="0" * 64, url=f"/blobs/{art}", size_bytes=10),
                task_id=gen,
            ),
            Event.build(run_id, TaskStarted(tool=Tool.EVALUATE), task_id=ev),
            Event.build(
                run_id,
                TaskCompleted(tool=Tool.EVALUATE, result=sample_result(Tool.EVALUATE)),
                task_id=ev,
            ),
        ]
    if finish:
        events.append(Event.build(run_id, RunCompleted(best_artifact_id=artifacts[0])))
    return events


def small_window_socket(port: int, size: int = 65536) -> socket.socket:
    """A client socket connected to 127.0.0.1:`port` with a `size`-byte receive buffer
    (set before connecting, so the TCP window stays small)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


def filler(run_id: str, i: int, size: int = 0) -> Event:
    """A task.completed event, `size` bytes of padding in its result's url (for slow-client tests).

    The padding is random: WebSocket compression would shrink a repeated character to nothing.
    """
    return Event.build(
        run_id,
        TaskCompleted(
            tool=Tool.GENERATE,
            result=sample_result(Tool.GENERATE, seed=i, url=secrets.token_urlsafe(size)[:size]),
        ),
        task_id=f"{run_id}-t{i}",
    )


async def publish_all(bus: Bus, events: list[Event]) -> list[PublishResult]:
    """Publish in order (each stored before the next is sent)."""
    return [await bus.publish(e) for e in events]
