"""Shared fixtures: real infrastructure started per test, on free loopback ports.

`moto_endpoint` runs moto's standalone S3 server as a process on a free loopback port.
`nats_server` starts /usr/sbin/nats-server (or `$PROLIGHT_TEST_NATS_SERVER`) with JetStream in a
temporary store directory and never touches a server the machine already runs on 4222.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

from prolight.platform.bus import BusError
from prolight_testing.fakes import free_port

NATS_SERVER_BINARY = os.environ.get("PROLIGHT_TEST_NATS_SERVER") or (
    shutil.which("nats-server") or "/usr/sbin/nats-server"
)


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Block until 127.0.0.1:`port` accepts a connection (seconds), or fail the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout} s")


@pytest.fixture
def free_tcp_port() -> int:
    """A loopback port with no listener (for "nothing there" tests and servers we start)."""
    return free_port()


@dataclass(frozen=True)
class NatsServer:
    """A running nats-server: `url` to connect to, `store_dir` its JetStream directory."""

    url: str
    port: int
    store_dir: Path
    log_file: Path


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A fresh nats-server with JetStream, on a free port, killed at teardown."""
    if not Path(NATS_SERVER_BINARY).exists():
        pytest.skip(f"no nats-server at {NATS_SERVER_BINARY} (set PROLIGHT_TEST_NATS_SERVER)")
    store_dir = tmp_path / "jetstream"
    log_file = tmp_path / "nats-server.log"
    for _attempt in range(3):  # the free port can be taken between probe and bind
        port = free_port()
        proc = subprocess.Popen(
            [
                NATS_SERVER_BINARY,
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                str(port),
                "-sd",
                str(store_dir),
                "-l",
                str(log_file),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port, timeout=10, proc=proc)
            break
        except RuntimeError:
            continue
    else:
        raise RuntimeError(f"nats-server did not start; see {log_file}")
    try:
        yield NatsServer(f"nats://127.0.0.1:{port}", port, store_dir, log_file)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@dataclass
class NatsCluster:
    """Three nats-server nodes on loopback, joined by cluster routes, each with JetStream:
    `url` lists all three; `node_urls` each node's client URL by server name (the name a
    stream's or consumer's `cluster.leader` reports); `kill(name)` SIGKILLs one node."""

    url: str
    processes: dict[str, subprocess.Popen[bytes]]
    node_urls: dict[str, str] = field(default_factory=dict)

    def kill(self, name: str) -> None:
        proc = self.processes[name]
        proc.kill()
        proc.wait(timeout=5)

    def alive(self) -> list[str]:
        """The names of the nodes still running."""
        return [name for name, proc in self.processes.items() if proc.poll() is None]


@pytest.fixture
def nats_cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    """A 3-node JetStream cluster on free loopback ports (nodes n1, n2, n3), killed at teardown."""
    if not Path(NATS_SERVER_BINARY).exists():
        pytest.skip(f"no nats-server at {NATS_SERVER_BINARY} (set PROLIGHT_TEST_NATS_SERVER)")
    names = ("n1", "n2", "n3")
    ports = {n: free_port() for n in names}
    routes = {n: free_port() for n in names}
    all_routes = ",".join(f"nats://127.0.0.1:{routes[n]}" for n in names)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name in names:
            processes[name] = subprocess.Popen(
                [
                    NATS_SERVER_BINARY,
                    "-js",
                    "-n", name,
                    "-a", "127.0.0.1",
                    "-p", str(ports[name]),
                    "-sd", str(tmp_path / name),
                    "-l", str(tmp_path / f"{name}.log"),
                    "--cluster_name", "prolight-test",
                    "-cluster", f"nats://127.0.0.1:{routes[name]}",
                    "-routes", all_routes,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
        for name in names:
            wait_for_port(ports[name], timeout=10, proc=processes[name])
        node_urls = {n: f"nats://127.0.0.1:{ports[n]}" for n in names}
        yield NatsCluster(",".join(node_urls.values()), processes, node_urls)
    finally:
        for proc in processes.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in processes.values():
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """http://127.0.0.1:<port> of a moto server process, for the whole session."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, timeout=30, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


T = TypeVar("T")


async def until_answered(action: Callable[[], Awaitable[T]], timeout: float) -> T:
    """`action()`'s result once it stops raising bus errors (a cluster electing its leaders),
    or its last error after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await action()
        except BusError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
