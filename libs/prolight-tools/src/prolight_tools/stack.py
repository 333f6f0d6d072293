"""Run the whole stack on one machine: a nats-server if none answers, then the six services.

`prolight up` and `make run` use this. Each service is its own OS process
(`python -m prolight_<name>`), started with the embedded defaults (SQLite store, local
artifact directory, local renderer) under the stack's home (`.prolight/`); their output goes
to `<home>/logs/<service>.log`.

- Ports come from the usual variables (`PROLIGHT_GATEWAY_PORT` 8000, `PROLIGHT_NOTIFIER_PORT`
  8001, `PROLIGHT_<WORKER>_HEALTH_PORT` 8010–8013, `PROLIGHT_GATEWAY_METRICS_PORT` 8014), so two
  stacks can run side by side. Every one listens on 127.0.0.1 only (the services' defaults:
  `PROLIGHT_GATEWAY_HOST`, `PROLIGHT_NOTIFIER_HOST`, `PROLIGHT_HEALTH_HOST`,
  `PROLIGHT_EVALUATOR_HOST`), so a laptop on a shared network serves nobody else.
- API keys stay off unless `PROLIGHT_API_KEYS_FILE` is set: the gateway is told this is a local
  development run (`PROLIGHT_LOCAL_DEV=true`), without which it refuses to start keyless, and
  the banner says the API is open.
- Without `PROLIGHT_STREAM_TOKEN_SECRET` a random one is made for the session and given to the
  gateway and the notifier (only to them, and never printed).
- `start()` returns once every service answers `GET /healthz`; a service that exits or stays
  silent past the timeout stops the stack, with the last lines of its log shown.
- Ctrl-C (SIGINT) or SIGTERM stops every child (services, then nats-server if we started it)
  and `prolight up` exits 0. The children run in their own process group, so a terminal's
  Ctrl-C reaches only the supervisor, which stops them in order; on Linux each child also gets
  SIGTERM if the supervisor itself dies.

One module over 400 lines on purpose: all of `prolight up` (ports, processes, health, logs,
shutdown) is here, stdlib only, so the Makefile can import it before anything is installed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlparse

__all__ = [
    "DEFAULT_NATS_URL",
    "HEALTH_TIMEOUT_S",
    "METRICS_PORTS",
    "SERVICES",
    "SERVICE_PORTS",
    "STOP_TIMEOUT_S",
    "Stack",
    "StackError",
    "default_nats_url",
    "healthy",
    "nats_reachable",
    "port_variables",
    "run_stack",
]

SERVICES = ("gateway", "notifier", "planner", "bria-generator", "evaluator", "storage")
"""Start order: the HTTP edges first so their ports are bound early, workers after."""

SERVICE_PORTS: dict[str, tuple[str, int]] = {
    "gateway": ("PROLIGHT_GATEWAY_PORT", 8000),
    "notifier": ("PROLIGHT_NOTIFIER_PORT", 8001),
    "planner": ("PROLIGHT_PLANNER_HEALTH_PORT", 8010),
    "bria-generator": ("PROLIGHT_BRIA_GENERATOR_HEALTH_PORT", 8011),
    "storage": ("PROLIGHT_STORAGE_HEALTH_PORT", 8012),
    "evaluator": ("PROLIGHT_EVALUATOR_HEALTH_PORT", 8013),
}
"""Each service's port variable and default: the API port for the gateway and the notifier,
the health port (`/healthz`, `/readyz`) for the workers."""

METRICS_PORTS: dict[str, tuple[str, int]] = {
    "gateway": ("PROLIGHT_GATEWAY_METRICS_PORT", 8014),
}
"""Services that serve /metrics on a port of their own (the gateway: no Ingress routes it);
the others serve it on their `SERVICE_PORTS` port."""


def port_variables() -> tuple[str, ...]:
    """Every port variable a stack sets: `SERVICE_PORTS`' and `METRICS_PORTS`'."""
    return tuple(var for var, _ in (*SERVICE_PORTS.values(), *METRICS_PORTS.values()))


DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
STOP_TIMEOUT_S = 10.0
"""Seconds a child gets after SIGTERM before it is killed."""
HEALTH_TIMEOUT_S = 60.0
"""Seconds every service gets to answer /healthz after it is started."""

_SECRET_VAR = "PROLIGHT_STREAM_TOKEN_SECRET"
_POLL_S = 0.1
_PR_SET_PDEATHSIG = 1


class StackError(RuntimeError):
    """Raised when the stack cannot start (no nats-server, a port taken, a service crashed)."""


class StackInterrupted(Exception):
    """Raised inside `Stack.start` when a stop signal arrives while the stack is starting."""


def default_nats_url(environ: Mapping[str, str] | None = None) -> str:
    """`PROLIGHT_NATS_URL`, or the local default."""
    return (os.environ if environ is None else environ).get("PROLIGHT_NATS_URL") or DEFAULT_NATS_URL


def nats_reachable(url: str, timeout_s: float = 0.5) -> bool:
    """True when something accepts TCP connections at the (first) NATS URL's host and port."""
    parsed = urlparse(url.split(",")[0].strip())
    return _listening(parsed.hostname or "127.0.0.1", parsed.port or 4222, timeout_s)


def _listening(host: str, port: int, timeout_s: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout_s):
            return True
    except OSError:
        return False


def _module(service: str) -> str:
    return "prolight_" + service.replace("-", "_")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # Linux only: the child gets SIGTERM when the supervisor dies, even by SIGKILL.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def healthy(port: int) -> bool:
    """True when 127.0.0.1:`port` answers `/healthz` with 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=0.5) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class Stack:
    """The processes of one running stack, rooted at `home` (default `.prolight/`).

    `env` overrides the environment the children get (and where ports are read from);
    `services` may name a subset of `SERVICES` (for development: `prolight up --only …`).
    """

    home: Path
    nats_url: str = DEFAULT_NATS_URL
    env: dict[str, str] = field(default_factory=dict)
    services: tuple[str, ...] = SERVICES
    say: Callable[[str], None] = print
    health_timeout_s: float = HEALTH_TIMEOUT_S
    should_stop: Callable[[], bool] = lambda: False
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    generated_secret: bool = False

    def __post_init__(self) -> None:
        unknown = [s for s in self.services if s not in SERVICES]
        if unknown:
            raise StackError(f"unknown service {', '.join(unknown)}; choose from {SERVICES}")

    def _var(self, name: str, default: str | None = None) -> str | None:
        return self.env.get(name, os.environ.get(name, default))

    def port(self, service: str) -> int:
        """The port `service` listens on (API port, or health port for workers)."""
        return self._port(*SERVICE_PORTS[service])

    def metrics_port(self, service: str) -> int:
        """The port `service` serves /metrics on (its own for the gateway, `METRICS_PORTS`)."""
        if service in METRICS_PORTS:
            return self._port(*METRICS_PORTS[service])
        return self.port(service)

    def _port(self, var: str, default: int) -> int:
        value = self._var(var, str(default))
        try:
            return int(value or default)
        except ValueError:
            raise StackError(f"{var}={value!r} is not a port number") from None

    @property
    def gateway_url(self) -> str:
        """Where the API answers."""
        return f"http://127.0.0.1:{self.port('gateway')}"

    @property
    def notifier_url(self) -> str:
        """Where the notifier answers."""
        return f"http://127.0.0.1:{self.port('notifier')}"

    @property
    def evaluator_url(self) -> str:
        """Where the evaluator's /eval API answers."""
        return f"http://127.0.0.1:{self.port('evaluator')}"

    def child_env(self) -> dict[str, str]:
        """The environment every service is started with (holds the token secret: never log)."""
        env = {
            **os.environ,
            "PROLIGHT_NATS_URL": self.nats_url,
            "PROLIGHT_STORE_URL": os.environ.get(
                "PROLIGHT_STORE_URL", f"sqlite:///{(self.home / 'prolight.db').resolve()}"
            ),
            "PROLIGHT_BLOB_URL": os.environ.get(
                "PROLIGHT_BLOB_URL", f"file://{(self.home / 'blobs').resolve()}"
            ),
            "PROLIGHT_GATEWAY_PUBLIC_URL": self._var("PROLIGHT_GATEWAY_PUBLIC_URL")
            or self.gateway_url,
            "PROLIGHT_NOTIFIER_PUBLIC_URL": self._var("PROLIGHT_NOTIFIER_PUBLIC_URL")
            or self.notifier_url,
            **self.env,
        }
        for service in SERVICES:
            var, _ = SERVICE_PORTS[service]
            env[var] = str(self.port(service))
        for service, (var, _) in METRICS_PORTS.items():
            env[var] = str(self.metrics_port(service))
        if not self.keys_on:  # the gateway refuses to start keyless unless told this
            env.setdefault("PROLIGHT_LOCAL_DEV", "true")
            if not env.get("PROLIGHT_WEBHOOK_ALLOWED_HOSTS"):  # webhooks to this machine only
                env["PROLIGHT_WEBHOOK_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
                env.setdefault("PROLIGHT_WEBHOOK_ALLOW_HTTP", "true")
                env.setdefault("PROLIGHT_WEBHOOK_SECRET", secrets.token_urlsafe(48))
        if not env.get(_SECRET_VAR) and not env.get("SECRET_KEY"):  # the seed's name for it
            env[_SECRET_VAR] = self.env[_SECRET_VAR] = secrets.token_urlsafe(48)
            self.generated_secret = True
        return env

    def start(self) -> None:
        """Start nats-server (if needed) and every service, and wait until all answer /healthz.

        Raises `StackError` (and leaves whatever did start running: call `stop()`), or
        `StackInterrupted` when `should_stop()` turns true meanwhile.
        """
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        ports = [(self.port(s), SERVICE_PORTS[s][0]) for s in self.services]
        ports += [
            (self.metrics_port(s), METRICS_PORTS[s][0]) for s in self.services if s in METRICS_PORTS
        ]
        taken = [f"{port} ({var})" for port, var in ports if _listening("127.0.0.1", port)]
        if taken:
            raise StackError(
                "port(s) already in use: " + ", ".join(taken) + " — is another stack running? "
                "Stop it, or choose other ports with those variables"
            )
        if nats_reachable(self.nats_url):
            self.say(f"nats-server: using the one at {self.nats_url}")
        else:
            self._start_nats()
        env = self.child_env()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        for service in self.services:
            log = (self.home / "logs" / f"{service}.log").open("ab")
            log.write(f"--- prolight up {stamp} ---\n".encode())
            log.flush()
            self.procs[service] = self._spawn(
                [sys.executable, "-m", _module(service)], log, env=env
            )
            log.close()  # the child holds its own descriptor
        self.say(f"services: {', '.join(self.services)} (logs in {self.home / 'logs'})")
        self._wait_healthy()

    def _spawn(
        self, argv: list[str], log: IO[bytes], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            process_group=0,  # a terminal's Ctrl-C goes to the supervisor only
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )

    def _wait_healthy(self) -> None:
        waiting = {s: self.port(s) for s in self.services}
        deadline = time.monotonic() + self.health_timeout_s
        while waiting:
            if self.should_stop():
                raise StackInterrupted
            for service, port in list(waiting.items()):
                proc = self.procs[service]
                if proc.poll() is not None:
                    self._show_log_tail(service)
                    raise StackError(
                        f"{service} exited with status {proc.returncode} while starting "
                        f"(log: {self.home / 'logs' / f'{service}.log'})"
                    )
                if healthy(port):
                    del waiting[service]
            if waiting and time.monotonic() > deadline:
                for service in waiting:
                    self._show_log_tail(service)
                raise StackError(
                    f"no answer on /healthz within {self.health_timeout_s:g} s from "
                    + ", ".join(f"{s} (port {p})" for s, p in waiting.items())
                )
            if waiting:
                time.sleep(_POLL_S)

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
        with (self.home / "logs" / "nats-server.log").open("ab") as log:
            self.procs["nats-server"] = self._spawn(
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
                log,
            )
        deadline = time.monotonic() + 10
        while not nats_reachable(self.nats_url):
            if self.procs["nats-server"].poll() is not None or time.monotonic() > deadline:
                self._show_log_tail("nats-server")
                raise StackError(
                    f"nats-server did not start; see {self.home / 'logs' / 'nats-server.log'}"
                )
            time.sleep(0.05)
        self.say(f"nats-server: started at {self.nats_url} (JetStream store {store})")

    @property
    def keys_on(self) -> bool:
        """Whether the gateway requires API keys (`PROLIGHT_API_KEYS_FILE` set)."""
        return bool(self._var("PROLIGHT_API_KEYS_FILE"))

    def banner(self) -> list[str]:
        """What `prolight up` prints once everything answers."""
        api = self.gateway_url
        lines = ["", "ProLight is running (every port on 127.0.0.1 only)."]
        if "gateway" in self.services:
            lines += [
                f"  Studio     {api}/   (the web studio: open it in a browser)",
                f"  API        {api}",
            ]
            docs = (self._var("PROLIGHT_GATEWAY_DOCS") or "true").lower()
            if docs not in ("false", "0", "no", "off"):
                lines.append(f"  API docs   {api}/docs")
            metrics = self.metrics_port("gateway")
            if metrics:
                lines.append(f"  metrics    http://127.0.0.1:{metrics}/metrics  (the gateway's)")
        if "notifier" in self.services:
            lines.append(
                f"  notifier   {self.notifier_url}  (WS /ws/runs/<id>, SSE /api/stream/<id>)"
            )
        if "evaluator" in self.services:
            lines.append(
                f"  evaluator  {self.evaluator_url}  "
                "(POST /eval/clip, /eval/lpips, /eval/ensemble; GET /eval/models)"
            )
        if "gateway" in self.services:
            lines += [
                "",
                "Try:",
                f"  curl -s -X POST {api}/api/generate/natural-language \\",
                "       -H 'content-type: application/json' \\",
                '       -d \'{"lighting_description": "soft butterfly light, warm tones"}\'',
                "  .venv/bin/prolight generate --preset rembrandt -o out/rembrandt",
            ]
        if "gateway" in self.services:
            keys_file = self._var("PROLIGHT_API_KEYS_FILE")
            lines.append(
                f"\nAPI keys: on ({keys_file}); send X-API-Key (`prolight keys new NAME`; "
                "`prolight keys list|revoke|rotate` apply without a restart)"
                if keys_file
                else "\nAPI keys: OFF — anyone who reaches the API can start and read every run."
                "\n  This is a local development run (PROLIGHT_LOCAL_DEV=true): a gateway "
                "refuses to start without keys otherwise."
                "\n  To require keys: .venv/bin/prolight keys new YOUR_NAME, then "
                "PROLIGHT_API_KEYS_FILE=.prolight/api-keys make run"
            )
            webhooks = self._var("PROLIGHT_WEBHOOK_ALLOWED_HOSTS") or (
                "" if keys_file else "127.0.0.1,localhost"
            )
            lines.append(
                f"Webhooks: to {webhooks} (`webhook_url` in a run's body; the signing secret: "
                "GET /api/webhooks/secret)"
                if webhooks
                else "Webhooks: off (PROLIGHT_WEBHOOK_ALLOWED_HOSTS)"
            )
        if self.generated_secret:
            lines.append(
                f"\n(a random {_SECRET_VAR} was made for this session; set it to keep "
                "stream tokens valid across restarts)"
            )
        lines += ["", "Press Ctrl-C to stop."]
        return lines

    def wait(self, stopping: Callable[[], bool]) -> int:
        """Block until `stopping()` or a child exits; stop everything; return the exit status
        (0 on a stop request, 1 when a child died)."""
        while not stopping():
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    self.say(f"{name} exited with status {proc.returncode}; stopping the stack")
                    self._show_log_tail(name)
                    self.stop()
                    return 1
            time.sleep(0.2)
        self.say("stopping…")
        self.stop()
        self.say("stopped.")
        return 0

    def stop(self) -> None:
        """SIGTERM every service, then nats-server (if started here); SIGKILL what outlives
        `STOP_TIMEOUT_S`. Safe to call twice."""
        services = [n for n in self.procs if n != "nats-server"]
        self._terminate(services)
        if "nats-server" in self.procs:
            self._terminate(["nats-server"])

    def _terminate(self, names: list[str]) -> None:
        for name in names:
            proc = self.procs[name]
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for name in names:
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


def run_stack(stack: Stack) -> int:
    """`prolight up`: start `stack`, print the banner, serve until Ctrl-C/SIGTERM; the exit
    status (0 after a stop signal, 1 when the stack could not start or a service died)."""
    stopping: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopping.append(signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    stack.should_stop = lambda: bool(stopping)
    try:
        try:
            stack.start()
        except StackInterrupted:
            stack.say("interrupted while starting; stopping…")
            stack.stop()
            return 0
        except StackError as exc:
            stack.say(f"error: {exc}")
            stack.stop()
            return 1
        for line in stack.banner():
            stack.say(line)
        return stack.wait(lambda: bool(stopping))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
