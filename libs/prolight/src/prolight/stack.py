"""Run the whole stack on one machine: a nats-server if none answers, then the six services.

`prolight up` and `make run` use this. Each service is its own OS process
(`python -m prolight_<name>`), started with the embedded defaults (SQLite store, local
artifact directory, local renderer) under `.prolight/`; their logs go to
`.prolight/logs/<service>.log`. Ctrl-C (SIGINT) or SIGTERM stops every child cleanly; if a
service dies on its own, the others are stopped too and its last log lines are shown, so a
broken stack never half-runs.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

__all__ = ["SERVICES", "Stack", "StackError", "nats_reachable"]

SERVICES = ("gateway", "notifier", "planner", "bria-generator", "evaluator", "storage")
"""Start order: the HTTP edges first so their ports are bound early, workers after."""

STOP_TIMEOUT_S = 10.0


class StackError(RuntimeError):
    """Raised when the stack cannot start (no nats-server, a port taken, a service crashed)."""


def nats_reachable(url: str, timeout_s: float = 0.5) -> bool:
    """True when something accepts TCP connections at the NATS URL's host and port."""
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 4222), timeout_s
        ):
            return True
    except OSError:
        return False


def _module(service: str) -> str:
    return "prolight_" + service.replace("-", "_")


@dataclass
class Stack:
    """The processes of one running stack, rooted at `home` (default `.prolight/`)."""

    home: Path
    nats_url: str = "nats://127.0.0.1:4222"
    env: dict[str, str] = field(default_factory=dict)
    say: Callable[[str], None] = print
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self) -> None:
        """Start nats-server (if needed) and every service; raise StackError on failure."""
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        if nats_reachable(self.nats_url):
            self.say(f"nats-server: using the one at {self.nats_url}")
        else:
            self._start_nats()
        env = {
            **os.environ,
            "PROLIGHT_NATS_URL": self.nats_url,
            "PROLIGHT_STORE_URL": os.environ.get(
                "PROLIGHT_STORE_URL", f"sqlite:///{(self.home / 'prolight.db').resolve()}"
            ),
            "PROLIGHT_BLOB_URL": os.environ.get(
                "PROLIGHT_BLOB_URL", f"file://{(self.home / 'blobs').resolve()}"
            ),
            **self.env,
        }
        for service in SERVICES:
            log = (self.home / "logs" / f"{service}.log").open("ab")
            self.procs[service] = subprocess.Popen(
                [sys.executable, "-m", _module(service)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.say("services: " + ", ".join(SERVICES) + f" (logs in {self.home / 'logs'})")

    def _start_nats(self) -> None:
        binary = shutil.which("nats-server") or (
            "/usr/sbin/nats-server" if Path("/usr/sbin/nats-server").exists() else None
        )
        if binary is None:
            raise StackError(
                "no nats-server answers at " + self.nats_url + " and none is installed; "
                "install Debian's package (apt-get install nats-server) or set PROLIGHT_NATS_URL"
            )
        parsed = urlparse(self.nats_url)
        store = self.home / "nats"
        store.mkdir(parents=True, exist_ok=True)
        log = (self.home / "logs" / "nats-server.log").open("ab")
        self.procs["nats-server"] = subprocess.Popen(
            [
                binary,
                "-a",
                parsed.hostname or "127.0.0.1",
                "-p",
                str(parsed.port or 4222),
                "-js",
                "-sd",
                str(store),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while not nats_reachable(self.nats_url):
            if self.procs["nats-server"].poll() is not None or time.monotonic() > deadline:
                raise StackError(
                    f"nats-server did not start; see {self.home / 'logs' / 'nats-server.log'}"
                )
            time.sleep(0.05)
        self.say(f"nats-server: started at {self.nats_url} (JetStream store {store})")

    def wait(self) -> int:
        """Block until a child exits or a stop signal comes; return the shell exit status."""
        stopping: list[int] = []

        def on_signal(signum: int, _frame: object) -> None:
            stopping.append(signum)

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        while not stopping:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    self.say(f"{name} exited with status {proc.returncode}; stopping the stack")
                    self._show_log_tail(name)
                    self.stop()
                    return 1
            time.sleep(0.2)
        self.say("stopping…")
        self.stop()
        return 0

    def stop(self) -> None:
        """SIGTERM every child (services first, nats-server last); SIGKILL what outlives it."""
        order = [n for n in self.procs if n != "nats-server"] + [
            n for n in self.procs if n == "nats-server"
        ]
        for name in order:
            proc = self.procs[name]
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for name in order:
            proc = self.procs[name]
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{name} did not stop in {STOP_TIMEOUT_S:g} s; killing it")
                proc.kill()
                proc.wait()

    def _show_log_tail(self, name: str, lines: int = 20) -> None:
        path = self.home / "logs" / f"{name}.log"
        if path.exists():
            for line in path.read_text(errors="replace").splitlines()[-lines:]:
                self.say(f"  {name} | {line}")
