"""The evaluator's HTTP API (the original README's evaluator endpoints), on the bus path's code.

    POST /eval/clip      images + `prompt` (FIBO JSON or words) or `text`
                         → [{url, score, clip, caption, artifact_id, filename, sha256}, …]
    POST /eval/lpips     images + a reference image
                         → [{url, lpips, lpips_norm, score, reference, artifact_id, …}, …]
    POST /eval/ensemble  images + a reference prompt or a reference image or both
                         [+ `metrics`, `candidate_prompt`, `measured_ratio_stops`]
                         → {scores: [{url, clip, lpips, final, lighting, …}, …], ranking,
                            top: {url, score, …}, reference}
    GET  /eval/models    which models are loaded (or why not), device and precision
    GET  /healthz, /readyz, /metrics (Prometheus: `prolight.platform.metrics`)

Bodies are multipart/form-data (for uploads), urlencoded, or a JSON object with the same
field names (a list for a repeated field; the FIBO prompt as an object or as text). Images are
uploads, artifact ids or this deployment's artifact URLs, never fetched (`uploads`,
`artifact_url`); each answer names an image by `url`.

- The reference prompt: `prompt` is FIBO JSON (its scene gives the lighting checks their
  target and CLIP its caption, `caption.caption`) or, when it does not start with `{`, plain
  words for CLIP; `text` gives CLIP's words too, and wins over the prompt's caption.
- /eval/clip `clip` is the cosine similarity, `score` CLIP's score in [0, 1]:
  `clamp(2.5·cosine, 0, 1)` (`ensemble.metric_score`).
- /eval/lpips `lpips` is the distance to the reference, `lpips_norm = min(lpips / LPIPS_SCALE, 1)`,
  `score = 1 − lpips_norm` (1: the same picture).
- /eval/ensemble scores `metrics` (repeatable or comma-separated; default `lighting,clip,lpips`,
  the original README's ensemble; add `ssim` to weigh SSIM as the bus path does) and combines
  those available into `final` (`ensemble` module doc). A reference prompt makes `clip`
  available, a reference image `lpips` (and `ssim`); the lighting checks (`metrics` module:
  clipping, saturation, colour-temperature drift against the FIBO prompt's key light or else
  the reference image, and the key:fill ratio given a FIBO prompt and `measured_ratio_stops`)
  need only the pixels. "Only CLIP and LPIPS available" is `metrics=clip,lpips` with a prompt
  and a reference image: `final = 0.6·clip + 0.4·(1 − lpips_norm)` with the default weights
  (`clip` meaning its score). A prompt alone gives `(4·lighting + 3·clip) / 7`, an image alone
  `(2·lighting + lpips) / 3`, both `(4·lighting + 3·clip + 2·lpips) / 9`. Each entry is the bus
  path's result for the same input (`scoring`).

Every image goes through the process' `MicroBatcher`, the same one the evaluate tasks use.
Errors are `prolight.contracts.api.ErrorBody` JSON `{code, message, field}` with a stable `code`:
411
length_required, 413 image_too_large / body_too_large, 415 unsupported_media_type, 422
invalid_input / url_refused / unreadable_image / not_an_image, 404 not_found, 503
metric_unavailable (the model behind /eval/clip, /eval/lpips, or every asked ensemble metric
is not loaded).
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from prolight.contracts.api import ErrorBody
from prolight.domain.errors import describe_errors
from prolight.domain.schema import FiboPrompt, LightingSetup
from prolight.platform import metrics
from prolight.platform.blobs import ArtifactStore
from prolight.platform.health import HealthServer
from prolight.platform.http_errors import ApiError, error_response, install_error_handlers
from prolight.platform.store import RunStore
from prolight_evaluator.batcher import MicroBatcher
from prolight_evaluator.caption import caption
from prolight_evaluator.ensemble import LPIPS_SCALE, METRICS, metric_score, rank
from prolight_evaluator.errors import ImageRejected
from prolight_evaluator.models import Models, Unavailable
from prolight_evaluator.scoring import ScoreInput
from prolight_evaluator.uploads import MAX_IMAGES, Source, Sources, Upload, read, sources

__all__ = ["ENSEMBLE_METRICS", "MAX_TEXT_CHARS", "EvalContext", "create_app"]

ENSEMBLE_METRICS = ("lighting", "clip", "lpips")
"""What /eval/ensemble scores unless `metrics` says otherwise: the original README's ensemble."""
MAX_TEXT_CHARS = 2000
"""Longest plain-words prompt or `text` (CLIP reads 77 tokens of it)."""

_BODY_FACTOR = 4
"""A request body may be this many times the per-image limit (a few images and a reference)."""
_MAX_FIELDS = MAX_IMAGES + 16
_IDENTITY = ("url", "artifact_id", "filename", "sha256")


@dataclass(frozen=True)
class EvalContext:
    """What the routes use: the batcher and models, the stores, limits, readiness checks, and
    the gateway's public base URL (whose artifact URLs name images)."""

    batcher: MicroBatcher
    models: Models
    store: RunStore
    blobs: ArtifactStore
    max_upload_bytes: int
    health: HealthServer
    gateway_public_url: str = "http://127.0.0.1:8000"


def _invalid(message: str, field: str) -> ApiError:
    return ApiError(message, status=422, code="invalid_input", field=field)


def _text(form: FormData, name: str) -> str | None:
    """The field's text, None when absent or blank; 422 for a file."""
    raw = form.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise _invalid(f"`{name}` is text, not a file", name)
    return raw.strip() or None


def _setup(form: FormData, name: str) -> LightingSetup | None:
    raw = _text(form, name)
    if raw is None:
        return None
    try:
        return FiboPrompt.model_validate_json(raw).scene
    except ValidationError as exc:
        problems = "; ".join(str(e) for e in describe_errors(exc))
        raise _invalid(f"`{name}` is not a valid FIBO prompt: {problems}", name) from exc


def _words(form: FormData, name: str) -> str | None:
    raw = _text(form, name)
    if raw is not None and len(raw) > MAX_TEXT_CHARS:
        raise _invalid(f"`{name}` is over {MAX_TEXT_CHARS} characters", name)
    return raw


def _prompt(form: FormData) -> tuple[LightingSetup | None, str | None]:
    """(the FIBO prompt's scene, CLIP's text) of the reference prompt (module doc)."""
    raw = _text(form, "prompt")
    fibo = raw is not None and raw.startswith("{")
    setup = _setup(form, "prompt") if fibo else None
    words = _words(form, "text") or (None if fibo else _words(form, "prompt"))
    return setup, words or (None if setup is None else caption(setup))


def _ratio(form: FormData) -> float | None:
    raw = _text(form, "measured_ratio_stops")
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise _invalid("`measured_ratio_stops` is a finite number of stops", "measured_ratio_stops")
    return value


def _asked_metrics(form: FormData) -> frozenset[str]:
    asked = {
        m.strip().lower()
        for raw in form.getlist("metrics")
        if isinstance(raw, str)
        for m in raw.split(",")
        if m.strip()
    }
    unknown = sorted(asked - set(METRICS))
    if unknown:
        raise ApiError(
            f"unknown metric(s) {', '.join(unknown)}; choose from {', '.join(METRICS)}",
            status=422,
            code="invalid_input",
            field="metrics",
        )
    return frozenset(asked or ENSEMBLE_METRICS)


def _json_form(body: bytes) -> FormData:
    """A JSON object as form fields: a list gives one field per item, an object its JSON."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise _invalid(f"the body is not JSON: {exc}", "body") from exc
    if not isinstance(data, dict):
        raise _invalid("the body is a JSON object of fields", "body")
    items: list[tuple[str, str | UploadFile]] = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            if isinstance(item, dict | list):
                items.append((key, json.dumps(item)))
            elif isinstance(item, bool):
                items.append((key, str(item).lower()))
            else:
                items.append((key, str(item)))
    if len(items) > _MAX_FIELDS:
        raise _invalid(f"at most {_MAX_FIELDS} fields", "body")
    return FormData(items)


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _identity(result: dict[str, Any]) -> dict[str, Any]:
    return {k: result.get(k) for k in _IDENTITY}


class _Routes:
    def __init__(self, ctx: EvalContext) -> None:
        self.ctx = ctx

    @asynccontextmanager
    async def _form(self, request: Request) -> AsyncIterator[FormData]:
        limit = self.ctx.max_upload_bytes * _BODY_FACTOR
        declared = request.headers.get("content-length")
        if declared is None:
            raise ApiError(
                "send Content-Length with the upload", status=411, code="length_required"
            )
        if not declared.isdigit() or int(declared) > limit:
            raise ApiError(
                f"the request body is over {limit:,} bytes", status=413, code="body_too_large"
            )
        if _is_json(request.headers.get("content-type")):
            yield _json_form(await request.body())
            return
        try:
            form = await request.form(max_files=MAX_IMAGES + 1, max_fields=_MAX_FIELDS)
        except HTTPException as exc:  # starlette's answer to a malformed or oversized form
            raise _invalid(f"the form does not parse: {exc.detail}", "body") from exc
        try:
            yield form
        finally:
            await form.close()  # the spooled upload files

    def _sources(self, form: FormData) -> Sources:
        return sources(form, self.ctx.gateway_public_url)

    async def _read(self, found: Iterable[Source]) -> list[Upload]:
        ctx = self.ctx
        return [await read(s, ctx.store, ctx.blobs, ctx.max_upload_bytes) for s in found]

    async def _score(self, images: list[Upload], **common: Any) -> list[dict[str, Any]]:
        # Concurrent calls, so a request's images join one batch.
        batcher = self.ctx.batcher

        async def one(upload: Upload) -> dict[str, Any]:
            try:
                return await batcher.score(
                    ScoreInput(image=upload.data, identity=upload.identity, **common)
                )
            except ImageRejected as exc:
                named = type(exc)(f"{upload.identity['url']}: {exc}")
                named.field = upload.field_name
                raise named from exc

        return list(await asyncio.gather(*(one(u) for u in images)))

    def _unavailable(self, metric: str) -> str | None:
        model = getattr(self.ctx.models, metric, None)
        return model.reason if isinstance(model, Unavailable) else None

    def _require(self, metric: str) -> None:
        reason = self._unavailable(metric)
        if reason is not None:
            raise ApiError(
                f"{metric} is unavailable: {reason}", status=503, code="metric_unavailable"
            )

    async def clip(self, request: Request) -> list[dict[str, Any]]:
        self._require("clip")
        async with self._form(request) as form:
            _, caption_text = _prompt(form)
            found = self._sources(form)
            if caption_text is None:
                raise _invalid("give a `prompt` (FIBO JSON or words) or a `text`", "prompt")
            images = await self._read(found.images)
            results = await self._score(images, caption=caption_text, metrics=frozenset({"clip"}))
            return [
                {
                    **_identity(r),
                    "score": metric_score("clip", r["clip"]),
                    "clip": r["clip"],
                    "caption": caption_text,
                }
                for r in results
            ]

    async def lpips(self, request: Request) -> list[dict[str, Any]]:
        self._require("lpips")
        async with self._form(request) as form:
            found = self._sources(form)
            if found.reference is None:
                raise _invalid(
                    "give a reference image: `reference` (upload), `reference_artifact_id` "
                    "or `reference_url`",
                    "reference",
                )
            reference, *images = await self._read([found.reference, *found.images])
            results = await self._score(
                images, reference=reference.data, metrics=frozenset({"lpips"})
            )
            out = []
            for r in results:
                norm = min(r["lpips"] / LPIPS_SCALE, 1.0)
                out.append(
                    {
                        **_identity(r),
                        "lpips": r["lpips"],
                        "lpips_norm": norm,
                        "score": 1.0 - norm,
                        "reference": reference.identity["url"],
                    }
                )
            return out

    async def ensemble(self, request: Request) -> dict[str, Any]:
        async with self._form(request) as form:
            requested, caption_text = _prompt(form)
            rendered = _setup(form, "candidate_prompt")
            ratio = _ratio(form)
            asked = _asked_metrics(form)
            found = self._sources(form)
            if caption_text is None and found.reference is None:
                raise _invalid(
                    "give a reference prompt (`prompt`: FIBO JSON or words, or `text`), a "
                    "reference image (`reference`, `reference_artifact_id`, `reference_url`), "
                    "or both",
                    "prompt",
                )
            for name, value in (("candidate_prompt", rendered), ("measured_ratio_stops", ratio)):
                if value is not None and requested is None:
                    raise _invalid(f"`{name}` is judged against a FIBO JSON `prompt`", name)
            self._check_metrics(asked, caption_text is not None, found.reference is not None)
            reference = None
            if found.reference is not None:
                [reference] = await self._read([found.reference])
            images = await self._read(found.images)
            results = await self._score(
                images,
                requested=requested,
                rendered=rendered,
                measured_ratio_stops=ratio,
                caption=caption_text,
                reference=None if reference is None else reference.data,
                metrics=asked,
            )
            # The first of the best, as `rank` orders ties.
            best = results[min(range(len(results)), key=lambda i: -float(results[i]["final"]))]
            return {
                "scores": results,
                "ranking": rank(results),
                "top": {**_identity(best), "score": best["final"]},
                "reference": None if reference is None else reference.identity["url"],
            }

    def _check_metrics(self, asked: frozenset[str], prompt: bool, image: bool) -> None:
        """422 when no asked metric fits the request, 503 when the models of all that do are
        not loaded."""
        possible = {"lighting"} | ({"clip"} if prompt else set())
        possible |= {"lpips", "ssim"} if image else set()
        fitting = [m for m in METRICS if m in asked & possible]
        if not fitting:
            raise _invalid(
                f"none of the asked metrics ({', '.join(sorted(asked))}) can be scored here: "
                "clip needs a prompt, lpips and ssim a reference image",
                "metrics",
            )
        reasons = [f"{m}: {r}" for m in fitting if (r := self._unavailable(m)) is not None]
        if len(reasons) == len(fitting):
            raise ApiError(
                "no asked metric is available: " + "; ".join(reasons),
                status=503,
                code="metric_unavailable",
            )

    async def models(self) -> dict[str, str]:
        return self.ctx.models.describe()

    async def readyz(self) -> JSONResponse:
        ready, report = await self.ctx.health.readiness()
        body = {"status": "ready" if ready else "not_ready", "checks": report}
        return JSONResponse(body, status_code=200 if ready else 503)


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

    install_error_handlers(app)

    @app.exception_handler(ImageRejected)
    async def _image(_: Request, exc: ImageRejected) -> JSONResponse:
        body = ErrorBody(code=exc.code, message=str(exc), field=exc.field)
        return error_response(exc.status, body)

    return app


async def _healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _metrics() -> Response:
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)
