"""Hosts for multi-host tests: Linux network namespaces on one bridge, on one machine.

    with Network.create("pld") as net:          # bridge pld-br, 198.18.0.1/24
        a = net.add_host("a")                   # namespace pld-a, 198.18.0.11
        proc = a.spawn(["nats-server", "-a", a.ip], log=path)
        a.link(up=False)                        # the host drops off the bridge

Every host is a network namespace (`ip netns add <prefix>-<name>`) with one veth pair: its end
inside is `eth0` with the host's address, its end outside (`<prefix>-<name>`) is enslaved to the
bridge `<prefix>-br` in the root namespace, which holds 198.18.0.1; hosts reach each other over
the bridge and the test (in the root namespace) reaches every host. Addresses come only from
the benchmark test range 198.18.0.0/15 (RFC 2544), never one a real network uses.

`Network.create` first removes whatever a crashed earlier run left under the same prefix (the
processes still inside its namespaces, by their ids, then the namespaces, veths and bridge);
`close()` does the same for this run, so callers put it in a fixture's finalizer. Creating
namespaces needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN): without it `create` raises
`HostsUnavailable` saying why, for the caller to skip.

Processes started with `Host.spawn` run in their own session (process group): `Host.stop`
ends the group, so a helper like `runuser` takes its child with it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

__all__ = ["SUBNET", "Host", "HostsUnavailable", "Network", "stop_process"]

SUBNET = ipaddress.ip_network("198.18.0.0/24")
"""The bridge's segment: 198.18.0.1 is the root namespace, hosts get .11, .12, …"""

_FIRST_HOST = 11
_STOP_TIMEOUT_S = 5.0


class HostsUnavailable(RuntimeError):
    """Raised when namespaces cannot be made here (not root, no `ip`, no netns support)."""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    except FileNotFoundError as exc:
        raise HostsUnavailable("no `ip` command (Debian's iproute2)") from exc
    if check and result.returncode != 0:
        raise HostsUnavailable(f"ip {' '.join(args)}: {result.stderr.strip()}")
    return result


def stop_process(proc: subprocess.Popen[bytes], timeout: float = _STOP_TIMEOUT_S) -> None:
    """SIGTERM `proc`'s process group (it leads one: see `Host.spawn`), SIGKILL it after
    `timeout` seconds; safe on a process that already exited."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue


@dataclass
class Host:
    """One namespace on the bridge: `ip` is its address, `netns` the namespace's name."""

    name: str
    ip: str
    netns: str
    veth: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def command(self, argv: Sequence[str]) -> list[str]:
        """`argv` run inside this host (`ip netns exec` execs it: the pid is the command's)."""
        return ["ip", "netns", "exec", self.netns, *argv]

    def spawn(
        self,
        argv: Sequence[str],
        *,
        log: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start `argv` inside this host in its own process group, output appended to `log`."""
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            proc = subprocess.Popen(
                self.command(argv),
                env=dict(env) if env is not None else None,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(proc)
        return proc

    def link(self, *, up: bool) -> None:
        """Plug this host's cable into the bridge (`up`) or pull it out: its outer veth end goes
        down, so the inner end loses its carrier and nothing reaches or leaves the host."""
        _ip("link", "set", self.veth, "up" if up else "down")

    def stop(self) -> None:
        """End every process this host started (their process groups), newest first."""
        for proc in reversed(self.processes):
            stop_process(proc)


@dataclass
class Network:
    """A bridge in the root namespace and the hosts on it; see the module docstring."""

    prefix: str
    hosts: dict[str, Host] = field(default_factory=dict)

    @property
    def bridge(self) -> str:
        """The bridge's interface name."""
        return f"{self.prefix}-br"

    @property
    def gateway_ip(self) -> str:
        """The root namespace's address on the bridge."""
        return str(SUBNET[1])

    @classmethod
    def create(cls, prefix: str) -> Self:
        """Remove what an earlier run left under `prefix`, then make the bridge.

        `prefix` names everything made (keep it short: an interface name is at most 15
        characters, `<prefix>-<host name>`). Raises `HostsUnavailable` when namespaces cannot
        be made here.
        """
        if os.geteuid() != 0:
            raise HostsUnavailable("network namespaces need root (ip netns add)")
        net = cls(prefix)
        net.clean()
        try:
            # A container may grant CAP_NET_ADMIN but not the mounts `ip netns add` makes.
            _ip("netns", "add", f"{prefix}-probe")
            _ip("netns", "del", f"{prefix}-probe")
            _ip("link", "add", net.bridge, "type", "bridge")
            _ip("addr", "add", f"{net.gateway_ip}/{SUBNET.prefixlen}", "dev", net.bridge)
            _ip("link", "set", net.bridge, "up")
        except HostsUnavailable:
            net.clean()
            raise
        return net

    def add_host(self, name: str) -> Host:
        """A new namespace `<prefix>-<name>` on the bridge with the next free address."""
        netns, veth = f"{self.prefix}-{name}", f"{self.prefix}-{name}"
        if len(veth) > 15:
            raise ValueError(f"interface name {veth!r} is longer than 15 characters")
        ip = str(SUBNET[_FIRST_HOST + len(self.hosts)])
        inner = f"{self.prefix}-{name}i"[-15:]
        _ip("netns", "add", netns)
        host = Host(name, ip, netns, veth)
        self.hosts[name] = host
        _ip("link", "add", veth, "type", "veth", "peer", "name", inner)
        _ip("link", "set", inner, "netns", netns)
        _ip("link", "set", veth, "master", self.bridge)
        _ip("link", "set", veth, "up")
        inside = ("ip", "netns", "exec", netns, "ip")
        for args in (
            ("link", "set", "lo", "up"),
            ("link", "set", inner, "name", "eth0"),
            ("addr", "add", f"{ip}/{SUBNET.prefixlen}", "dev", "eth0"),
            ("link", "set", "eth0", "up"),
        ):
            _ip(*inside[1:], *args)
        return host

    def close(self) -> None:
        """Stop every host's processes (the last host's first: clients before their servers),
        then remove the namespaces, veths and the bridge."""
        for host in reversed(self.hosts.values()):
            host.stop()
        self.clean()
        self.hosts.clear()

    def clean(self) -> None:
        """Remove every namespace and link named `<prefix>-…` (this run's or a crashed one's),
        ending the processes still inside those namespaces first."""
        mine = f"{self.prefix}-"
        listed = _ip("netns", "list", check=False).stdout.split("\n")
        for netns in (line.split()[0] for line in listed if line.startswith(mine)):
            pids = _ip("netns", "pids", netns, check=False).stdout.split()
            for sig in (signal.SIGTERM, signal.SIGKILL):
                for pid in pids:
                    with contextlib.suppress(ProcessLookupError, ValueError):
                        os.kill(int(pid), sig)
                deadline = time.monotonic() + _STOP_TIMEOUT_S
                while _ip("netns", "pids", netns, check=False).stdout.split():
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
            _ip("netns", "del", netns, check=False)
        links = _ip("-o", "link", "show", check=False).stdout.splitlines()
        for line in links:
            parts = line.split(":", 2)
            name = parts[1].strip().split("@")[0] if len(parts) > 1 else ""
            if name.startswith(mine):
                _ip("link", "del", name, check=False)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
