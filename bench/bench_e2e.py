"""Benchmark of a whole run end to end (not a timed test): issue 4, bench (b).

Starts the stack as `prolight up` does (its own nats-server, the six services as separate
processes, temporary SQLite store and blob directory, free ports), then submits N runs one
after another — 4 candidates each, the Rembrandt preset, the photoreal draft at its default
512×640 cap, a fresh seed per run so nothing comes from the prompt cache — and times
`POST /api/generate/lighting-setup` → `run.completed` on the notifier's WebSocket. One warm-up
run is not counted.

Baseline, in the same run: rendering the same 4 candidates directly in this process with
`prolight.domain.photoreal.render` (draft) at the same size, one after another: the floor the
pipeline (queueing, storage, evaluation, export, events) adds its overhead to.

Target: p50 ≤ 2 s on this machine (2 cores).
Run: .venv/bin/python bench/bench_e2e.py [--runs 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import websockets

from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight_testing.fakes import free_port
from prolight_tools.stack import Stack, port_variables

CANDIDATES = 4
WIDTH, HEIGHT = 512, 640  # the generator's default cap (PROLIGHT_GENERATOR_MAX_WIDTH/HEIGHT)
RUN_TIMEOUT_S = 120.0


def prompt() -> FiboPrompt:
    return FiboPrompt(scene=get_preset("rembrandt").setup)


async def one_run(client: httpx.AsyncClient, seed: int, timeout_s: float = RUN_TIMEOUT_S) -> float:
    """Seconds from submitting a run to its run.completed event (raise on any other end)."""
    body: dict[str, Any] = {
        **prompt().model_dump(mode="json"),
        "num_results": CANDIDATES,
        "seed": seed,
    }
    start = time.perf_counter()
    response = await client.post("/api/generate/lighting-setup", json=body)
    response.raise_for_status()
    async with (
        asyncio.timeout(timeout_s),
        websockets.connect(response.json()["links"]["ws"]) as ws,
    ):
        async for raw in ws:
            kind = json.loads(raw)["type"]
            if kind == "run.completed":
                return time.perf_counter() - start
            if kind in ("run.failed", "run.cancelled"):
                raise RuntimeError(f"run ended with {kind}")
    raise RuntimeError("the stream closed before run.completed")


async def pipeline(gateway: str, runs: int) -> list[float]:
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
        await one_run(client, seed=10_000)  # warm-up: imports, caches, first connections
        return [await one_run(client, seed=20_000 + 100 * i) for i in range(runs)]


def direct(runs: int) -> list[float]:
    """Seconds to render the 4 candidates of a run in this process, for each of `runs`."""
    p = prompt()
    render(p, 0, WIDTH, HEIGHT)  # warm-up
    out = []
    for i in range(runs):
        start = time.perf_counter()
        for c in range(CANDIDATES):
            render(p, 30_000 + 100 * i + c, WIDTH, HEIGHT)
        out.append(time.perf_counter() - start)
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-e2e-"))
    env = {var: str(free_port()) for var in port_variables()}
    env |= {
        "PROLIGHT_NATS_URL": f"nats://127.0.0.1:{free_port()}",
        "PROLIGHT_STORE_URL": f"sqlite:///{root / 'store.db'}",
        "PROLIGHT_BLOB_URL": f"file://{root / 'blobs'}",
        "PROLIGHT_STREAM_TOKEN_SECRET": secrets.token_urlsafe(48),
        "PROLIGHT_LOG_LEVEL": "WARNING",
        "OTEL_SDK_DISABLED": "true",
    }
    stack = Stack(
        home=root / "home", nats_url=env["PROLIGHT_NATS_URL"], env=env, say=lambda _: None
    )
    try:
        started = time.perf_counter()
        stack.start()
        print(f"stack up in {time.perf_counter() - started:.1f} s (6 services + nats-server)")
        times = asyncio.run(pipeline(stack.gateway_url, args.runs))
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)
    floor = direct(args.runs)

    p50, p90 = statistics.median(times), pct(times, 0.9)
    f50 = statistics.median(floor)
    print(
        f"pipeline  submit → run.completed, {CANDIDATES} candidates at {WIDTH}×{HEIGHT}, "
        f"{args.runs} runs: p50 {p50:.2f} s  p90 {p90:.2f} s  (min {min(times):.2f}, "
        f"max {max(times):.2f})"
    )
    print(
        f"baseline  {CANDIDATES} renders in-process, one after another: p50 {f50:.2f} s  "
        f"p90 {pct(floor, 0.9):.2f} s"
    )
    print(f"pipeline / baseline (p50): {p50 / f50:.2f}×; overhead {p50 - f50:+.2f} s")
    print(f"target p50 ≤ 2 s: {'meets' if p50 <= 2.0 else 'MISSES'}")


if __name__ == "__main__":
    main()
