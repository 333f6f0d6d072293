"""Helpers shared by the end-to-end tests (imported by conftest.py and the tests)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import websockets

from prolight.external.fakes import free_port
from prolight.stack import SERVICE_PORTS

__all__ = [
    "CLI_TIMEOUT_S",
    "PROLIGHT",
    "RUN_TIMEOUT_S",
    "finished",
    "free_port",
    "prolight",
    "stack_env",
]

RUN_TIMEOUT_S = 120.0

CLI_TIMEOUT_S = 180
PROLIGHT = Path(sys.executable).with_name("prolight")  # the console script beside this python


def prolight(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the `prolight` CLI in `cwd`, capturing its output (no colours)."""
    return subprocess.run(
        [str(PROLIGHT), *args],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
    )


def stack_env(root: Path) -> dict[str, str]:
    """Environment of a stack under `root`: free ports, temp store and blobs, a test secret."""
    env = {var: str(free_port()) for var, _ in SERVICE_PORTS.values()}
    env.update(
        {
            "PROLIGHT_NATS_URL": f"nats://127.0.0.1:{free_port()}",
            "PROLIGHT_STORE_URL": f"sqlite:///{root / 'store.db'}",
            "PROLIGHT_BLOB_URL": f"file://{root / 'blobs'}",
            "PROLIGHT_STREAM_TOKEN_SECRET": secrets.token_urlsafe(48),
            "PROLIGHT_LOG_LEVEL": "INFO",
            "OTEL_SDK_DISABLED": "true",
        }
    )
    return env


async def finished(ws_url: str, timeout: float = RUN_TIMEOUT_S) -> dict[str, Any]:
    """The run's terminal message, read from its WebSocket (closed by the server after it)."""
    last: dict[str, Any] = {}

    async def read() -> None:
        nonlocal last
        async with websockets.connect(ws_url, max_size=2**22) as socket:
            async for raw in socket:
                last = json.loads(raw)

    await asyncio.wait_for(read(), timeout)
    return last
