"""`prolight up` as a user runs it: starts everything, prints the URLs, binds every port to
127.0.0.1 only, serves the gateway's /metrics on its own port, and Ctrl-C stops all."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from e2e_kit import PROLIGHT

from prolight_testing.stack import stack_env
from prolight_tools.stack import SERVICE_PORTS, port_variables

pytestmark = [pytest.mark.integration, pytest.mark.slow]

START_TIMEOUT_S = 120.0


def read_until(proc: subprocess.Popen[bytes], marker: str, timeout: float) -> str:
    """stdout of `proc` up to and including the line containing `marker` (fails on timeout/exit).

    Reads the pipe's file descriptor directly: a buffered readline() can pull several lines
    into Python's buffer at once, after which select() sees an empty pipe and waits for
    nothing while the marker sits unread in the buffer.
    """
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    seen = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while marker.encode() not in seen:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(timeout=left):
                pytest.fail(f"no {marker!r} within {timeout} s:\n" + seen.decode(errors="replace"))
            chunk = os.read(fd, 65536)
            if not chunk:
                pytest.fail("prolight up exited early:\n" + seen.decode(errors="replace"))
            seen += chunk
    return seen.decode(errors="replace")


def children_of(pid: int) -> set[int]:
    """Pids whose parent is `pid` (from /proc)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def listening_on(port: int) -> set[str]:
    """The addresses something listens on at TCP `port` (IPv4 dotted, or IPv6 hex), read from
    /proc/net/tcp and tcp6 (state 0A: LISTEN)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:
                continue
            if len(address) == 8:  # IPv4, little-endian
                found.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
            else:
                found.add(address)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process parents from /proc")
def test_up_starts_the_stack_and_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    env = {**os.environ, **stack_env(tmp_path)}
    env.pop("PROLIGHT_STREAM_TOKEN_SECRET")  # `up` makes one for the session
    env.pop("PROLIGHT_API_KEYS_FILE", None)  # keys off: the banner must say so
    proc = subprocess.Popen(
        [str(PROLIGHT), "up", "--home", str(tmp_path / "home")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        banner = read_until(proc, "Press Ctrl-C to stop.", START_TIMEOUT_S)
        gateway = f"http://127.0.0.1:{env['PROLIGHT_GATEWAY_PORT']}"
        assert f"API        {gateway}" in banner
        assert f"Studio     {gateway}/" in banner
        assert f"{gateway}/docs" in banner
        assert f"http://127.0.0.1:{env['PROLIGHT_NOTIFIER_PORT']}" in banner
        assert f"evaluator  http://127.0.0.1:{env['PROLIGHT_EVALUATOR_HEALTH_PORT']}" in banner
        assert "curl" in banner
        assert "nats-server: started" in banner
        assert "PROLIGHT_STREAM_TOKEN_SECRET was made" in banner
        assert "API keys: OFF" in banner  # make run says the API is open
        for var, _ in SERVICE_PORTS.values():
            answer = httpx.get(f"http://127.0.0.1:{env[var]}/healthz", timeout=5)
            assert answer.status_code == 200, var
        for var in port_variables():  # nothing answers the network, only this machine
            assert listening_on(int(env[var])) == {"127.0.0.1"}, var
        metrics = f"http://127.0.0.1:{env['PROLIGHT_GATEWAY_METRICS_PORT']}/metrics"
        assert f"metrics    {metrics}" in banner
        assert "prolight_http_requests_total" in httpx.get(metrics, timeout=5).text
        assert httpx.get(f"{gateway}/metrics", timeout=5).status_code == 404
        assert "PROLIGHT_LOCAL_DEV=true" in banner
        children = children_of(proc.pid)
        assert len(children) == 7  # six services and the nats-server

        proc.send_signal(signal.SIGINT)
        rest = proc.communicate(timeout=60)[0].decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()  # also on failure, so no open pipe is left for a later test
    assert proc.returncode == 0, rest
    assert "stopped." in rest
    assert not [pid for pid in children if alive(pid)]
    assert not (tmp_path / "home" / "logs" / "gateway.log").read_text().count("Traceback")
