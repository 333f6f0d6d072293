"""A connected `Bus` with the pipeline streams declared, on a fresh nats-server per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from prolight.platform.bus import Bus


@pytest.fixture
async def bus(nats_server) -> AsyncIterator[Bus]:  # type: ignore[no-untyped-def]
    async with await Bus.connect(nats_server.url, name="test") as b:
        await b.ensure_streams()
        yield b
