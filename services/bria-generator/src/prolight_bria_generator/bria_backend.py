"""Generating one candidate image with BRIA FIBO: cache, budget, submit or resume, poll, store.

`generate_with_bria(...)` is the whole task without the bus:

0. the request is built and checked first (`bria_request`): FIBO's structured prompt in
   FIBO's field order, FIBO's default negative prompt for a photograph unless
   PROLIGHT_BRIA_NEGATIVE_PROMPT gives one; a bug raises `BriaRequestError` before any
   money is reserved or anything is sent;
1. the prompt cache `(prompt_hash, seed, model)`: a hit calls BRIA not at all and costs 0;
   so does waiting for an identical generation already in flight in this process (the
   follower of `generate.share`: a paid call made once, reported `cached` by the others;
   a budget refusal or an unconfirmed submit is the leader's own, and a follower then tries
   itself);
2. `costs.reserve`: refuses with `BudgetExhausted` when the run's budget cannot pay one more
   image; on a redelivered task it returns the entry already there;
3. the entry's `request_id` (a redelivery) resumes that job, and a 404 NOT_FOUND for it (BRIA
   forgot it, e.g. expired while the generator was down) submits anew; an entry without one
   that is not new means an earlier attempt may have reached BRIA: `SubmitUnconfirmed`, no
   second submit; otherwise submit, and remember the request id on the run at once;
4. poll until COMPLETED, download at once, convert to PNG if BRIA sent another format,
   store the bytes under their SHA-256 like any other artifact, and write the prompt-cache
   entry (`generate.remember`) before the task completes;
5. the entry becomes `charged`; when BRIA made no image (refused, ERROR, gave up) it is
   `released`: nothing was billed; when the submit's outcome is unknown it is `unconfirmed`
   (counted, see docs/decisions/bria-submit-retries.md).

The task result carries `cost_usd` and, in `render_report` (which storage keeps on the
artifact), `backend: bria` with BRIA's `request_id`, the `seed` and the `structured_prompt`
BRIA returned, and its `warning` if any.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import time

from PIL import Image, UnidentifiedImageError

from prolight.contracts.tasks import BriaReport, ReportTimings
from prolight.domain.bria_fibo import FiboSchemaError, default_negative_prompt
from prolight.domain.bria_prompt import to_fibo_prompt
from prolight.domain.hashing import prompt_hash
from prolight.domain.schema import FiboPrompt
from prolight.platform.blobs import ArtifactStore
from prolight.platform.external import BadResponse, ExternalError
from prolight.platform.store import RunStore
from prolight_bria_generator import costs
from prolight_bria_generator.bria import (
    PROVIDER,
    Audit,
    BriaClient,
    BriaImage,
    BriaJob,
    BriaRequestError,
    GenerateRequest,
    JobNotFound,
    SubmitUnconfirmed,
)
from prolight_bria_generator.costs import BudgetExhausted
from prolight_bria_generator.generate import (
    Flights,
    Generated,
    cached,
    completed,
    remember,
    share,
)
from prolight_bria_generator.settings import GeneratorSettings

__all__ = ["BACKEND", "bria_model_id", "bria_request", "generate_with_bria", "to_png"]

BACKEND = "bria"

log = logging.getLogger("prolight.bria_generator")


def bria_model_id(settings: GeneratorSettings, negative_prompt: str | None) -> str:
    """The prompt-cache model name: everything besides prompt and seed that changes BRIA's
    pixels (`bria-fibo@steps50-cfg5`, `bria-fibo-lite@…`, and the hash of the negative
    prompt sent, FIBO's default one included)."""
    lite = "-lite" if settings.bria_endpoint.endswith("/lite") else ""
    name = f"bria-fibo{lite}@steps{settings.bria_steps_num}-cfg{settings.bria_guidance_scale}"
    if negative_prompt:
        name += "-neg" + hashlib.sha256(negative_prompt.encode()).hexdigest()[:8]
    return name


def bria_request(prompt: FiboPrompt, seed: int, settings: GeneratorSettings) -> GenerateRequest:
    """The request for `prompt` under `seed`: FIBO's structured prompt (checked against FIBO's
    schema), our negative prompt or FIBO's default one for a photograph, and the settings'
    parameters. Raises `BriaRequestError` when any of it breaks the contract (our bug)."""
    try:
        structured = to_fibo_prompt(prompt)
    except FiboSchemaError as exc:
        raise BriaRequestError(f"not sent to {PROVIDER}: {exc}") from exc
    negative = settings.bria_negative_prompt.strip() or default_negative_prompt(structured)
    return GenerateRequest.build(
        structured_prompt=structured,
        seed=seed,
        aspect_ratio=prompt.output.aspect_ratio,
        steps_num=settings.bria_steps_num,
        guidance_scale=settings.bria_guidance_scale,
        negative_prompt=negative,
        prompt_content_moderation=settings.bria_prompt_content_moderation,
        visual_output_content_moderation=settings.bria_visual_output_content_moderation,
    )


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


class _Task:
    """One generate task's calls to BRIA, each remembered on the run's cost entry."""

    def __init__(
        self,
        client: BriaClient,
        store: RunStore,
        audit: Audit,
        run_id: str,
        task_id: str,
        request: GenerateRequest,
    ) -> None:
        self.client, self.store, self.audit = client, store, audit
        self.run_id, self.task_id, self.request = run_id, task_id, request

    async def submit(self) -> BriaImage:
        """Submit, remember the request id at once, and wait for the image."""
        try:
            job = await self.client.submit(self.request, self.audit)
        except SubmitUnconfirmed:
            await costs.mark(self.store, self.run_id, self.task_id, state="unconfirmed")
            raise
        await costs.mark(
            self.store, self.run_id, self.task_id, state="submitted", request_id=job.request_id
        )
        return job if isinstance(job, BriaImage) else await self.client.wait(job, self.audit)

    async def resume(self, request_id: str) -> BriaImage:
        """Wait for the job an earlier attempt submitted; submit anew if BRIA forgot it."""
        log.info("resuming BRIA request %s", request_id)
        try:
            return await self.client.wait(BriaJob(request_id), self.audit)
        except JobNotFound:
            log.warning(
                "BRIA no longer knows request %s (404 NOT_FOUND); submitting again", request_id
            )
        return await self.submit()


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
    flights: Flights | None = None,
) -> Generated:
    """Make (or find) the image of `prompt` under `seed` with BRIA (module doc); identical
    generations in `flights` at the same time call BRIA once.

    Raises `costs.BudgetExhausted`, an `ExternalError` whose message is the user-facing
    reason (`SubmitUnconfirmed` when the submit's outcome is unknown), `BriaRequestError`
    for a request that breaks BRIA's contract (our bug: nothing sent, nothing reserved), and
    the stores' errors when they are down (retrying may help).
    """
    request = bria_request(prompt, seed, settings)
    digest = prompt_hash(prompt)
    model = bria_model_id(settings, request.negative_prompt)

    async def make() -> Generated:
        if (hit := await cached(store, blobs, digest, seed, model, task_id=task_id)) is not None:
            return hit
        return await _call_bria(
            request,
            digest,
            model,
            seed,
            run_id=run_id,
            task_id=task_id,
            store=store,
            blobs=blobs,
            client=client,
            settings=settings,
            audit=audit,
        )

    generated = await share(
        flights,
        (digest, seed, model),
        task_id,
        make,
        own_failures=(BudgetExhausted, SubmitUnconfirmed),
    )
    if generated.status == "cached":  # nobody was paid for this task
        return Generated("cached", generated.result.model_copy(update={"cost_usd": 0.0}))
    return generated


async def _call_bria(
    request: GenerateRequest,
    digest: str,
    model: str,
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
    """Steps 2–5 of the module doc for a prompt the cache does not know."""
    price = settings.bria_price_usd()
    entry, fresh = await costs.reserve(store, run_id, task_id, usd=price, backend=BACKEND)
    clock = time.perf_counter()
    task = _Task(client, store, audit, run_id, task_id, request)
    image: BriaImage | None = None
    try:
        if entry.request_id:
            image = await task.resume(entry.request_id)
        elif fresh:
            image = await task.submit()
        else:
            await costs.mark(store, run_id, task_id, state="unconfirmed")
            raise SubmitUnconfirmed(
                f"an earlier attempt at this task may have reached {PROVIDER} without its "
                "answer being kept; it is not sent again, so that the image is not paid for "
                "twice: try again later"
            )
        await costs.mark(store, run_id, task_id, state="charged")
        data, _ = await client.download(image, audit)
        png, width, height = await asyncio.to_thread(to_png, data)
    except SubmitUnconfirmed:
        raise  # the entry stays unconfirmed: counted, never submitted again
    except (ExternalError, BriaRequestError):
        if image is None:  # BRIA made no image, so nothing was billed
            await costs.mark(store, run_id, task_id, state="released")
        raise
    info = await blobs.put(png, "image/png")
    report = BriaReport(
        request_id=image.request_id,
        seed=image.seed if image.seed is not None else seed,
        structured_prompt=image.structured_prompt,
        warning=image.warning,
        timings=ReportTimings(total_ms=(time.perf_counter() - clock) * 1000),
    )
    made = completed(
        info,
        (width, height),
        seed=report.seed,
        digest=digest,
        model=model,
        render_report=report,
        requested_seed=seed,
        cost_usd=price,
    )
    await remember(store, made, seed=seed, task_id=task_id)
    return made
