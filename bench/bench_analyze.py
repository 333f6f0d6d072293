"""Benchmark: `prolight.domain.analysis.analyze` on every preset.

Prints the median and p95 time per call (µs) for each preset and over all of them, the target
(≤ 1 ms median on the 2-core reference machine), and the ratio against two baselines measured in
the same run on the same setups: bare pydantic validation of the setup (`LightingSetup.
model_validate` of its dict), and `face_light` alone (the physics `analyze` builds on).

Run: .venv/bin/python bench/bench_analyze.py   (about 10 s)
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from prolight.domain.analysis import analyze
from prolight.domain.physics.face import face_light
from prolight.domain.presets import PRESETS
from prolight.domain.schema import LightingSetup

TARGET_MEDIAN_MS = 1.0
ROUNDS = 300  # per preset; 12 presets × 300 × 3 workloads stays well under 20 s


def _times(fn: Callable[[], object], rounds: int) -> list[float]:
    for _ in range(20):  # warm caches (lru_cache in kelvin, prototypes in analysis)
        fn()
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    all_analyze: list[float] = []
    all_validate: list[float] = []
    all_face: list[float] = []
    print(
        f"{'preset':<26} {'analyze p50':>12} {'p95':>9} {'validate p50':>13} {'face_light p50':>15}"
    )
    for name, preset in PRESETS.items():
        setup = preset.setup
        raw = setup.model_dump(mode="json")
        a = _times(lambda s=setup: analyze(s), ROUNDS)
        v = _times(lambda r=raw: LightingSetup.model_validate(r), ROUNDS)
        f = _times(lambda s=setup: face_light(s), ROUNDS)
        all_analyze += a
        all_validate += v
        all_face += f
        print(
            f"{name:<26} {statistics.median(a) * 1e6:>10.0f}µs {_p95(a) * 1e6:>7.0f}µs "
            f"{statistics.median(v) * 1e6:>11.0f}µs {statistics.median(f) * 1e6:>13.0f}µs"
        )
    med = statistics.median(all_analyze)
    p95 = _p95(all_analyze)
    base_v = statistics.median(all_validate)
    base_f = statistics.median(all_face)
    print()
    print(
        f"analyze, all presets: median {med * 1e3:.3f} ms, p95 {p95 * 1e3:.3f} ms "
        f"({len(all_analyze)} calls)"
    )
    print(
        f"target: median ≤ {TARGET_MEDIAN_MS:.1f} ms -> "
        f"{'MET' if med * 1e3 <= TARGET_MEDIAN_MS else 'MISSED'}"
    )
    print(
        f"baseline pydantic validation of the same setup: median {base_v * 1e3:.3f} ms "
        f"-> analyze is {med / base_v:.1f}x"
    )
    print(
        f"baseline face_light alone: median {base_f * 1e3:.3f} ms -> analyze is {med / base_f:.1f}x"
    )


if __name__ == "__main__":
    main()
