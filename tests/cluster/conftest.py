"""The multi-host drill's fixtures: `cluster` (hosts, NATS, PostgreSQL, S3, six services) and
the figures it prints in the session's summary, so `make test`'s log shows them."""

from __future__ import annotations

import fcntl
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from cluster_kit import PG_BIN, REPORT, Cluster, postgres_data_dir, start_cluster

from prolight_testing.hosts import HostsUnavailable, Network
from prolight_testing.infra import NATS_SERVER_BINARY

PREFIX = "pld"
"""Names every namespace, veth and the bridge (`pld-…`); a crashed run's leftovers go first."""

LOCK = Path("/run/lock/prolight-cluster-drill.lock")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORT:
        terminalreporter.section("multi-host drill")
        for line in REPORT:
            terminalreporter.write_line(line)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """The drill's cluster on network namespaces, removed at teardown (also after a failure)."""
    if not Path(NATS_SERVER_BINARY).exists():
        pytest.skip(f"no nats-server at {NATS_SERVER_BINARY}")
    if not (PG_BIN / "postgres").exists():
        pytest.skip(f"no PostgreSQL 15 server binaries in {PG_BIN}")
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one drill per machine: they share the names
        try:
            net = Network.create(PREFIX)
        except HostsUnavailable as exc:
            pytest.skip(f"network namespaces are not available here: {exc}")
        try:
            with postgres_data_dir() as pg_data:
                try:
                    yield start_cluster(net, tmp_path, pg_data)
                finally:
                    net.close()  # before the data directory goes
        finally:
            net.close()
