"""Benchmark of the local renderers (not a timed test).

Renders the Rembrandt preset (a softbox key, a reflector fill, a background light) at 512×640
and 1024×1280 with the photoreal renderer in both qualities, and with the mannequin renderer
(`prolight.domain.render`, what the generator ran before issue 17) as the baseline measured in
the same run. Each configuration runs in a process of its own, so its peak RSS is its own
(Mitsuba's memory is not Python's, so tracemalloc would not see it); the median is over
several renders with different seeds, after one warm-up render (kernel compilation, the
sitter's mesh).

Targets (issue 17), 2-core CPU, 512×640: draft ≤ 500 ms median, final ≤ 6 s median.
Run: .venv/bin/python bench/bench_render.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

PRESET = "rembrandt"
SIZES = ((512, 640), (1024, 1280))
TARGETS_MS = {("draft", 512): 500.0, ("final", 512): 6000.0}


def _measure(renderer: str, width: int, height: int, runs: int) -> None:
    """In this (child) process: print the median ms and the peak RSS as JSON."""
    from prolight.domain.presets import PRESETS
    from prolight.domain.schema import FiboPrompt

    if renderer == "mannequin":
        from prolight.domain.render import render

        prompt = FiboPrompt(scene=PRESETS[PRESET].setup)
    else:
        from prolight.domain.photoreal import render

        prompt = FiboPrompt(scene=PRESETS[PRESET].setup, output={"quality": renderer})
    render(prompt, 0, width, height)  # warm-up
    times = []
    for seed in range(1, runs + 1):
        t = time.perf_counter()
        render(prompt, seed, width, height)
        times.append((time.perf_counter() - t) * 1000)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"median_ms": statistics.median(times), "peak_rss_mib": rss}))


def _run(renderer: str, width: int, height: int, runs: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--one", renderer, f"{width}x{height}", "--runs", str(runs)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--one", nargs=2, metavar=("RENDERER", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        w, h = map(int, args.one[1].split("x"))
        _measure(args.one[0], w, h, args.runs)
        return
    print(f"preset {PRESET}; median of {args.runs} renders after a warm-up, one process each")
    print(
        f"{'size':>10} {'renderer':>10} {'median ms':>10} {'target':>12} {'peak RSS MiB':>13} "
        f"{'× mannequin':>12}"
    )
    for w, h in SIZES:
        runs = args.runs if w <= 512 else max(3, args.runs // 2)
        base = _run("mannequin", w, h, runs)
        for renderer in ("mannequin", "draft", "final"):
            m = base if renderer == "mannequin" else _run(renderer, w, h, runs)
            target = TARGETS_MS.get((renderer, w))
            verdict = (
                ""
                if target is None
                else f"{target:.0f} " + ("ok" if m["median_ms"] <= target else "OVER")
            )
            print(
                f"{w}x{h:<5} {renderer:>10} {m['median_ms']:>10.0f} {verdict:>12} "
                f"{m['peak_rss_mib']:>13.0f} {m['median_ms'] / base['median_ms']:>11.1f}×"
            )
    print("GPU (cuda_ad_rgb): not measured here; no device was lent to this session")


if __name__ == "__main__":
    main()
