"""Helpers shared by the end-to-end tests; the `stack` fixture is the prolight_testing plugin's."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import websockets

from prolight_testing.fakes import free_port

__all__ = [
    "CLI_TIMEOUT_S",
    "PROLIGHT",
    "RUN_TIMEOUT_S",
    "finished",
    "free_port",
    "prolight",
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
