"""The whole stack for end-to-end and browser tests: the six services as separate OS processes.

`stack` (one per session) is a `prolight_tools.stack.Stack` rooted in a temporary directory: its
own nats-server on a free port, a temporary SQLite file and blob directory, free ports for the
gateway (API and metrics), the notifier and every worker's health endpoint, and a test
stream-token secret. It is started the way `prolight up` starts it (`python -m prolight_<name>`
each), so with API keys off, as a local development run (`Stack.child_env` sets
`PROLIGHT_LOCAL_DEV`), and returns once every service answers `/healthz`; at teardown every
process is stopped and, on failure, the services' logs are worth a look (`<tmp>/home/logs/`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from prolight_testing.fakes import free_port
from prolight_tools.stack import Stack, port_variables

__all__ = ["running_stack", "stack", "stack_env"]


def stack_env(root: Path) -> dict[str, str]:
    """Environment of a stack under `root`: free ports, temp store and blobs, a test secret."""
    env = {var: str(free_port()) for var in port_variables()}
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


@contextmanager
def running_stack(root: Path, **more_env: str) -> Iterator[Stack]:
    """A stack under `root` (`stack_env`, with `more_env` on top), started for the block and
    stopped after it; a start that fails is raised with what the stack said."""
    env = {**stack_env(root), **more_env}
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


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The six services and a nats-server, started once for the session (see the module doc)."""
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running
