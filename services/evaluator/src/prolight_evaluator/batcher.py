"""Micro-batching across callers: many concurrent `score(item)` calls, one model batch.

    async with MicroBatcher(scorer, max_items=16, window_s=0.02, decode_workers=4) as batcher:
        result = await batcher.score(ScoreInput(image=png, ...))

Each call prepares its image at once in the decode pool (`scoring.prepare`: decoding and the
lighting measurement run in parallel, off the event loop) and then queues it. One collector
task takes the first queued image, waits up to `window_s` for more, up to `max_items`, and
scores them in one call of `Scorer.score` on the single inference thread (the models are never
run concurrently). While a batch runs, the next one fills. Callers on the bus are the
evaluate-task handlers — the pull worker runs `evaluator_batch_size` of them at once, and sends
each message's in-progress acks while its handler waits here — and the HTTP endpoints.

A failure of the whole batch (a CUDA error, a bug) is raised to every caller in it; an image
that cannot be decoded fails only its own call (`ImageRejected`), before it joins a batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from prolight.platform import metrics
from prolight.platform.closing import AsyncClosing
from prolight_evaluator.scoring import Prepared, ScoreInput, Scorer, prepare

__all__ = ["MicroBatcher"]

_Entry = tuple[Prepared, "asyncio.Future[dict[str, Any]]"]


class MicroBatcher(AsyncClosing):
    """Batches concurrent scoring calls (module doc). Use with `async with`, or `close()`."""

    def __init__(
        self,
        scorer: Scorer,
        *,
        max_items: int,
        window_s: float,
        decode_workers: int = 0,
    ) -> None:
        if max_items < 1 or window_s < 0:
            raise ValueError("max_items is at least 1 and window_s at least 0")
        self.scorer = scorer
        self.max_items = max_items
        self.window_s = window_s
        self.batches = 0  # scored so far, and the images in them (for logs and tests)
        self.images = 0
        self._decode = ThreadPoolExecutor(
            decode_workers or os.cpu_count() or 1, thread_name_prefix="evaluator-decode"
        )
        self._infer = ThreadPoolExecutor(1, thread_name_prefix="evaluator-infer")
        self._queue: asyncio.Queue[_Entry] = asyncio.Queue()
        self._collector: asyncio.Task[None] | None = None

    async def score(self, item: ScoreInput) -> dict[str, Any]:
        """The result of one image (see `scoring`); raises `ImageRejected` for a bad image."""
        loop = asyncio.get_running_loop()
        prepared = await loop.run_in_executor(self._decode, prepare, item, self.scorer.models)
        if self._collector is None:
            self._collector = asyncio.create_task(self._collect(), name="evaluator-batcher")
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        await self._queue.put((prepared, future))
        return await future

    async def _collect(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            deadline = loop.time() + self.window_s
            while len(batch) < self.max_items:
                if not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                    continue
                left = deadline - loop.time()
                if left <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self._queue.get(), left))
                except TimeoutError:
                    break
            await self._run(batch)

    async def _run(self, batch: list[_Entry]) -> None:
        loop = asyncio.get_running_loop()
        prepared = [p for p, _ in batch]
        start = time.perf_counter()
        try:
            results = await loop.run_in_executor(self._infer, self.scorer.score, prepared)
        except asyncio.CancelledError:  # closing: nobody will answer these callers
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:  # the whole batch failed: every caller gets the error
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        self.batches += 1
        self.images += len(batch)
        device = self.scorer.models.placement.device.type
        metrics.record_evaluator_batch(len(batch), time.perf_counter() - start, device)
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():  # a caller cancelled (stop, timeout) gets nothing
                future.set_result(result)

    async def close(self) -> None:
        """Stop collecting and shut the thread pools down (waiting for a running batch)."""
        if self._collector is not None:
            self._collector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._collector
            self._collector = None
        while not self._queue.empty():
            self._queue.get_nowait()[1].cancel()
        await asyncio.to_thread(self._decode.shutdown, True, cancel_futures=True)
        await asyncio.to_thread(self._infer.shutdown, True)
