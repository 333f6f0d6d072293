"""Benchmark of the evaluator's scoring throughput (not a timed test).

Scores 512×640 PNG renders with CLIP ViT-B-32 + LPIPS-alex (random weights: the real
architectures, saved to temporary files and loaded through the service's own loading code,
so nothing is downloaded) + SSIM + the lighting metrics, three ways in the same run:

- end-to-end: PNG bytes in → scores out through `MicroBatcher` (parallel decode and lighting
  in the decode pool, one model batch of up to --batch images, bf16/fp16 on CUDA);
- naive: one image at a time, fp32, decode and score in turn (no batching, no parallel decode);
- models alone: CLIP image encoding and LPIPS on pre-decoded tensors already on the device, in
  batches of --batch, in the end-to-end precision — the ceiling the end-to-end path approaches.

Then the latency of a 4-candidate run (512×640, with a reference) through the batcher with
the default window: with CLIP and LPIPS off (lighting + SSIM), and with the tiny test models.

Targets (issue 6): on a GPU, end-to-end ≥ 10× naive and ≥ 50 % of models alone; on this 2-core
CPU, a 4-candidate run in ≤ 1 s with CLIP and LPIPS off and ≤ 5 s with the tiny test models.
Run: .venv/bin/python bench/bench_evaluate.py [--images N] [--batch N] [--device auto|cpu|cuda]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import open_clip
import torch
import torchvision

from prolight.domain.presets import get_preset
from prolight.domain.render import render
from prolight.domain.schema import FiboPrompt, LightingSetup
from prolight_evaluator.batcher import MicroBatcher
from prolight_evaluator.caption import caption
from prolight_evaluator.decode import decode_rgb
from prolight_evaluator.models import Models, Unavailable, load_models
from prolight_evaluator.scoring import ScoreInput, Scorer, prepare
from prolight_evaluator.settings import EvaluatorSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "evaluator" / "tests"))
from evaluator_testkit import build_tiny_weights

WIDTH, HEIGHT = 512, 640
PRESETS = ("rembrandt", "loop", "butterfly", "split", "high_key", "low_key", "clamshell", "broad")
REPEATS = 2
RUN_TARGET_OFF_S = 1.0
RUN_TARGET_TINY_S = 5.0


def real_architectures(root: Path) -> tuple[Path, Path]:
    """ViT-B-32 and AlexNet-features checkpoints with random weights, written under `root`."""
    torch.manual_seed(0)
    clip = root / "vit-b-32-random.pt"
    torch.save(open_clip.create_model("ViT-B-32", pretrained=None).state_dict(), clip)
    backbone = root / "alexnet-random.pth"
    features = torchvision.models.alexnet(weights=None).features.state_dict()
    torch.save({f"features.{k}": v for k, v in features.items()}, backbone)
    return clip, backbone


def workload(n: int) -> tuple[list[ScoreInput], LightingSetup]:
    """n candidates: renders of the presets (cycled) as PNG bytes, each with a reference."""
    renders = []
    for k, name in enumerate(PRESETS[: min(n, len(PRESETS))]):
        prompt = FiboPrompt(scene=get_preset(name).setup)
        result = render(prompt, k, WIDTH, HEIGHT)
        renders.append((prompt.scene, result.png, result.report.measured_ratio_stops))
    reference = renders[0][1]
    items = []
    for i in range(n):
        setup, png, ratio = renders[i % len(renders)]
        items.append(
            ScoreInput(
                image=png,
                requested=setup,
                measured_ratio_stops=ratio,
                caption=caption(setup),
                reference=reference,
                identity={"artifact_id": f"a{i}"},
            )
        )
    return items, renders[0][0]


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


async def end_to_end(
    models: Models, items: Sequence[ScoreInput], batch: int, workers: int
) -> float:
    """Seconds to score `items` through the batcher, all submitted at once (after a warm-up)."""
    async with MicroBatcher(
        Scorer(models), max_items=batch, window_s=0.02, decode_workers=workers
    ) as batcher:
        await asyncio.gather(*(batcher.score(i) for i in items[:batch]))  # warm-up
        start = time.perf_counter()
        await asyncio.gather(*(batcher.score(i) for i in items))
        sync(models.placement.device)
        return time.perf_counter() - start


def naive(models: Models, items: Sequence[ScoreInput]) -> float:
    """Seconds to score `items` one at a time in fp32 (decode, then score, then the next)."""
    scorer = Scorer(models)
    scorer.score([prepare(items[0], models)])  # warm-up
    start = time.perf_counter()
    for item in items:
        scorer.score([prepare(item, models)])
    sync(models.placement.device)
    return time.perf_counter() - start


def models_alone(models: Models, items: Sequence[ScoreInput], batch: int) -> float:
    """Seconds for CLIP and LPIPS alone on `items`, pre-decoded and already on the device."""
    clip, lpips = models.clip, models.lpips
    assert not isinstance(clip, Unavailable)
    assert not isinstance(lpips, Unavailable)
    device = models.placement.device
    pixels = [decode_rgb(i.image) for i in items[:batch]]
    clip_in = torch.stack([clip.prepare(p) for p in pixels]).to(device)
    unit = torch.from_numpy(np.stack(pixels)).to(device)
    unit = unit.permute(0, 3, 1, 2).float().div(255.0)
    reference = unit[:1].expand_as(unit).contiguous()
    rounds = max(1, len(items) // batch)

    def one_round() -> None:
        with models.placement.inference():
            clip.model.encode_image(clip_in)
        lpips.distance(unit, reference)

    one_round()  # warm-up
    sync(device)
    start = time.perf_counter()
    for _ in range(rounds):
        one_round()
    sync(device)
    return (time.perf_counter() - start) * len(items) / (rounds * batch)


async def run_latency(models: Models, items: Sequence[ScoreInput], workers: int) -> float:
    """Median seconds, over 3 runs, to score a 4-candidate run with the default window."""
    settings = EvaluatorSettings()
    times = []
    async with MicroBatcher(
        Scorer(models, settings.evaluator_weights),
        max_items=settings.evaluator_batch_size,
        window_s=settings.evaluator_batch_window_ms / 1000,
        decode_workers=workers,
    ) as batcher:
        await asyncio.gather(*(batcher.score(i) for i in items[:4]))  # warm-up
        for _ in range(3):
            start = time.perf_counter()
            await asyncio.gather(*(batcher.score(i) for i in items[:4]))
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--images", type=int, default=0, help="images per path (0: 32 CPU, 1024 GPU)"
    )
    parser.add_argument("--batch", type=int, default=0, help="batch size (0: 16 CPU, 256 GPU)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-evaluate-") as tmp:
        root = Path(tmp)
        clip_ckpt, backbone = real_architectures(root)
        real = load_models(
            EvaluatorSettings(
                evaluator_clip_checkpoint=clip_ckpt,
                evaluator_lpips_backbone=backbone,
                evaluator_device=args.device,
            )
        )
        fp32 = load_models(
            EvaluatorSettings(
                evaluator_clip_checkpoint=clip_ckpt,
                evaluator_lpips_backbone=backbone,
                evaluator_device=args.device,
                evaluator_precision="fp32",
            )
        )
        tiny = load_models(build_tiny_weights(root / "tiny").settings(evaluator_device=args.device))
        off = load_models(EvaluatorSettings(evaluator_device=args.device))
        gpu = real.placement.device.type == "cuda"
        n = args.images or (1024 if gpu else 32)
        batch = args.batch or (256 if gpu else 16)
        items, _ = workload(n)
        name = torch.cuda.get_device_name(real.placement.device) if gpu else "CPU"
        print(
            f"device {real.placement.device} ({name}), end-to-end precision "
            f"{real.placement.precision}; torch {torch.__version__}, {torch.get_num_threads()} "
            f"torch threads, {workers} decode workers"
        )
        print(
            f"{n} PNG candidates {WIDTH}×{HEIGHT} (~{len(items[0].image) // 1024} kB each), "
            f"CLIP ViT-B-32 + LPIPS-alex (random weights) + SSIM + lighting, batch {batch}"
        )
        # Each path twice, interleaved, best of the two: other work on a shared machine then
        # costs every path alike instead of whichever happened to run during it.
        timed: dict[str, float] = {}
        for _ in range(REPEATS):
            for key, seconds in (
                ("end-to-end", lambda: asyncio.run(end_to_end(real, items, batch, workers))),
                ("naive", lambda: naive(fp32, items)),
                ("models alone", lambda: models_alone(real, items, batch)),
            ):
                timed[key] = min(timed.get(key, float("inf")), seconds())

        def rate(key: str) -> float:
            return n / timed[key]

        print(f"  end-to-end (PNG → scores, micro-batched): {rate('end-to-end'):8.1f} img/s")
        print(
            f"  naive (one at a time, fp32):              {rate('naive'):8.1f} img/s"
            f"   end-to-end / naive = {rate('end-to-end') / rate('naive'):.2f}×"
            + (
                ""
                if not gpu
                else f" (target ≥ 10×: {verdict(rate('end-to-end') >= 10 * rate('naive'))})"
            )
        )
        share = rate("end-to-end") / rate("models alone")
        print(
            f"  models alone (pre-decoded tensors):       {rate('models alone'):8.1f} img/s"
            f"   end-to-end / models alone = {share:.0%}"
            + ("" if not gpu else f" (target ≥ 50 %: {verdict(share >= 0.5)})")
        )
        run_off = asyncio.run(run_latency(off, items, workers))
        run_tiny = asyncio.run(run_latency(tiny, items, workers))
        print(
            f"  4-candidate run, CLIP and LPIPS off:      {run_off:8.3f} s"
            f"   (target ≤ {RUN_TARGET_OFF_S:g} s: {verdict(run_off <= RUN_TARGET_OFF_S)})"
        )
        print(
            f"  4-candidate run, tiny test models:        {run_tiny:8.3f} s"
            f"   (target ≤ {RUN_TARGET_TINY_S:g} s: {verdict(run_tiny <= RUN_TARGET_TINY_S)})"
        )


if __name__ == "__main__":
    main()
