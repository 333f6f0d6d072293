"""Scale-out benchmark (not a timed test): issue 18, part 4.

Starts one stack as `prolight up` does (its own nats-server, temporary SQLite store and blob
directory, free ports) without a generator, then starts bria-generator and evaluator
instances itself: each its own process with its own health port, all binding the same durable
pull consumer (`prolight-generate`, `prolight-evaluate`), so JetStream spreads the tasks over
them. For each shape — 1, 2 and 3 generators with 1 evaluator, then 3 generators with 2
evaluators — it submits N runs at once (4 candidates each, the Rembrandt preset, a fresh seed
per run so nothing comes from the prompt cache, after one warm-up run that is not counted)
and times the first submit → the last `run.completed`. Instances are added between shapes,
never restarted, and every run of a shape has finished before the next one starts.

It prints two tables, runs/min and images/s per shape, each with the ratio to the
single-generator figure measured in the same invocation (the 2-evaluator row also against
3 generators with 1 evaluator, its only difference):

1. **local renderer** — the photoreal draft (Mitsuba, 512×640), CPU-bound. On a machine with
   C cores this can scale only up to about C renders at once, and the evaluator, storage,
   planner and gateway share the same cores: on the 2-core development machine expect little
   gain past 2 instances. It shows the work spreads, not what more hosts would give.
2. **BRIA backend** — the fake BRIA (`prolight_testing.fakes.FakeBria`, BRIA's documented
   v2 contract) with `--bria-latency` seconds per job, served in this process. A generator
   then mostly waits on the remote API (`PROLIGHT_BRIA_CONCURRENCY`, 4 by default, jobs in
   flight per instance), which is the case the design card's horizontal scaling is about: the
   instances add concurrent API calls, not CPU. Real FIBO jobs take 20–35 s; the default 2 s
   keeps the run short and still dwarfs the per-task overhead.

Figures are from one invocation on whatever else the machine is doing; on a shared 2-core box
they are noisy — read ratios, not absolutes, and rerun before quoting a small difference.

Run: .venv/bin/python bench/bench_scale.py [--runs 3] [--bria-runs 8] [--bria-latency 2]
The defaults take about 3 minutes on 2 cores, most of it starting processes and warming up;
`--runs 6 --bria-runs 12` (about 4 minutes) gives steadier figures (docs/deploy.md quotes it).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import httpx
from bench_e2e import CANDIDATES, HEIGHT, WIDTH, one_run, prompt  # bench/ is on sys.path

from prolight.domain.photoreal import render
from prolight_testing.fakes import FakeBria, free_port, serve
from prolight_tools.stack import SERVICE_PORTS, Stack, healthy, port_variables

RUN_TIMEOUT_S = 300.0
HEALTH_TIMEOUT_S = 90.0
SHAPES = ((1, 1), (2, 1), (3, 1), (3, 2))
"""(generators, evaluators), in the order they are measured: instances are only added."""
BRIA_TOKEN = "bench-scale-token-" + secrets.token_hex(8)
_seeds = count(50_000, 100)


@dataclass
class Fleet:
    """The generator and extra evaluator instances this benchmark starts beside the stack."""

    stack: Stack
    procs: dict[str, list[subprocess.Popen[bytes]]] = field(default_factory=dict)

    def count(self, service: str) -> int:
        return len(self.procs.get(service, []))

    def add(self, service: str, extra_env: dict[str, str]) -> None:
        """Start one more instance of `service` on a free health port; wait for /healthz."""
        port = free_port()
        env = self.stack.child_env() | extra_env | {SERVICE_PORTS[service][0]: str(port)}
        instances = self.procs.setdefault(service, [])
        log_path = self.stack.home / "logs" / f"{service}-{len(instances) + 1}.log"
        with log_path.open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "prolight_" + service.replace("-", "_")],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        instances.append(proc)
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while not healthy(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(errors="replace").splitlines()[-15:]
                raise RuntimeError(f"{service} did not start:\n" + "\n".join(tail))
            time.sleep(0.1)

    def stop(self, service: str) -> None:
        """SIGTERM every instance of `service` this fleet started, and wait for them."""
        instances = self.procs.pop(service, [])
        for proc in instances:
            proc.terminate()
        for proc in instances:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop_all(self) -> None:
        for service in list(self.procs):
            self.stop(service)


async def batch(gateway: str, runs: int) -> float:
    """Seconds from submitting `runs` runs at once to the last one's run.completed, after one
    warm-up run (not counted) that reaches the instances just started."""
    async with httpx.AsyncClient(base_url=gateway, timeout=60) as client:
        await one_run(client, next(_seeds), RUN_TIMEOUT_S)
        start = time.perf_counter()
        await asyncio.gather(*(one_run(client, next(_seeds), RUN_TIMEOUT_S) for _ in range(runs)))
        return time.perf_counter() - start


@dataclass
class Row:
    generators: int
    evaluators: int
    runs: int
    seconds: float

    @property
    def runs_per_min(self) -> float:
        return self.runs / self.seconds * 60

    @property
    def images_per_s(self) -> float:
        return self.runs * CANDIDATES / self.seconds


async def measure(
    stack: Stack, fleet: Fleet, runs: int, generator_env: dict[str, str]
) -> list[Row]:
    """One row per shape in `SHAPES`; stops the fleet's instances at the end."""
    rows: list[Row] = []
    for generators, evaluators in SHAPES:
        while fleet.count("bria-generator") < generators:
            fleet.add("bria-generator", generator_env)
        while 1 + fleet.count("evaluator") < evaluators:  # the stack runs the first one
            fleet.add("evaluator", {})
        seconds = await batch(stack.gateway_url, runs)
        rows.append(Row(generators, evaluators, runs, seconds))
        print(
            f"  {generators} generator(s), {evaluators} evaluator(s): {seconds:.1f} s", flush=True
        )
    fleet.stop_all()
    return rows


def table(title: str, rows: list[Row]) -> None:
    base = rows[0]
    print(f"\n{title}")
    print("generators  evaluators  runs  seconds  runs/min  images/s  vs 1 generator")
    previous: Row | None = None
    for row in rows:
        ratio = f"{row.runs_per_min / base.runs_per_min:.2f}×"
        if previous is not None and row.generators == previous.generators:
            ratio += f"  ({row.runs_per_min / previous.runs_per_min:.2f}× vs 1 evaluator)"
        print(
            f"{row.generators:>10}  {row.evaluators:>10}  {row.runs:>4}  {row.seconds:>7.1f}  "
            f"{row.runs_per_min:>8.1f}  {row.images_per_s:>8.2f}  {ratio}"
        )
        previous = row


async def bench(stack: Stack, fleet: Fleet, args: argparse.Namespace) -> None:
    print(f"local renderer: {args.runs} runs × {CANDIDATES} candidates per shape", flush=True)
    local = await measure(stack, fleet, args.runs, {"PROLIGHT_GENERATOR_BACKEND": "local"})
    fake = FakeBria(
        token=BRIA_TOKEN,
        image=render(prompt(), 1, WIDTH, HEIGHT).png,
        in_progress_polls=0,
        job_seconds=args.bria_latency,
    )
    async with serve(fake) as url:
        bria_env = {
            "PROLIGHT_GENERATOR_BACKEND": "bria",
            "BRIA_API_TOKEN": BRIA_TOKEN,
            "PROLIGHT_BRIA_BASE_URL": url,
            "PROLIGHT_BRIA_POLL_INTERVAL_S": "0.1",
            "PROLIGHT_BRIA_POLL_MAX_INTERVAL_S": "0.2",
        }
        print(
            f"BRIA backend (fake, {args.bria_latency:g} s per job): {args.bria_runs} runs × "
            f"{CANDIDATES} candidates per shape",
            flush=True,
        )
        remote = await measure(stack, fleet, args.bria_runs, bria_env)
        in_flight = fake.max_in_flight
    table("local renderer (CPU-bound; scales with free cores only)", local)
    table(
        f"BRIA backend, fake API with {args.bria_latency:g} s per job "
        f"(most jobs in flight at once: {in_flight})",
        remote,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per shape, local renderer")
    parser.add_argument("--bria-runs", type=int, default=8, help="runs per shape, BRIA")
    parser.add_argument("--bria-latency", type=float, default=2.0, help="seconds per BRIA job")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    env = {var: str(free_port()) for var in port_variables()}
    env |= {
        "PROLIGHT_NATS_URL": f"nats://127.0.0.1:{free_port()}",
        "PROLIGHT_STORE_URL": f"sqlite:///{root / 'store.db'}",
        "PROLIGHT_BLOB_URL": f"file://{root / 'blobs'}",
        "PROLIGHT_STREAM_TOKEN_SECRET": secrets.token_urlsafe(48),
        "PROLIGHT_GENERATE_RATE_PER_MIN": "100000",
        "PROLIGHT_GENERATE_BURST": "1000",
        "PROLIGHT_LOG_LEVEL": "WARNING",
        "OTEL_SDK_DISABLED": "true",
    }
    stack = Stack(
        home=root / "home",
        nats_url=env["PROLIGHT_NATS_URL"],
        env=env,
        services=("gateway", "notifier", "planner", "evaluator", "storage"),
        say=lambda _: None,
    )
    fleet = Fleet(stack)
    started = time.perf_counter()
    try:
        stack.start()
        print(f"stack up in {time.perf_counter() - started:.1f} s", flush=True)
        asyncio.run(bench(stack, fleet, args))
    finally:
        fleet.stop_all()
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
