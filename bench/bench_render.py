"""Benchmark of the local preview renderer (not a timed test).

Renders the Rembrandt preset (key, reflector fill: two shadow maps) at 512×640 and 1024×1280
and prints the median wall time of several renders, the peak memory of one render (tracemalloc,
NumPy allocations included) and the process's peak RSS, against a *reference-quality* baseline
measured in the same run: the same scene with the rays marched with 4× the steps and no
coarse-to-fine shortcut (every subject ray traced, no interpolated depths), the subject sampled
at every output pixel (no 2×2 sampling at large sizes), its lighting shaded at every sample (no
half-resolution lighting), shadow maps at full relief resolution with 3× the steps.

Targets (issue 3): 512×640 ≤ 250 ms median, 1024×1280 ≤ 1 s median, on a 2-core CPU.
Run: .venv/bin/python bench/bench_render.py [--runs N]
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import statistics
import time
import tracemalloc
from collections.abc import Iterator

import prolight.domain.render.raycast as raycast
import prolight.domain.render.renderer as renderer
import prolight.domain.render.upsample as upsample
from prolight.domain.presets import PRESETS
from prolight.domain.render import render
from prolight.domain.schema import FiboPrompt

PRESET = "rembrandt"


@contextlib.contextmanager
def reference_quality() -> Iterator[None]:
    """Patch the renderer's quality knobs up to a slow reference setting, then restore them."""
    saved = (
        raycast.COARSE,
        raycast.CAMERA_STEPS,
        raycast.SHADOW_STEPS,
        renderer._shadow_stride,
        renderer._subject_block,
        renderer.HALF_RES_LIGHTING,
        upsample.DEPTH_TOLERANCE_M,
    )
    raycast.COARSE = 1
    raycast.CAMERA_STEPS = 128
    raycast.SHADOW_STEPS = 66
    renderer._shadow_stride = lambda scene, relief, width: 1
    renderer._subject_block = lambda scene, relief, width: 1
    renderer.HALF_RES_LIGHTING = False
    upsample.DEPTH_TOLERANCE_M = -1.0  # trace every subject ray, interpolate none
    try:
        yield
    finally:
        (
            raycast.COARSE,
            raycast.CAMERA_STEPS,
            raycast.SHADOW_STEPS,
            renderer._shadow_stride,
            renderer._subject_block,
            renderer.HALF_RES_LIGHTING,
            upsample.DEPTH_TOLERANCE_M,
        ) = saved


def median_ms(prompt: FiboPrompt, width: int, height: int, runs: int) -> float:
    render(prompt, 0, width, height)  # warm-up: builds the cached relief and tables
    times = []
    for i in range(runs):
        t = time.perf_counter()
        render(prompt, i, width, height)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def peak_mib(prompt: FiboPrompt, width: int, height: int) -> float:
    tracemalloc.start()
    render(prompt, 0, width, height)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    prompt = FiboPrompt(scene=PRESETS[PRESET].setup)
    print(f"preset {PRESET}, median of {args.runs} renders (different seeds), single process")
    print(
        f"{'size':>10} {'median ms':>10} {'target':>8} {'peak MiB':>9} "
        f"{'reference ms':>13} {'speed-up':>9}"
    )
    for (w, h), target in (((512, 640), 250), ((1024, 1280), 1000)):
        fast = median_ms(prompt, w, h, args.runs)
        mem = peak_mib(prompt, w, h)
        with reference_quality():
            ref = median_ms(prompt, w, h, max(3, args.runs // 3))
        verdict = "ok" if fast <= target else "OVER"
        print(
            f"{w}x{h:<5} {fast:>10.0f} {target:>6} {verdict:<2}{mem:>8.0f} {ref:>13.0f} "
            f"{ref / fast:>8.1f}×"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS {rss:.0f} MiB (includes the reference runs)")


if __name__ == "__main__":
    main()
