"""End-to-end fixtures: the six services as separate OS processes on a real nats-server.

`stack` (one per session) is a `prolight.stack.Stack` rooted in a temporary directory: its own
nats-server on a free port, a temporary SQLite file and blob directory, free ports for the
gateway, the notifier and every worker's health endpoint, and a test stream-token secret. It
is started the way `prolight up` starts it (`python -m prolight_<name>` each) and returns once
every service answers `/healthz`; at teardown every process is stopped and, on failure, the
services' logs are worth a look (`<tmp>/home/logs/`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from e2e_kit import stack_env

from prolight.stack import Stack

__all__ = ["stack"]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The six services and a nats-server, started once for the session (see the module doc)."""
    root = tmp_path_factory.mktemp("stack")
    env = stack_env(root)
    lines: list[str] = []
    running = Stack(
        home=root / "home",
        nats_url=env["PROLIGHT_NATS_URL"],
        env=env,
        say=lines.append,
        health_timeout_s=90,
    )
    try:
        running.start()
    except Exception:
        running.stop()
        raise RuntimeError("the stack did not start:\n" + "\n".join(lines)) from None
    try:
        yield running
    finally:
        running.stop()
