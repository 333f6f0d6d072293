"""BRIA FIBO v2 over HTTP: submit a structured prompt, poll its status, download the image.

The contract (../shared/reference/bria-fibo-facts.md): `POST {base}/image/generate` with header
`api_token` answers 202 `{request_id, status_url}`; `GET {base}/status/{request_id}` answers
`{status: IN_PROGRESS | COMPLETED | ERROR | UNKNOWN}`, with `result {image_url, seed,
structured_prompt}` on COMPLETED and `error {code, message, details}` on ERROR. BRIA keeps
results three days, so the image is downloaded as soon as it is COMPLETED.

- Status polls count against BRIA's per-minute rate limit, so the interval grows by half each
  poll up to `poll_max_interval_s`, and a 429 waits its Retry-After.
- The status URL is built from our base URL and the request id, never taken from the answer:
  the token goes to BRIA's host only. The image is downloaded *without* the token (its URL is
  pre-signed, on a CDN).
- Every HTTP exchange is handed to the `audit` callback as a `CallRecord`.
- The circuit breaker counts 5xx, timeouts, dropped connections and UNKNOWN; once open, calls
  fail at once with `CircuitOpen` until its cooldown ends.
- What is sent is a `GenerateRequest`: FIBO's structured prompt, checked against FIBO's schema
  on the very JSON string that leaves (`BriaRequestError` otherwise: our bug, never sent), and
  BRIA's parameters in their documented ranges (`guidance_scale` an integer 3–5).
- The submit is retried only when BRIA provably never got it: no connection was made
  (`Unreachable`) or BRIA refused it with 429 (after its Retry-After). A 5xx, a timeout or a
  dropped connection after the request went out may hide a job BRIA accepted and bills, and
  BRIA offers no idempotency key or job listing to find it: `SubmitUnconfirmed`, not sent
  again (docs/decisions/bria-submit-retries.md). Status polls and downloads are reads and
  are retried on any transient failure; a 404 on a status is `JobNotFound`.

One module over 400 lines on purpose: submit, poll and download share the retry, rate-limit
and token rules above, which read best side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Self

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from prolight.domain.bria_fibo import FiboSchemaError, FiboStructuredPrompt
from prolight.domain.errors import ProLightError, describe_errors
from prolight.platform.external import (
    AuthRejected,
    BadResponse,
    CallRecord,
    CircuitBreaker,
    CircuitOpen,
    ContentRejected,
    ExternalError,
    GenerationFailed,
    RateLimited,
    RequestRejected,
    RetryPolicy,
    Unavailable,
    scrub,
    send,
)
from prolight.platform.external.calls import MAX_REASON_CHARS, raise_for_status, url_summary
from prolight.platform.external.errors import Unreachable

__all__ = [
    "PROVIDER",
    "Audit",
    "BriaClient",
    "BriaConfig",
    "BriaImage",
    "BriaJob",
    "BriaRequestError",
    "GenerateRequest",
    "JobNotFound",
    "SubmitUnconfirmed",
]

PROVIDER = "BRIA"

AspectRatio = Literal["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9"]


class BriaRequestError(ProLightError):
    """Raised when a request we built breaks BRIA's contract or FIBO's schema: a ProLight
    bug, so the request is not sent (retrying cannot help)."""


class SubmitUnconfirmed(ExternalError):
    """Raised when the generation request may have reached BRIA but no usable answer came
    (5xx, a timeout or a dropped connection after sending, a 2xx without a request id): BRIA
    may have made, and will bill, a job we cannot find, so it is not sent again."""


class JobNotFound(RequestRejected):
    """Raised when BRIA answers 404 `{"status": "NOT_FOUND"}` for a job's status: the request
    id is unknown to it or expired (results are kept three days)."""


# Failures after which BRIA provably made no job: no connection, a 429, a refusal, no call.
_NO_JOB = (Unreachable, RateLimited, AuthRejected, ContentRejected, RequestRejected, CircuitOpen)


class GenerateRequest(BaseModel):
    """The body of `POST /image/generate` as we send it (`structured_prompt` alone, as
    FIBO's Raw mode: no translator in between). `steps_num` 35–50 (lite 8–30, which the
    settings check), `guidance_scale` an integer 3–5, `negative_prompt` None for none."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    structured_prompt: FiboStructuredPrompt
    seed: int
    aspect_ratio: AspectRatio
    steps_num: int = Field(50, ge=8, le=50)
    guidance_scale: int = Field(5, ge=3, le=5)
    negative_prompt: str | None = Field(None, min_length=1)
    model_version: Literal["FIBO"] = "FIBO"
    prompt_content_moderation: bool = True
    visual_output_content_moderation: bool = True
    sync: bool = False

    @model_validator(mode="after")
    def _fibo_accepts_what_is_sent(self) -> Self:
        # The nested model may have been built without validation (`model_construct`): check
        # the JSON that will be sent, as FIBO parses it.
        FiboStructuredPrompt.check_json(self.structured_prompt.to_json())
        return self

    @classmethod
    def build(cls, **fields: Any) -> GenerateRequest:
        """A checked request; raises `BriaRequestError` naming every bad field."""
        try:
            return cls(**fields)
        except ValidationError as exc:
            problems = "; ".join(str(e) for e in describe_errors(exc))
            raise BriaRequestError(
                f"the {PROVIDER} request breaks its contract: {problems}"
            ) from exc

    def body(self) -> dict[str, Any]:
        """The JSON body: the structured prompt as a JSON string in FIBO's field order, checked
        once more as the string that leaves, exactly as FIBO checks it."""
        text = self.structured_prompt.to_json()
        try:
            FiboStructuredPrompt.check_json(text)
        except FiboSchemaError as exc:
            raise BriaRequestError(f"not sent to {PROVIDER}: {exc}") from exc
        rest = self.model_dump(mode="json", exclude={"structured_prompt"}, exclude_none=True)
        return {"structured_prompt": text, **rest}


Audit = Callable[[CallRecord], Awaitable[None]]
"""Receives every call's record (the generator appends it to the run's audit log)."""


@dataclass(frozen=True)
class BriaConfig:
    """How to reach BRIA and how patient to be. Times are seconds, the price USD per image."""

    base_url: str
    token: str
    endpoint: str = "/image/generate"
    request_timeout_s: float = 30.0
    poll_interval_s: float = 2.0
    poll_max_interval_s: float = 10.0
    poll_timeout_s: float = 300.0
    unknown_limit: int = 3
    max_download_bytes: int = 50 * 1024 * 1024
    price_usd: float = 0.04


@dataclass(frozen=True)
class BriaJob:
    """A submitted generation BRIA works on."""

    request_id: str


@dataclass(frozen=True)
class BriaImage:
    """A finished generation: where to fetch it, and the seed and structured prompt BRIA used."""

    request_id: str
    image_url: str
    seed: int | None
    structured_prompt: Any
    warning: str | None = None


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class BriaClient:
    """BRIA's v2 API for one process (module doc); share one per process with its breaker."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        config: BriaConfig,
        *,
        retry: RetryPolicy,
        breaker: CircuitBreaker,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.http = http
        self.config = config
        self.retry = retry
        self.breaker = breaker
        self._sleep = sleep

    # -- helpers ---------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self.config.base_url.rstrip("/") + path

    def _scrub(self, text: str) -> str:
        return scrub(text, [self.config.token])

    async def _exchange(
        self,
        method: str,
        path: str,
        record: CallRecord,
        audit: Audit,
        *,
        body: dict[str, Any] | None = None,
    ) -> Any:
        """One authenticated call to BRIA through the breaker: the JSON answer of a 2xx."""
        with self.breaker.admit():  # frees a half-open trial that ends without an outcome
            try:
                response, record.latency_ms = await send(
                    self.http,
                    method,
                    self._url(path),
                    provider=PROVIDER,
                    headers={"api_token": self.config.token},
                    json=body,
                    timeout=self.config.request_timeout_s,
                )
                record.status = response.status_code
                raise_for_status(response, PROVIDER, [self.config.token])
                try:
                    answer = response.json()
                except ValueError as exc:
                    raise BadResponse(f"{PROVIDER} answered without JSON") from exc
                if not isinstance(answer, dict):
                    raise BadResponse(f"{PROVIDER} answered JSON that is not an object")
            except ExternalError as exc:
                counts = isinstance(exc, Unavailable) and not isinstance(exc, RateLimited)
                if counts and self.breaker.failure():
                    exc = type(exc)(
                        f"{exc}; {PROVIDER} circuit breaker now open for "
                        f"{self.breaker.cooldown_s:g} s",
                        status=exc.status,
                    )
                await audit(record.failed(exc))
                raise exc from exc.__cause__
            self.breaker.success()
            return answer

    # -- the three calls -------------------------------------------------------------------

    async def submit(self, request: GenerateRequest, audit: Audit) -> BriaJob | BriaImage:
        """Ask BRIA for one image. A 202 gives a job to `wait` for; a 200 that already carries
        the result (sync mode) gives the image.

        Sent again only while BRIA provably has no job: after `Unreachable` (no connection
        was made) or a 429 (after its Retry-After), up to the retry policy's attempts. Any
        other failure after the request went out (5xx, read timeout, dropped connection, a
        2xx without a request id) raises `SubmitUnconfirmed` at once: BRIA may have accepted
        and bill a job whose id we never saw, and it has no idempotency key to ask with, so a
        second request could pay twice. Refusals (401/403, 422, other 4xx) and `CircuitOpen`
        raise as they are. `BriaRequestError` when the request breaks the contract: not sent.
        """
        body = request.body()
        prompt_text = str(body["structured_prompt"])
        summary = {
            k: v for k, v in body.items() if k not in ("structured_prompt", "negative_prompt")
        }
        summary["structured_prompt_sha256"] = _sha(prompt_text)
        summary["structured_prompt_chars"] = len(prompt_text)
        summary["negative_prompt"] = bool(body.get("negative_prompt"))
        endpoint = f"POST {self.config.endpoint}"

        async def attempt() -> BriaJob | BriaImage:
            record = CallRecord(PROVIDER, endpoint, request=summary)
            try:
                answer = await self._exchange(
                    "POST", self.config.endpoint, record, audit, body=body
                )
                request_id = answer.get("request_id")
                if not isinstance(request_id, str) or not request_id:
                    error = BadResponse(f"{PROVIDER} accepted the request without a request_id")
                    await audit(record.failed(error))
                    raise error
            except _NO_JOB:
                raise
            except ExternalError as exc:
                raise SubmitUnconfirmed(
                    f"{PROVIDER} may have accepted the generation request, but no usable "
                    f"answer came ({exc}); it is not sent again, so that the image is not paid "
                    "for twice: try again later"
                ) from exc
            record.request_id = request_id
            record.cost_usd = self.config.price_usd
            record.response = {
                "request_id": request_id,
                "status_url": url_summary(str(answer.get("status_url") or "")) or None,
            }
            if isinstance(answer.get("result"), dict):  # answered synchronously
                image = self._image(request_id, answer)
                record.response["image_url"] = url_summary(image.image_url)
                await audit(record)
                return image
            await audit(record)
            return BriaJob(request_id)

        return await self.retry.run(attempt, sleep=self._sleep)

    async def wait(self, job: BriaJob, audit: Audit) -> BriaImage:
        """Poll the job's status until COMPLETED (module doc for the pacing).

        Raises `GenerationFailed` on ERROR, `Unavailable` after `unknown_limit` UNKNOWNs in a
        row or `poll_timeout_s` without an end, `JobNotFound` when BRIA does not know the
        request id (404), and what a poll raises after its retries.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.poll_timeout_s
        interval = self.config.poll_interval_s
        unknown = 0
        while True:
            if loop.time() >= deadline:
                raise Unavailable(
                    f"{PROVIDER} did not finish request {job.request_id} within "
                    f"{self.config.poll_timeout_s:g} s"
                )
            await self._sleep(interval)
            answer = await self._poll(job, audit)
            status = answer.get("status")
            if status == "COMPLETED":
                return self._image(job.request_id, answer)
            if status == "ERROR":
                raw = answer.get("error")
                error: dict[str, Any] = raw if isinstance(raw, dict) else {}
                what = ": ".join(
                    str(error[k]) for k in ("code", "message", "details") if error.get(k)
                )
                reason = self._scrub(" ".join((what or "no details given").split()))
                raise GenerationFailed(
                    f"{PROVIDER} could not generate the image: {reason[:MAX_REASON_CHARS]}"
                )
            if status == "UNKNOWN":
                unknown += 1
                if unknown >= self.config.unknown_limit:
                    self.breaker.failure()
                    raise Unavailable(
                        f"{PROVIDER} reported status UNKNOWN {unknown} times in a row for "
                        f"request {job.request_id}"
                    )
            elif status == "IN_PROGRESS":
                unknown = 0
            else:
                raise BadResponse(f"{PROVIDER} reported an unknown status {str(status)[:40]!r}")
            interval = min(interval * 1.5, self.config.poll_max_interval_s)

    async def _poll(self, job: BriaJob, audit: Audit) -> dict[str, Any]:
        path = f"/status/{job.request_id}"

        async def attempt() -> dict[str, Any]:
            record = CallRecord(PROVIDER, "GET /status/{request_id}", request_id=job.request_id)
            try:
                answer: dict[str, Any] = await self._exchange("GET", path, record, audit)
            except RequestRejected as exc:
                if exc.status != 404:
                    raise
                raise JobNotFound(
                    f"{PROVIDER} does not know request {job.request_id} (404 NOT_FOUND: unknown "
                    "or expired)",
                    status=404,
                ) from exc
            record.response = {"status": answer.get("status")}
            if isinstance(answer.get("error"), dict):
                record.response["error"] = {
                    k: self._scrub(str(v))[:MAX_REASON_CHARS]
                    for k, v in answer["error"].items()
                    if k in ("code", "message")
                }
            await audit(record)
            return answer

        return await self.retry.run(attempt, sleep=self._sleep)

    def _image(self, request_id: str, answer: dict[str, Any]) -> BriaImage:
        result = answer.get("result")
        if not isinstance(result, dict) or not isinstance(result.get("image_url"), str):
            raise BadResponse(f"{PROVIDER} reported COMPLETED without result.image_url")
        seed = result.get("seed")
        prompt = result.get("structured_prompt")
        if isinstance(prompt, str):
            with contextlib.suppress(ValueError):  # else kept as BRIA sent it
                prompt = json.loads(prompt)
        warning = answer.get("warning") or result.get("warning")
        return BriaImage(
            request_id=request_id,
            image_url=result["image_url"],
            seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
            structured_prompt=prompt,
            warning=self._scrub(str(warning))[:MAX_REASON_CHARS] if warning else None,
        )

    async def download(self, image: BriaImage, audit: Audit) -> tuple[bytes, str]:
        """The image's bytes and content type, fetched at once and without the token."""

        async def attempt() -> tuple[bytes, str]:
            record = CallRecord(
                PROVIDER,
                "GET image_url",
                request_id=image.request_id,
                request={"url": url_summary(image.image_url)},
            )
            try:
                response, record.latency_ms = await send(
                    self.http,
                    "GET",
                    image.image_url,
                    provider=f"{PROVIDER} image host",
                    timeout=self.config.request_timeout_s,
                    follow_redirects=True,  # no key on this request to leak
                )
                record.status = response.status_code
                raise_for_status(response, f"{PROVIDER} image host", [self.config.token])
                data = response.content
                if len(data) > self.config.max_download_bytes:
                    raise BadResponse(
                        f"{PROVIDER}'s image is {len(data):,} bytes; the limit is "
                        f"{self.config.max_download_bytes:,}"
                    )
                if not data:
                    raise BadResponse(f"{PROVIDER}'s image download was empty")
            except ExternalError as exc:
                await audit(record.failed(exc))
                raise
            content_type = response.headers.get("content-type", "application/octet-stream")
            record.response = {"bytes": len(data), "content_type": content_type}
            await audit(record)
            return data, content_type

        return await self.retry.run(attempt, sleep=self._sleep)
