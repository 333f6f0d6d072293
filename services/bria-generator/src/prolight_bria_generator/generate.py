"""Generating one candidate image: the prompt cache first, the local renderer otherwise.

`generate(...)` is the whole task without the bus: it computes the prompt hash, returns the
cached result when `(prompt_hash, seed, model)` is known (rendering nothing), and otherwise
renders off the event loop, writes the PNG to the artifact store under its SHA-256 and
writes the prompt-cache entry (`remember`) before returning, so the entry exists before the
task completes and before storage registers the image.

The generator owns the prompt cache: `cached(...)` reads it, `remember(...)` writes it, and
`share(...)` runs identical generations in flight at once in this process once (flights.py);
the BRIA backend (bria_backend.py) uses all three.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from prolight.contracts.tasks import BriaReport, GenerateResult, image_artifact_id
from prolight.domain.hashing import prompt_hash
from prolight.domain.photoreal import Quality, model_name, render
from prolight.domain.render import MIN_SIDE, RenderResult
from prolight.domain.render_report import RenderReport
from prolight.domain.schema import FiboPrompt
from prolight.platform.blobs import ArtifactStore, BlobInfo
from prolight.platform.store import ArtifactRecord, PromptCacheEntry, RunStore
from prolight_bria_generator.flights import SingleFlight

__all__ = [
    "Flights",
    "Generated",
    "Renderer",
    "cached",
    "completed",
    "generate",
    "model_id",
    "remember",
    "render_size",
    "share",
]

Renderer = Callable[[FiboPrompt, int, int, int], RenderResult]
"""`render(prompt, seed, width, height)`; tests swap in one that fails on purpose."""


@dataclass(frozen=True)
class Generated:
    """The outcome: `completed` (rendered now) or `cached` (an earlier artifact), and the
    result of the task (`cached_artifact_id` set on a hit)."""

    status: Literal["completed", "cached"]
    result: GenerateResult


Flights = SingleFlight[Generated]
"""The generations in flight in one process, keyed by `(prompt_hash, seed, model)`."""


def render_size(resolution: tuple[int, int], max_width: int, max_height: int) -> tuple[int, int]:
    """`resolution` (width, height in pixels) scaled down, aspect kept, to fit the cap."""
    width, height = resolution
    scale = min(1.0, max_width / width, max_height / height)
    return max(MIN_SIDE, round(width * scale)), max(MIN_SIDE, round(height * scale))


def model_id(quality: Quality, max_width: int, max_height: int) -> str:
    """The model name of the local renderer (its Mitsuba variant and the quality) under a size
    cap, which changes the pixels too: the prompt-cache key's model,
    `prolight-photoreal-v1:llvm_ad_rgb:draft@512x640`."""
    return f"{model_name(quality)}@{max_width}x{max_height}"


def _from_artifact(artifact: ArtifactRecord, digest: str, seed: int, model: str) -> GenerateResult:
    """The result of a cache hit: the cached artifact, found under (digest, seed, model)."""
    return GenerateResult(
        artifact_key=artifact.sha256,
        sha256=artifact.sha256,
        url=artifact.url,
        width=artifact.width,
        height=artifact.height,
        seed=seed,
        prompt_hash=digest,
        model=model,
        render_report=artifact.meta.render_report,
        cached_artifact_id=artifact.artifact_id,
    )


def completed(
    info: BlobInfo,
    size: tuple[int, int],
    *,
    seed: int,
    digest: str,
    model: str,
    render_report: RenderReport | BriaReport,
    requested_seed: int | None = None,
    cost_usd: float | None = None,
) -> Generated:
    """The outcome of a fresh image stored as `info`, `size` (width, height) in pixels;
    `requested_seed` and `cost_usd` are the BRIA backend's."""
    return Generated(
        "completed",
        GenerateResult(
            artifact_key=info.key,
            sha256=info.key,
            url=info.url,
            width=size[0],
            height=size[1],
            seed=seed,
            prompt_hash=digest,
            model=model,
            render_report=render_report,
            requested_seed=requested_seed,
            cost_usd=cost_usd,
        ),
    )


async def cached(
    store: RunStore, blobs: ArtifactStore, digest: str, seed: int, model: str, *, task_id: str
) -> Generated | None:
    """The cached outcome of `(digest, seed, model)` for task `task_id`, or None when unknown
    or its bytes are gone from the artifact store.

    A hit is the entry's result with `cached_artifact_id` the entry's artifact. The entry of
    `task_id` itself (it stored its image, then died before completing: a redelivery) is that
    task's own outcome, `completed`, not a hit on itself.
    """
    entry = await store.cached_artifact(digest, seed, model)
    if entry is None:
        return None
    if entry.result is None:
        return await _legacy_hit(store, blobs, entry)
    if not await blobs.exists(entry.result.sha256):
        return None
    if entry.artifact_id == image_artifact_id(task_id):
        return Generated("completed", entry.result)
    hit = entry.result.model_copy(update={"cached_artifact_id": entry.artifact_id})
    return Generated("cached", hit)


async def _legacy_hit(
    store: RunStore, blobs: ArtifactStore, entry: PromptCacheEntry
) -> Generated | None:
    # Entries storage wrote before the generator owned the cache have no result: they keep
    # the artifact-record path. Treating them as a miss would be no simpler and would never
    # heal: the re-rendered entry loses to the old one (first writer wins), so such a key
    # would render, or pay BRIA, every time.
    artifact = await store.get_artifact(entry.artifact_id)
    if artifact is None or not await blobs.exists(artifact.sha256):
        return None
    result = _from_artifact(artifact, entry.prompt_hash, entry.seed, entry.model)
    return Generated("cached", result)


async def remember(store: RunStore, generated: Generated, *, seed: int, task_id: str) -> None:
    """Write the prompt-cache entry of the image `task_id` just stored (`seed` is the one
    asked for): insert-if-absent, so the first writer wins across instances."""
    result = generated.result
    artifact_id = image_artifact_id(task_id)
    await store.cache_artifact(result.prompt_hash, seed, result.model, artifact_id, result=result)


async def share(
    flights: Flights | None,
    key: tuple[str, int, str],
    task_id: str,
    make: Callable[[], Awaitable[Generated]],
    *,
    own_failures: tuple[type[Exception], ...] = (),
) -> Generated:
    """`make()`, run once for every generation of `key` (prompt_hash, seed, model) in flight
    in `flights` at the same time (None: not shared). A follower's outcome is the leader's
    image as a cache hit (`cached_artifact_id` the leader's artifact); the leader's failure is
    the follower's, except `own_failures` (flights.py)."""
    if flights is None:
        return await make()
    generated, leader = await flights.run(key, task_id, make, own_failures=own_failures)
    if leader == task_id or generated.status == "cached":
        return generated
    hit = generated.result.model_copy(update={"cached_artifact_id": image_artifact_id(leader)})
    return Generated("cached", hit)


async def generate(
    prompt: FiboPrompt,
    seed: int,
    *,
    task_id: str,
    store: RunStore,
    blobs: ArtifactStore,
    max_width: int,
    max_height: int,
    renderer: Renderer = render,
    flights: Flights | None = None,
) -> Generated:
    """Make (or find) the image of `prompt` under `seed` for generate task `task_id` (module
    doc); identical generations in `flights` at the same time render once (`share`).

    Raises `InvalidInput` / `RenderError` for a prompt the renderer cannot draw (retrying will
    not help) and the stores' errors when they are down (retrying may).
    """
    digest = prompt_hash(prompt)
    model = model_id(prompt.output.quality, max_width, max_height)

    async def make() -> Generated:
        if (hit := await cached(store, blobs, digest, seed, model, task_id=task_id)) is not None:
            return hit
        width, height = render_size(prompt.output.resolution, max_width, max_height)
        # CPU-bound (draft ~0.5 s, final a few s): off the loop, so in-progress acks and other
        # events go on.
        rendered = await asyncio.to_thread(renderer, prompt, seed, width, height)
        info = await blobs.put(rendered.png, "image/png")
        made = completed(
            info,
            (width, height),
            seed=seed,
            digest=digest,
            model=model,
            render_report=RenderReport.model_validate(rendered.report.model_dump()),
        )
        await remember(store, made, seed=seed, task_id=task_id)
        return made

    return await share(flights, (digest, seed, model), task_id, make)
