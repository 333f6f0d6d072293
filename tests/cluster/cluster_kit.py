"""The drill's cluster: hosts, NATS nodes, PostgreSQL, moto's S3 and the six services.

`start_cluster(net, root)` builds the topology of `test_drill`'s docstring on a `Network` and
returns a `Cluster` to drive it; the caller closes the network (that stops every process).
Every wait here has a deadline and polls a real answer (a TCP accept, an HTTP 200, the
JetStream meta leader); none sleeps and hopes.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from prolight.contracts.subjects import EVENTS_STREAM
from prolight_testing.hosts import Host, Network, stop_process
from prolight_testing.infra import NATS_SERVER_BINARY
from prolight_tools.stack import SERVICE_PORTS

__all__ = [
    "PG_BIN",
    "REPORT",
    "Cluster",
    "Service",
    "postgres_data_dir",
    "start_cluster",
    "wait_until",
]

PG_BIN = Path("/usr/lib/postgresql/15/bin")
NATS_NODES = ("n1", "n2", "n3")
NATS_PORT, ROUTE_PORT, NATS_MONITOR_PORT = 4222, 6222, 8222
PG_PORT, S3_PORT = 5432, 5000
REPORT: list[str] = []
"""The drill's figures; the conftest prints them again in pytest's terminal summary."""
START_TIMEOUT_S = 120.0
"""Seconds every piece gets to answer after it is started (two shared cores, cold imports)."""

# Services per host; the generator's replacement goes to "svc-b" (another host than "svc-c").
PLACEMENT = {
    "svc-a": ("gateway", "notifier"),
    "svc-b": ("planner", "storage"),
    "svc-c": ("bria-generator", "evaluator"),
}


def wait_until(
    what: str,
    check: Callable[[], bool],
    timeout: float,
    proc: subprocess.Popen[bytes] | None = None,
) -> float:
    """Poll `check` until it is true; the seconds it took. Raises naming `what` after `timeout`
    seconds, or at once when `proc` exits."""
    start = time.monotonic()
    while not check():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {proc.returncode}")
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{what}: no answer within {timeout:g} s")
        time.sleep(0.1)
    return time.monotonic() - start


def listening(ip: str, port: int) -> bool:
    """True when `ip:port` accepts a TCP connection."""
    try:
        with socket.create_connection((ip, port), timeout=0.5):
            return True
    except OSError:
        return False


def http_ok(url: str) -> bool:
    """True when GET `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


@contextmanager
def postgres_data_dir() -> Iterator[Path]:
    """A temporary directory the `postgres` user owns (pytest's tmp dirs are root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="pld-pg-"))
    try:
        shutil.chown(path, "postgres", "postgres")
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@dataclass
class Service:
    """One service process: which, on which host, and its health URL."""

    name: str
    host: Host
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def health_url(self) -> str:
        path = "/healthz" if self.name == "notifier" else "/readyz"
        return f"http://{self.host.ip}:{SERVICE_PORTS[self.name][1]}{path}"


@dataclass
class Cluster:
    """The running drill cluster; `env` is what every service is started with."""

    net: Network
    root: Path
    env: dict[str, str]
    nats: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    services: list[Service] = field(default_factory=list)
    startup_s: float = 0.0
    """Seconds from the first host to every service answering its health check."""

    @property
    def nats_url(self) -> str:
        return self.env["PROLIGHT_NATS_URL"]

    @property
    def store_url(self) -> str:
        return self.env["PROLIGHT_STORE_URL"]

    @property
    def gateway_url(self) -> str:
        return f"http://{self.net.hosts['svc-a'].ip}:{SERVICE_PORTS['gateway'][1]}"

    def service(self, name: str) -> Service:
        """The live instance of `name` (the last started)."""
        return next(s for s in reversed(self.services) if s.name == name)

    def start_service(self, name: str, host: Host) -> Service:
        """`python -m prolight_<name>` inside `host`, in a home directory of its own."""
        home = self.root / "homes" / f"{name}@{host.name}"
        home.mkdir(parents=True, exist_ok=True)
        log = self.root / "logs" / f"{name}@{host.name}.log"
        env = {**self.env, "HOME": str(home), "PROLIGHT_INSTANCE_ID": f"{name}@{host.name}"}
        module = "prolight_" + name.replace("-", "_")
        proc = host.spawn([sys.executable, "-m", module], log=log, env=env, cwd=home)
        service = Service(name, host, proc, log)
        self.services.append(service)
        return service

    def wait_healthy(self, services: list[Service], timeout: float = START_TIMEOUT_S) -> float:
        """Block until every one of `services` answers its health URL; the seconds it took."""
        start = time.monotonic()
        waiting = list(services)
        while waiting:
            for service in list(waiting):
                if service.proc.poll() is not None:
                    raise RuntimeError(
                        f"{service.name}@{service.host.name} exited with "
                        f"{service.proc.returncode}:\n{tail(service.log)}"
                    )
                if http_ok(service.health_url):
                    waiting.remove(service)
            if waiting and time.monotonic() - start > timeout:
                names = ", ".join(f"{s.name}@{s.host.name}" for s in waiting)
                raise TimeoutError(
                    f"no answer within {timeout:g} s from {names}:\n"
                    + "\n".join(tail(s.log) for s in waiting)
                )
            if waiting:
                time.sleep(0.2)
        return time.monotonic() - start

    def events_leader(self, *, besides: str | None = None) -> str | None:
        """The NATS node leading the events stream, asked of every node but `besides`."""
        ips = [self.net.hosts[n].ip for n in NATS_NODES if n != besides]
        return stream_leader(ips, EVENTS_STREAM)

    def kill_nats(self, node: str) -> None:
        """SIGKILL NATS node `node` (its pid is nats-server's: `ip netns exec` execs it)."""
        proc = self.nats[node]
        proc.kill()
        proc.wait(timeout=5)

    def kill(self, service: Service) -> None:
        """SIGKILL one service process."""
        service.proc.kill()
        service.proc.wait(timeout=5)
        stop_process(service.proc)  # and anything left in its process group

    def logs(self) -> str:
        """The last lines of every service's log, for a failure message."""
        return "\n".join(tail(s.log) for s in self.services)


def tail(log: Path, lines: int = 15) -> str:
    """The last `lines` lines of `log`, each marked with the file's name."""
    if not log.exists():
        return f"{log.name}: (no log)"
    text = log.read_text(errors="replace").splitlines()[-lines:]
    return "\n".join(f"  {log.stem} | {line}" for line in text)


def _start_nats(net: Network, root: Path) -> dict[str, subprocess.Popen[bytes]]:
    hosts = {node: net.add_host(node) for node in NATS_NODES}
    routes = ",".join(f"nats://{h.ip}:{ROUTE_PORT}" for h in hosts.values())
    procs = {}
    for node, host in hosts.items():
        procs[node] = host.spawn(
            [
                NATS_SERVER_BINARY,
                "-js",
                "-n", node,
                "-a", host.ip,
                "-p", str(NATS_PORT),
                "-m", str(NATS_MONITOR_PORT),
                "-sd", str(root / "nats" / node),
                "--cluster_name", "prolight-drill",
                "-cluster", f"nats://{host.ip}:{ROUTE_PORT}",
                "-routes", routes,
            ],
            log=root / "logs" / f"nats-{node}.log",
        )  # fmt: skip
    return procs


def _meta_leader(ip: str) -> bool:
    """True once the JetStream cluster seen from `ip` has a meta leader and three peers."""
    try:
        url = f"http://{ip}:{NATS_MONITOR_PORT}/jsz"
        with urllib.request.urlopen(url, timeout=1) as response:
            meta = json.load(response).get("meta_cluster") or {}
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return bool(meta.get("leader")) and int(meta.get("cluster_size", 0)) == len(NATS_NODES)


def stream_leader(ips: list[str], stream: str) -> str | None:
    """The server name leading `stream`, as the first of `ips` that answers reports it (its
    monitoring port's `/jsz`); None when none answers or no leader is known."""
    for ip in ips:
        try:
            url = f"http://{ip}:{NATS_MONITOR_PORT}/jsz?streams=true"
            with urllib.request.urlopen(url, timeout=1) as response:
                accounts = json.load(response).get("account_details") or []
        except (urllib.error.URLError, OSError, ValueError):
            continue
        for account in accounts:
            for detail in account.get("stream_detail") or []:
                if detail.get("name") == stream:
                    leader = (detail.get("cluster") or {}).get("leader")
                    return str(leader) if leader else None
    return None


def _start_postgres(host: Host, data: Path, root: Path) -> subprocess.Popen[bytes]:
    pgdata = data / "data"
    # initdb refuses root: as Debian's `postgres` user, trust auth, no fsync (a throwaway).
    subprocess.run(
        ["runuser", "-u", "postgres", "--", str(PG_BIN / "initdb"), "-D", str(pgdata),
         "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    with (pgdata / "pg_hba.conf").open("a") as hba:
        hba.write("host all all 198.18.0.0/15 trust\n")
    return host.spawn(
        ["runuser", "-u", "postgres", "--", str(PG_BIN / "postgres"), "-D", str(pgdata),
         "-h", host.ip, "-p", str(PG_PORT), "-k", str(data),
         "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
        log=root / "logs" / "postgres.log",
    )  # fmt: skip


def start_cluster(net: Network, root: Path, pg_data: Path) -> Cluster:
    """Build the drill's hosts and start everything on them; see `test_drill`'s docstring."""
    start = time.monotonic()
    (root / "logs").mkdir(parents=True, exist_ok=True)
    nats = _start_nats(net, root)
    pg_host, s3_host = net.add_host("pg"), net.add_host("s3")
    service_hosts = {name: net.add_host(name) for name in PLACEMENT}
    postgres = _start_postgres(pg_host, pg_data, root)
    s3_home = root / "homes" / "moto"
    s3_home.mkdir(parents=True)
    moto = s3_host.spawn(
        [sys.executable, "-m", "moto.server", "-H", s3_host.ip, "-p", str(S3_PORT)],
        log=root / "logs" / "moto.log",
        cwd=s3_home,
        env={**os.environ, "HOME": str(s3_home)},
    )
    for node in NATS_NODES:
        wait_until(f"nats {node}", lambda n=node: listening(net.hosts[n].ip, NATS_PORT), 30)
    wait_until("JetStream meta leader", lambda: _meta_leader(net.hosts["n1"].ip), 60)
    wait_until("postgres", lambda: listening(pg_host.ip, PG_PORT), 60, postgres)
    wait_until("moto", lambda: listening(s3_host.ip, S3_PORT), 60, moto)

    aws = {
        "AWS_ACCESS_KEY_ID": "drill",
        "AWS_SECRET_ACCESS_KEY": "drill-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    gateway_ip = service_hosts["svc-a"].ip
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PROLIGHT_")},
        **aws,
        "PROLIGHT_NATS_URL": ",".join(f"nats://{net.hosts[n].ip}:{NATS_PORT}" for n in NATS_NODES),
        "PROLIGHT_NATS_REPLICAS": "3",
        "PROLIGHT_STORE_URL": f"postgresql://postgres@{pg_host.ip}:{PG_PORT}/prolight",
        "PROLIGHT_BLOB_URL": (
            f"s3://prolight-drill?endpoint=http://{s3_host.ip}:{S3_PORT}&region=us-east-1"
        ),
        "PROLIGHT_STREAM_TOKEN_SECRET": secrets.token_urlsafe(48),
        # Each service is reached from other hosts (network namespaces), as in a pod.
        "PROLIGHT_GATEWAY_HOST": "0.0.0.0",
        "PROLIGHT_NOTIFIER_HOST": "0.0.0.0",
        "PROLIGHT_HEALTH_HOST": "0.0.0.0",
        "PROLIGHT_EVALUATOR_HOST": "0.0.0.0",
        # The drill is about failover, not keys: a keyless gateway has to be told it may be.
        "PROLIGHT_LOCAL_DEV": "true",
        "PROLIGHT_GATEWAY_PUBLIC_URL": f"http://{gateway_ip}:{SERVICE_PORTS['gateway'][1]}",
        "PROLIGHT_NOTIFIER_PUBLIC_URL": f"http://{gateway_ip}:{SERVICE_PORTS['notifier'][1]}",
        # The smallest render the generator makes (64 px is the renderer's least side).
        "PROLIGHT_GENERATOR_MAX_WIDTH": "64",
        "PROLIGHT_GENERATOR_MAX_HEIGHT": "80",
        # A task held by a SIGKILLed generator is sent again after this many seconds.
        "PROLIGHT_ACK_WAIT_S": "5",
        "PROLIGHT_LOG_LEVEL": "INFO",
        "OTEL_SDK_DISABLED": "true",
    }
    cluster = Cluster(net, root, env, nats=nats)
    # The planner first: it applies the store's migrations and declares the R3 streams, so the
    # others do not race it (they would wait and retry, on two shared cores, for longer).
    first = cluster.start_service("planner", service_hosts["svc-b"])
    cluster.wait_healthy([first])
    rest = [
        cluster.start_service(name, service_hosts[host])
        for host, names in PLACEMENT.items()
        for name in names
        if name != "planner"
    ]
    cluster.wait_healthy(rest)
    cluster.startup_s = time.monotonic() - start
    return cluster
