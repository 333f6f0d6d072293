"""The evaluator's HTTP API (the original README's evaluator endpoints), on the bus path's code.

    POST /eval/clip      images + `prompt` (FIBO JSON) or `text` → {caption, scores}
    POST /eval/lpips     images + a reference → {scores: [{…, lpips}]}
    POST /eval/ensemble  images + `prompt` [+ `candidate_prompt`, `measured_ratio_stops`,
                         reference] → {scores: [result…], ranking, top}
    GET  /eval/models    which models are loaded (or why not), device and precision
    GET  /healthz, /readyz, /metrics (Prometheus: `prolight.metrics`)

Bodies are multipart/form-data; images come by artifact id or as uploads (see `uploads`).
Every image goes through the process' `MicroBatcher`, the same one the evaluate tasks use, so
an image scores the same here as on the bus (same prompt, reference and ratio given). Errors
are `prolight.api.ErrorBody` JSON with a stable `code`: 413 image_too_large / body_too_large,
415 unsupported_media_type, 422 invalid_input / url_refused / unreadable_image, 404 not_found,
503 metric_unavailable (the model behind /eval/clip or /eval/lpips is not loaded).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from prolight import metrics
from prolight.api import ErrorBody
from prolight.blobs import ArtifactStore
from prolight.errors import describe_errors
from prolight.health import HealthServer
from prolight.schema import FiboPrompt, LightingSetup
from prolight.store import RunStore
from prolight_evaluator.batcher import MicroBatcher
from prolight_evaluator.caption import caption
from prolight_evaluator.ensemble import METRICS, metric_score, rank
from prolight_evaluator.errors import ImageRejected, RequestRejected
from prolight_evaluator.models import Models, Unavailable
from prolight_evaluator.scoring import ScoreInput
from prolight_evaluator.uploads import MAX_IMAGES, Upload, read_images, read_reference, refuse_urls

__all__ = ["EvalContext", "create_app"]

_BODY_FACTOR = 4
"""A request body may be this many times the per-image limit (a few images and a reference)."""


@dataclass(frozen=True)
class EvalContext:
    """What the routes use: the batcher and models, the stores, limits, readiness checks."""

    batcher: MicroBatcher
    models: Models
    store: RunStore
    blobs: ArtifactStore
    max_upload_bytes: int
    health: HealthServer


def _error(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    body = ErrorBody(code=code, message=message, field=field)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status)


def _setup(form: FormData, name: str) -> LightingSetup | None:
    raw = form.get(name)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise RequestRejected(
            f"`{name}` is FIBO prompt JSON text", status=422, code="invalid_input", field=name
        )
    try:
        return FiboPrompt.model_validate_json(raw).scene
    except ValidationError as exc:
        problems = "; ".join(str(e) for e in describe_errors(exc))
        raise RequestRejected(
            f"`{name}` is not a valid FIBO prompt: {problems}",
            status=422,
            code="invalid_input",
            field=name,
        ) from exc


def _ratio(form: FormData) -> float | None:
    raw = form.get("measured_ratio_stops")
    if raw is None or raw == "":
        return None
    try:
        return float(str(raw))
    except ValueError as exc:
        raise RequestRejected(
            "measured_ratio_stops is a number of stops",
            status=422,
            code="invalid_input",
            field="measured_ratio_stops",
        ) from exc


class _Routes:
    def __init__(self, ctx: EvalContext) -> None:
        self.ctx = ctx

    @asynccontextmanager
    async def _form(self, request: Request) -> AsyncIterator[FormData]:
        limit = self.ctx.max_upload_bytes * _BODY_FACTOR
        declared = request.headers.get("content-length")
        if declared is None:
            raise RequestRejected(
                "send Content-Length with the upload", status=411, code="length_required"
            )
        if not declared.isdigit() or int(declared) > limit:
            raise RequestRejected(
                f"the request body is over {limit:,} bytes", status=413, code="body_too_large"
            )
        # `async with` closes the spooled upload files when the request is done.
        async with request.form(max_files=MAX_IMAGES + 1, max_fields=MAX_IMAGES + 16) as form:
            refuse_urls(form)
            yield form

    async def _score(self, images: list[Upload], **common: Any) -> list[dict[str, Any]]:
        # Concurrent calls, so a request's images join one batch.
        batcher = self.ctx.batcher
        return list(
            await asyncio.gather(
                *(
                    batcher.score(ScoreInput(image=u.data, identity=u.identity, **common))
                    for u in images
                )
            )
        )

    def _require(self, metric: str) -> None:
        model = getattr(self.ctx.models, metric)
        if isinstance(model, Unavailable):
            raise RequestRejected(
                f"{metric} is unavailable: {model.reason}", status=503, code="metric_unavailable"
            )

    async def clip(self, request: Request) -> dict[str, Any]:
        self._require("clip")
        async with self._form(request) as form:
            setup = _setup(form, "prompt")
            text = form.get("text")
            if isinstance(text, str) and text.strip():
                caption_text = text.strip()
            elif setup is not None:
                caption_text = caption(setup)
            else:
                raise RequestRejected(
                    "give a `prompt` (FIBO JSON) or a `text`",
                    status=422,
                    code="invalid_input",
                    field="prompt",
                )
            ctx = self.ctx
            images = await read_images(form, ctx.store, ctx.blobs, ctx.max_upload_bytes)
            results = await self._score(images, caption=caption_text, metrics=frozenset({"clip"}))
            return {
                "caption": caption_text,
                "scores": [
                    {**_identity(r), "clip": r["clip"], "score": metric_score("clip", r["clip"])}
                    for r in results
                ],
            }

    async def lpips(self, request: Request) -> dict[str, Any]:
        self._require("lpips")
        async with self._form(request) as form:
            ctx = self.ctx
            reference = await read_reference(form, ctx.store, ctx.blobs, ctx.max_upload_bytes)
            if reference is None:
                raise RequestRejected(
                    "give a `reference` upload or a `reference_artifact_id`",
                    status=422,
                    code="invalid_input",
                    field="reference",
                )
            images = await read_images(form, ctx.store, ctx.blobs, ctx.max_upload_bytes)
            results = await self._score(
                images, reference=reference.data, metrics=frozenset({"lpips"})
            )
            return {"scores": [{**_identity(r), "lpips": r["lpips"]} for r in results]}

    async def ensemble(self, request: Request) -> dict[str, Any]:
        async with self._form(request) as form:
            requested = _setup(form, "prompt")
            if requested is None:
                raise RequestRejected(
                    "give the `prompt` (FIBO JSON) the images were asked with",
                    status=422,
                    code="invalid_input",
                    field="prompt",
                )
            ctx = self.ctx
            reference = await read_reference(form, ctx.store, ctx.blobs, ctx.max_upload_bytes)
            images = await read_images(form, ctx.store, ctx.blobs, ctx.max_upload_bytes)
            results = await self._score(
                images,
                requested=requested,
                rendered=_setup(form, "candidate_prompt"),
                measured_ratio_stops=_ratio(form),
                caption=caption(requested),
                reference=None if reference is None else reference.data,
                metrics=frozenset(METRICS),
            )
            ranking = rank(results)
            top = {k: v for k, v in ranking[0].items() if k not in ("rank", "final")}
            return {
                "scores": results,
                "ranking": ranking,
                "top": {**top, "score": ranking[0]["final"]},
            }

    async def models(self) -> dict[str, str]:
        return self.ctx.models.describe()

    async def readyz(self) -> JSONResponse:
        ready, report = await self.ctx.health.readiness()
        body = {"status": "ready" if ready else "not_ready", "checks": report}
        return JSONResponse(body, status_code=200 if ready else 503)


def _identity(result: dict[str, Any]) -> dict[str, Any]:
    return {k: result[k] for k in ("artifact_id", "filename", "sha256") if k in result}


def create_app(ctx: EvalContext) -> FastAPI:
    """The evaluator's ASGI app on `ctx` (module doc)."""
    app = FastAPI(title="ProLight evaluator", summary="Image scores: lighting, SSIM, CLIP, LPIPS.")
    routes = _Routes(ctx)
    app.add_api_route("/eval/clip", routes.clip, methods=["POST"])
    app.add_api_route("/eval/lpips", routes.lpips, methods=["POST"])
    app.add_api_route("/eval/ensemble", routes.ensemble, methods=["POST"])
    app.add_api_route("/eval/models", routes.models, methods=["GET"])
    app.add_api_route("/readyz", routes.readyz, methods=["GET"])
    app.add_api_route("/healthz", _healthz, methods=["GET"])
    app.add_api_route("/metrics", _metrics, methods=["GET"], include_in_schema=False)
    app.add_middleware(metrics.HttpMetricsMiddleware, service="evaluator")

    @app.exception_handler(RequestRejected)
    async def _rejected(_: Request, exc: RequestRejected) -> JSONResponse:
        return _error(exc.status, exc.code, str(exc), exc.field)

    @app.exception_handler(ImageRejected)
    async def _image(_: Request, exc: ImageRejected) -> JSONResponse:
        return _error(exc.status, exc.code, str(exc))

    return app


async def _healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _metrics() -> Response:
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)
