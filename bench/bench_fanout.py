"""Benchmark of the notifier's fan-out (not a timed test).

1,000 concurrent WebSocket clients spread over 100 runs on ONE notifier process
(`python -m prolight_notifier`), while a separate publisher process publishes run events to
JetStream at 2,000 events/s for 10 s (round-robin over the runs, so each run's 10 clients get
20 events/s), then ends every run with `run.completed`. Each event carries its publish time
(`time.time_ns()`, taken just before the publish) in its payload; each client records
publish → receive latency, checks that sequences strictly increase (no duplicate, no
reordering) and, when the notifier closes the socket normally after `run.completed`, that it
got every event of its run (no loss).

Baseline, in the same run: a raw nats-py core subscriber on `prolight.*.*.*` in the clients'
process, timing the same events — what delivery costs without the notifier.

CPU: user and system seconds of the notifier, nats-server, the clients' process and the
publisher over the publish + drain window, and what every other process on the machine used
meanwhile (this box is shared: other work there takes cores from the notifier and shows up as
latency). Clients are raw asyncio protocols that find the sequence and the publish stamp with
two byte searches, so that they cost the notifier as little CPU as possible.

Target (issue 5): notifier p99 ≤ 100 ms on this machine (2 cores, loopback; the notifier,
nats-server, the publisher and all 1,000 clients share them).
Run: .venv/bin/python bench/bench_fanout.py [--clients 1000] [--runs 100] [--rate 2000]
     [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats

from prolight.contracts.events import Event, RunCompleted, TaskCompleted
from prolight.contracts.subjects import ALL_EVENTS, EventType, Tool, event_subject
from prolight.contracts.tasks import GenerateResult
from prolight.platform.bus import MSG_ID_HEADER, Bus
from prolight.platform.tokens import issue_stream_token
from prolight_testing.fakes import free_port

NATS_BINARY = shutil.which("nats-server") or "/usr/sbin/nats-server"
CONNECT_BATCH = 50
TICK_S = 0.01


def raise_open_files(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


def cpu_s(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds a process has used (Linux /proc; zeros elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def machine_busy_s() -> float:
    """CPU seconds all cores of the machine have spent busy since boot (Linux; 0.0 elsewhere):
    the difference over the run, less what the bench's processes used, is other load."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    idle = ticks[3] + ticks[4]  # idle + iowait
    busy = sum(ticks[:8]) - idle  # user … steal; guest time is already counted in user
    return busy / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU used by each of the bench's processes, and by everything else, between two reads."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.before = {name: cpu_s(pid) for name, pid in pids.items()}
        self.busy_before = machine_busy_s()
        self.wall_before = time.monotonic()

    def report(self, extra: dict[str, float], delivered: int) -> str:
        """One line per process: user+sys seconds, cores on average, and the rest of the box."""
        wall = time.monotonic() - self.wall_before
        lines, ours = [], 0.0
        for name, pid in self.pids.items():
            (u0, s0), (u1, s1) = self.before[name], cpu_s(pid)
            user, system = u1 - u0, s1 - s0
            ours += user + system
            per = f" = {(user + system) / delivered * 1e6:.0f} µs per delivered message"
            lines.append(
                f"  {name:<16} {user + system:5.1f} s (user {user:.1f}, sys {system:.1f}) "
                f"{(user + system) / wall:4.2f} cores{per if name != 'nats-server' else ''}"
            )
        for name, used in extra.items():
            ours += used
            lines.append(f"  {name:<16} {used:5.1f} s {used / wall:4.2f} cores")
        others = max(0.0, machine_busy_s() - self.busy_before - ours)
        lines.append(
            f"  {'other processes':<16} {others:5.1f} s {others / wall:4.2f} cores "
            f"(not the bench's: other work on this machine)"
        )
        return f"cpu over {wall:.1f} s (publish + drain):\n" + "\n".join(lines)


def stamp(body: bytes) -> int:
    """The publish time (ns) the publisher put in a task.completed event: the result's seed."""
    start = body.index(b'"seed":') + 7
    return int(body[start : body.index(b",", start)])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ------------------------------------------------------------------ publisher (child process)


def _result(seed: int) -> GenerateResult:
    """The generate result every bench event carries; its seed is the publish time (ns)."""
    sha = "0" * 64
    return GenerateResult(
        artifact_key=sha, sha256=sha, url="/blobs/bench", width=64, height=80, seed=seed,
        prompt_hash="bench", model="bench",
    )  # fmt: skip


_RESULT_HEAD, _RESULT_TAIL = _result(0).model_dump_json().split('"seed":0,', 1)


def event_body(run_id: str, index: int, published_ns: int) -> tuple[str, bytes]:
    """(event id, JSON) of the `index`-th task.completed of `run_id`, stamped `published_ns`.

    Byte for byte what `Bus.publish` stores for `Event.build(run_id, TaskCompleted(...))`
    (checked against it at start-up), but formatted from a template: the publisher shares the
    two cores with the notifier, and pydantic per event cost it a third of a core.
    """
    event_id = uuid.uuid4()
    occurred_at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    body = (
        f'{{"event_id":"{event_id}","type":"task.completed","run_id":"{run_id}",'
        f'"task_id":"{run_id}-t{index}","occurred_at":"{occurred_at}","traceparent":null,'
        f'"payload":{{"tool":"generate","status":"completed","result":{_RESULT_HEAD}'
        f'"seed":{published_ns},{_RESULT_TAIL},"duration_ms":null}}}}'
    )
    return str(event_id), body.encode()


def check_event_body() -> None:
    """`event_body` is byte for byte what the library would publish for the same event."""
    event_id, body = event_body("bench-0", 3, 42)
    event = Event.model_validate_json(body)
    built = Event.build(
        "bench-0",
        TaskCompleted(tool=Tool.GENERATE, result=_result(seed=42)),
        task_id="bench-0-t3",
    ).model_copy(update={"event_id": event.event_id, "occurred_at": event.occurred_at})
    if (
        built.model_dump_json(exclude={"sequence"}).encode() != body
        or str(event.event_id) != event_id
    ):
        raise SystemExit(f"the bench's event template drifted from the library:\n{body!r}")


async def publish(nats_url: str, runs: int, rate: int, seconds: float) -> dict[str, float]:
    """Publish `rate` events/s for `seconds`, round-robin over the runs; then run.completed."""
    check_event_body()
    cpu_start = time.process_time()
    bus = await Bus.connect(nats_url, name="bench-publisher")
    js = bus.jetstream
    counts = {f"bench-{r}": 0 for r in range(runs)}
    per_tick = max(1, round(rate * TICK_S))
    ticks = round(seconds / TICK_S)
    loop = asyncio.get_running_loop()
    start = loop.time()
    i = 0
    for tick in range(ticks):
        batch = []
        for _ in range(per_tick):
            run_id = f"bench-{i % runs}"
            counts[run_id] += 1
            event_id, body = event_body(run_id, i, time.time_ns())
            subject = event_subject(EventType.TASK_COMPLETED, run_id)
            batch.append(js.publish(subject, body, headers={MSG_ID_HEADER: event_id}))
            i += 1
        # In flight together, written in order on one connection: stored in this order.
        await asyncio.gather(*batch)
        delay = start + (tick + 1) * TICK_S - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
    elapsed = loop.time() - start
    for run_id in counts:
        await bus.publish(Event.build(run_id, RunCompleted(best_artifact_id=None)))
    await bus.close()
    return {
        "elapsed_s": round(elapsed, 3),
        "cpu_s": round(time.process_time() - cpu_start, 3),
        **counts,
    }


# ------------------------------------------------------------------ clients (this process)


@dataclass
class ClientResult:
    run_id: str
    received: int = 0
    out_of_order: int = 0
    close_code: int | None = None
    latencies_ms: list[float] = field(default_factory=list)


class BenchClient(asyncio.Protocol):
    """A minimal RFC 6455 client: one handshake, then unmasked server frames parsed in place.

    The websockets library costs ~10× more per message (a task wake-up and a parser generator
    per frame); with 1,000 clients in one process it, not the notifier, would be measured.
    Answers pings (masked pongs), records each text message, ends on the close frame.
    """

    def __init__(self, run_id: str, path: str, port: int) -> None:
        self.result = ClientResult(run_id)
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n\r\n"
        ).encode()
        self.buffer = b""
        self.upgraded = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.last = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.time_ns()
        buf = self.buffer + data
        if not self.upgraded.done():
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buf
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.upgraded.set_exception(RuntimeError(buf[:200].decode(errors="replace")))
                return
            self.upgraded.set_result(None)
            buf = buf[end + 4 :]
        pos, size = 0, len(buf)
        while size - pos >= 2:
            opcode, length, head = buf[pos] & 0x0F, buf[pos + 1] & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            if size - pos < head + length:
                break
            payload = buf[pos + head : pos + head + length]
            pos += head + length
            if opcode == 0x1:
                self.on_message(payload, now)
            elif opcode == 0x9 and self.transport is not None:  # ping → pong (masked)
                mask = os.urandom(4)
                masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + mask + masked)
            elif opcode == 0x8:
                self.result.close_code = int.from_bytes(payload[:2], "big") if payload else 1005
                if self.transport is not None:
                    self.transport.close()
        self.buffer = buf[pos:]

    def on_message(self, payload: bytes, now: int) -> None:
        # Two byte searches instead of json.loads: the clients share the notifier's 2 cores, so
        # every microsecond here is taken from the server being measured.
        sequence = int(payload[payload.index(b'"sequence":') + 11 : payload.index(b',"payload"')])
        if sequence <= self.last:
            self.result.out_of_order += 1
        self.last = sequence
        if b'"type":"task.completed"' in payload:
            self.result.received += 1
            self.result.latencies_ms.append((now - stamp(payload)) / 1e6)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_exception(exc or ConnectionError("closed before the upgrade"))
        if not self.closed.done():
            self.closed.set_result(None)


async def client(path: str, port: int, run_id: str, connected: asyncio.Semaphore) -> ClientResult:
    loop = asyncio.get_running_loop()
    async with connected:
        _, protocol = await loop.create_connection(
            lambda: BenchClient(run_id, path, port), "127.0.0.1", port
        )
        await protocol.upgraded
    await protocol.closed
    return protocol.result


async def wait_clients(notifier: str, n: int, timeout: float) -> None:
    """Until the notifier's /readyz counts `n` subscribed clients."""
    async with httpx.AsyncClient() as http:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = (await http.get(f"{notifier}/readyz")).json()
            if ready.get("clients", 0) >= n:
                return
            await asyncio.sleep(0.1)
    raise TimeoutError(f"fewer than {n} clients subscribed after {timeout} s")


async def bench(
    args: argparse.Namespace, nats_url: str, notifier_port: int, pids: dict[str, int], secret: str
) -> None:
    notifier = f"http://127.0.0.1:{notifier_port}"
    raw_latencies: list[float] = []

    async def on_raw(msg: Any) -> None:
        now = time.time_ns()
        if b'"type":"task.completed"' in msg.data:
            raw_latencies.append((now - stamp(msg.data)) / 1e6)

    nc = await nats.connect(nats_url, name="bench-raw-subscriber")
    await nc.subscribe(ALL_EVENTS, cb=on_raw)

    gate = asyncio.Semaphore(CONNECT_BATCH)
    tasks = []
    for c in range(args.clients):
        run_id = f"bench-{c % args.runs}"
        token = issue_stream_token(run_id, secret, ttl_s=600)
        path = f"/ws/runs/{run_id}?token={token}"
        tasks.append(asyncio.create_task(client(path, notifier_port, run_id, gate)))
    await wait_clients(notifier, args.clients, timeout=120)
    print(f"{args.clients} clients subscribed over {args.runs} runs; publishing…", flush=True)

    load_before = os.getloadavg()
    meter = CpuMeter({**pids, "clients+raw sub": os.getpid()})
    publisher = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--publisher",
        nats_url,
        "--runs",
        str(args.runs),
        "--rate",
        str(args.rate),
        "--seconds",
        str(args.seconds),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(publisher.communicate(), args.seconds + 120)
    published = json.loads(out)
    elapsed = published.pop("elapsed_s")
    publisher_cpu = published.pop("cpu_s")
    results: list[ClientResult] = await asyncio.wait_for(asyncio.gather(*tasks), 120)
    delivered = sum(published[r.run_id] for r in results)
    cpu = meter.report({"publisher": publisher_cpu}, max(1, delivered))
    await nc.drain()

    total = sum(published.values())
    lost = sum(published[r.run_id] - r.received for r in results)
    extra = sum(max(0, r.received - published[r.run_id]) for r in results)
    disorder = sum(r.out_of_order for r in results)
    abnormal = sum(1 for r in results if r.close_code != 1000)
    latencies = [x for r in results for x in r.latencies_ms]
    print(
        f"published {total} events in {elapsed:.2f} s ({total / elapsed:,.0f}/s) "
        f"to {args.runs} runs; {args.clients} clients received {len(latencies):,} messages"
    )
    print(
        f"loss: {lost} missing, {extra} extra, {disorder} out of order/duplicate, "
        f"{abnormal} abnormal closes"
    )
    print(
        f"notifier  publish→client  p50 {statistics.median(latencies):7.2f} ms   "
        f"p99 {pct(latencies, 0.99):7.2f} ms   max {max(latencies):7.2f} ms"
    )
    print(
        f"baseline  raw nats-py sub p50 {statistics.median(raw_latencies):7.2f} ms   "
        f"p99 {pct(raw_latencies, 0.99):7.2f} ms   ({len(raw_latencies):,} messages)"
    )
    print(cpu)
    load_after = os.getloadavg()
    print(
        f"load average (1/5/15 min) before {' '.join(f'{x:.2f}' for x in load_before)}, "
        f"after {' '.join(f'{x:.2f}' for x in load_after)}, on {os.cpu_count()} cores"
    )
    clean = lost == extra == disorder == abnormal == 0
    verdict = "meets" if pct(latencies, 0.99) <= 100 and clean else "MISSES"
    print(f"target p99 ≤ 100 ms, no loss/duplication: {verdict}")


def start(argv: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def run(coro: Any) -> None:
    """uvloop when installed (it is, with uvicorn[standard]), else asyncio."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coro)
    else:
        uvloop.run(coro)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--rate", type=int, default=2000, help="Events per second.")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--publisher", metavar="NATS_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publisher:
        counts = asyncio.run(publish(args.publisher, args.runs, args.rate, args.seconds))
        print(json.dumps(counts))
        return

    raise_open_files(2 * args.clients + 256)
    tmp = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    nats_port, notifier_port = free_port(), free_port()
    nats_url = f"nats://127.0.0.1:{nats_port}"
    secret = secrets.token_urlsafe(48)
    procs = []
    try:
        nats_proc = start(
            [NATS_BINARY, "-js", "-a", "127.0.0.1", "-p", str(nats_port), "-sd", str(tmp / "js")],
            tmp / "nats.log",
        )
        procs.append(nats_proc)
        env = {
            **os.environ,
            "PROLIGHT_NATS_URL": nats_url,
            "PROLIGHT_NOTIFIER_PORT": str(notifier_port),
            "PROLIGHT_STREAM_TOKEN_SECRET": secret,
            "PROLIGHT_LOG_LEVEL": "WARNING",
            "OTEL_SDK_DISABLED": "true",
        }
        profile = os.environ.get("BENCH_NOTIFIER_PROFILE")  # cProfile output path, to dig in
        prefix = ["-m", "cProfile", "-o", profile] if profile else []
        notifier = start(
            [sys.executable, *prefix, "-m", "prolight_notifier"], tmp / "notifier.log", env
        )
        procs.append(notifier)
        wait_http(f"http://127.0.0.1:{notifier_port}/readyz", notifier)
        pids = {"notifier": notifier.pid, "nats-server": nats_proc.pid}
        run(bench(args, nats_url, notifier_port, pids, secret))
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGINT)  # lets cProfile write its output
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
