"""Generating one candidate image: the prompt cache first, the local renderer otherwise.

`generate(...)` is the whole task without the bus: it computes the prompt hash, returns the
cached artifact when `(prompt_hash, seed, model)` is known (rendering nothing), and otherwise
renders off the event loop and writes the PNG to the artifact store under its SHA-256.
`cached(...)` is the cache lookup alone, which the BRIA backend (bria_backend.py) shares.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from prolight.contracts.tasks import BriaReport, GenerateResult, RenderReport
from prolight.domain.hashing import prompt_hash
from prolight.domain.render import MIN_SIDE, RenderResult, render
from prolight.domain.schema import FiboPrompt
from prolight.platform.blobs import ArtifactStore, BlobInfo
from prolight.platform.store import ArtifactRecord, RunStore

__all__ = [
    "LOCAL_MODEL",
    "Generated",
    "Renderer",
    "cached",
    "completed",
    "generate",
    "model_id",
    "render_size",
]

LOCAL_MODEL = "prolight-local-v1"
"""Name of the local renderer in prompt-cache keys and artifact records."""

Renderer = Callable[[FiboPrompt, int, int, int], RenderResult]
"""`render(prompt, seed, width, height)`; tests swap in one that fails on purpose."""


@dataclass(frozen=True)
class Generated:
    """The outcome: `completed` (rendered now) or `cached` (an earlier artifact), and the
    result of the task (`cached_artifact_id` set on a hit)."""

    status: Literal["completed", "cached"]
    result: GenerateResult


def render_size(resolution: tuple[int, int], max_width: int, max_height: int) -> tuple[int, int]:
    """`resolution` (width, height in pixels) scaled down, aspect kept, to fit the cap."""
    width, height = resolution
    scale = min(1.0, max_width / width, max_height / height)
    return max(MIN_SIDE, round(width * scale)), max(MIN_SIDE, round(height * scale))


def model_id(max_width: int, max_height: int) -> str:
    """The model name of the local renderer under a size cap: the cap changes the pixels, so it
    is part of the prompt-cache key (`prolight-local-v1@512x640`)."""
    return f"{LOCAL_MODEL}@{max_width}x{max_height}"


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
    store: RunStore, blobs: ArtifactStore, digest: str, seed: int, model: str
) -> Generated | None:
    """The cached outcome of `(digest, seed, model)`, or None when unknown or its bytes are
    gone from the artifact store."""
    hit = await store.cached_artifact(digest, seed, model)
    if hit is not None:
        artifact = await store.get_artifact(hit.artifact_id)
        if artifact is not None and await blobs.exists(artifact.sha256):
            return Generated("cached", _from_artifact(artifact, digest, seed, model))
    return None


async def generate(
    prompt: FiboPrompt,
    seed: int,
    *,
    store: RunStore,
    blobs: ArtifactStore,
    max_width: int,
    max_height: int,
    renderer: Renderer = render,
) -> Generated:
    """Make (or find) the image of `prompt` under `seed` (module doc).

    Raises `InvalidInput` / `RenderError` for a prompt the renderer cannot draw (retrying will
    not help) and the stores' errors when they are down (retrying may).
    """
    digest = prompt_hash(prompt)
    model = model_id(max_width, max_height)
    if (hit := await cached(store, blobs, digest, seed, model)) is not None:
        return hit
    width, height = render_size(prompt.output.resolution, max_width, max_height)
    # CPU-bound for ~0.1–0.5 s: off the loop, so in-progress acks and other events go on.
    rendered = await asyncio.to_thread(renderer, prompt, seed, width, height)
    info = await blobs.put(rendered.png, "image/png")
    return completed(
        info,
        (width, height),
        seed=seed,
        digest=digest,
        model=model,
        render_report=RenderReport.model_validate(rendered.report.model_dump()),
    )
