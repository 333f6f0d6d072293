"""Generating one candidate image with BRIA FIBO: cache, budget, submit or resume, poll, store.

`generate_with_bria(...)` is the whole task without the bus:

1. the prompt cache `(prompt_hash, seed, model)`: a hit calls BRIA not at all and costs 0;
2. `costs.reserve`: refuses with `BudgetExhausted` when the run's budget cannot pay one more
   image; on a redelivered task it returns the entry already there;
3. the entry's `request_id` (a redelivery) resumes that job; otherwise submit, and remember
   the request id on the run at once;
4. poll until COMPLETED, download at once, convert to PNG if BRIA sent another format, and
   store the bytes under their SHA-256 like any other artifact;
5. the entry becomes `charged`; when BRIA made no image (refused, ERROR, gave up) it is
   `released`: nothing was billed.

The task result carries `cost_usd` and, in `render_report` (which storage keeps on the
artifact), `backend: bria` with BRIA's `request_id`, the `seed` and the `structured_prompt`
BRIA returned, and its `warning` if any.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import time
from typing import Any

from PIL import Image, UnidentifiedImageError

from prolight.blobs import ArtifactStore
from prolight.bria_prompt import to_bria_structured_prompt
from prolight.external import BadResponse, ExternalError
from prolight.hashing import prompt_hash
from prolight.schema import FiboPrompt
from prolight.store import RunStore
from prolight_bria_generator import costs
from prolight_bria_generator.bria import Audit, BriaClient, BriaImage, BriaJob
from prolight_bria_generator.generate import Generated, cached, completed
from prolight_bria_generator.settings import GeneratorSettings

__all__ = ["BACKEND", "bria_model_id", "bria_request", "generate_with_bria", "to_png"]

BACKEND = "bria"

log = logging.getLogger("prolight.bria_generator")


def bria_model_id(settings: GeneratorSettings) -> str:
    """The prompt-cache model name: everything besides prompt and seed that changes BRIA's
    pixels (`bria-fibo@steps50-cfg5`, `bria-fibo-lite@…`, a negative prompt's hash)."""
    lite = "-lite" if settings.bria_endpoint.endswith("/lite") else ""
    name = f"bria-fibo{lite}@steps{settings.bria_steps_num}-cfg{settings.bria_guidance_scale:g}"
    if settings.bria_negative_prompt:
        name += "-neg" + hashlib.sha256(settings.bria_negative_prompt.encode()).hexdigest()[:8]
    return name


def bria_request(prompt: FiboPrompt, seed: int, settings: GeneratorSettings) -> dict[str, Any]:
    """The documented request body: FIBO's structured prompt as a JSON string, and the rest."""
    body: dict[str, Any] = {
        "structured_prompt": json.dumps(to_bria_structured_prompt(prompt), sort_keys=True),
        "seed": seed,
        "aspect_ratio": prompt.output.aspect_ratio,
        "steps_num": settings.bria_steps_num,
        "guidance_scale": settings.bria_guidance_scale,
        "model_version": "FIBO",
        "prompt_content_moderation": settings.bria_prompt_content_moderation,
        "visual_output_content_moderation": settings.bria_visual_output_content_moderation,
        "sync": False,
    }
    if settings.bria_negative_prompt:
        body["negative_prompt"] = settings.bria_negative_prompt
    return body


def to_png(data: bytes) -> tuple[bytes, int, int]:
    """The image as PNG bytes (unchanged if it already is one) and its width and height in
    pixels; `BadResponse` when the bytes are no image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            width, height = image.size
            if image.format == "PNG":
                return data, width, height
            out = io.BytesIO()
            image.convert("RGBA" if "A" in image.getbands() else "RGB").save(out, "PNG")
            return out.getvalue(), width, height
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise BadResponse("BRIA's download is not an image") from exc


async def generate_with_bria(
    prompt: FiboPrompt,
    seed: int,
    *,
    run_id: str,
    task_id: str,
    store: RunStore,
    blobs: ArtifactStore,
    client: BriaClient,
    settings: GeneratorSettings,
    audit: Audit,
) -> Generated:
    """Make (or find) the image of `prompt` under `seed` with BRIA (module doc).

    Raises `costs.BudgetExhausted`, an `ExternalError` whose message is the user-facing
    reason, and the stores' errors when they are down (retrying may help).
    """
    digest = prompt_hash(prompt)
    model = bria_model_id(settings)
    if (hit := await cached(store, blobs, digest, seed, model)) is not None:
        return Generated("cached", {**hit.result, "cost_usd": 0.0})
    price = settings.bria_price_usd()
    entry = await costs.reserve(store, run_id, task_id, usd=price, backend=BACKEND)
    clock = time.perf_counter()
    image: BriaImage | None = None
    try:
        if entry.get("request_id"):
            log.info("run_id=%s task_id=%s resuming BRIA request %s", run_id, task_id,
                     entry["request_id"])  # fmt: skip
            job: BriaJob | BriaImage = BriaJob(str(entry["request_id"]))
        else:
            job = await client.submit(bria_request(prompt, seed, settings), audit)
            await costs.mark(store, run_id, task_id, state="submitted", request_id=job.request_id)
        image = job if isinstance(job, BriaImage) else await client.wait(job, audit)
        await costs.mark(store, run_id, task_id, state="charged")
        data, _ = await client.download(image, audit)
        png, width, height = await asyncio.to_thread(to_png, data)
    except ExternalError:
        if image is None:  # BRIA made no image, so nothing was billed
            await costs.mark(store, run_id, task_id, state="released")
        raise
    info = await blobs.put(png, "image/png")
    bria = {
        "backend": BACKEND,
        "request_id": image.request_id,
        "seed": image.seed if image.seed is not None else seed,
        "structured_prompt": image.structured_prompt,
        "warning": image.warning,
        "timings": {"total_ms": (time.perf_counter() - clock) * 1000},
    }
    return completed(
        info,
        (width, height),
        seed=bria["seed"],
        digest=digest,
        model=model,
        render_report=bria,
        requested_seed=seed,
        cost_usd=price,
    )
