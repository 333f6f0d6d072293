"""A fake BRIA v2 API (../shared/reference/bria-fibo-facts.md), for tests.

- `POST /image/generate` (and `/image/generate/lite`): checks the `api_token` header and the
  documented body: one of `prompt`, `images`, `images` + `prompt`, `structured_prompt`,
  `structured_prompt` + `prompt`; `structured_prompt` a JSON string that FIBO's schema accepts
  in strict mode (`prolight.domain.bria_fibo.FiboStructuredPrompt`, 422 otherwise); `seed` an
  integer; `aspect_ratio` one of BRIA's; `steps_num` an integer 35–50 (8–30 on lite);
  `guidance_scale` an integer 3–5; no field BRIA does not document (400 names it). Then it
  answers 202 `{request_id, status_url}`: the job exists, and BRIA would bill it.
- `GET /status/{request_id}`: `IN_PROGRESS` for `in_progress_polls` polls (and, with
  `job_seconds`, until that many seconds passed since the submit), then the job's
  `outcome`: COMPLETED with `result {image_url, seed, structured_prompt}`, ERROR with
  `error {code, message, details}`, or UNKNOWN (forever). An unknown (or `forget`-ten) request
  id answers 404 `{"status": "NOT_FOUND"}`, as BRIA does for an expired one.
- `GET /images/{request_id}.png?sig=…`: the image bytes (a pre-signed URL: no token needed;
  `image_requests_with_token` counts the requests that carried one anyway).

Error bodies carry integer codes: `{"error": {"code": 400, "message", "details"}}`.
`script` plays troubles (see `asgi.Trouble`) on the routes `submit`, `status` and `image`;
`"accept:503"` or `"accept:hang"` on `submit` creates the job, then answers 503 or nothing.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from prolight.domain.bria_fibo import FiboSchemaError, FiboStructuredPrompt
from prolight_testing.fakes.asgi import Answer, FakeApp, FakeRequest, error_body

__all__ = ["FakeBria", "FakeJob"]

_ASPECTS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9")
_INPUTS = (
    {"prompt"},
    {"images"},
    {"images", "prompt"},
    {"structured_prompt"},
    {"structured_prompt", "prompt"},
)
_FIELDS = frozenset(
    {
        "prompt",
        "images",
        "structured_prompt",
        "seed",
        "negative_prompt",
        "aspect_ratio",
        "model_version",
        "steps_num",
        "guidance_scale",
        "sync",
        "webhook_url",
        "resolution",
        "ip_signal",
        "prompt_content_moderation",
        "visual_input_content_moderation",
        "visual_output_content_moderation",
    }
)
_FLAGS = (
    "sync",
    "ip_signal",
    "prompt_content_moderation",
    "visual_input_content_moderation",
    "visual_output_content_moderation",
)
_QUALITY = {"preference_score": "very high", "aesthetic_score": "very high"}


@dataclass
class FakeJob:
    """One submitted generation."""

    request_id: str
    body: dict[str, Any]
    """The request body as it came."""
    structured_prompt: str
    """What the job renders: the prompt sent in FIBO's clean form, as BRIA returns it."""
    polls: int = 0
    submitted_at: float = field(default_factory=time.monotonic)
    """`time.monotonic()` at the submit."""


class _Refused(Exception):
    """A request the fake refuses: its status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class FakeBria(FakeApp):
    """The fake (module doc). `outcome` is COMPLETED, ERROR or UNKNOWN for every job."""

    def __init__(
        self,
        *,
        token: str,
        image: bytes,
        in_progress_polls: int = 2,
        outcome: str = "COMPLETED",
        content_type: str = "image/png",
        hold_until_submits: int = 0,
        job_seconds: float = 0.0,
    ) -> None:
        super().__init__()
        self.token = token
        self.image = image
        self.content_type = content_type
        self.in_progress_polls = in_progress_polls
        self.outcome = outcome
        self.hold_until_submits = hold_until_submits
        """Jobs stay IN_PROGRESS until this many were submitted: only a client that keeps
        that many jobs in flight at once gets any back."""
        self.job_seconds = job_seconds
        """Seconds a job takes, counted from its submit (BRIA's 20–35 s, scaled down): the
        latency a generator waits out, whatever its polling."""
        self.jobs: dict[str, FakeJob] = {}
        self.accepted: list[str] = []
        """Request ids of every job accepted, in order (each one BRIA would bill)."""
        self.finished: set[str] = set()
        self.max_in_flight = 0
        """The most jobs submitted and not yet answered COMPLETED/ERROR at one time."""
        self.image_requests_with_token = 0
        self.polled = asyncio.Event()
        """Set on the first status poll: a test waits on it instead of sleeping."""

    def route(self, request: FakeRequest) -> str:
        if request.method == "POST":
            return "submit"
        if request.path.startswith("/status/"):
            return "status"
        return "image"

    @property
    def submits(self) -> int:
        """Generations accepted (each one BRIA would bill), forgotten ones included."""
        return len(self.accepted)

    def forget(self, request_id: str) -> None:
        """Drop a job, as BRIA does with results after three days: its status becomes 404."""
        self.jobs.pop(request_id, None)

    def base(self, request: FakeRequest) -> str:
        return f"http://{request.headers.get('host', '127.0.0.1')}"

    async def handle(self, request: FakeRequest) -> Answer:
        route = self.route(request)
        if route == "image":
            if "api_token" in request.headers:
                self.image_requests_with_token += 1
            request_id = request.path.rsplit("/", 1)[-1].removesuffix(".png")
            if request_id not in self.jobs or "sig=" not in request.query:
                return Answer(404, error_body(404, "no such image"))
            return Answer(200, raw=self.image, content_type=self.content_type)
        if request.headers.get("api_token") != self.token:
            return Answer(401, error_body(401, "Unauthorized", "invalid api_token"))
        if route == "submit":
            return self._submit(request)
        return self._status(request)

    def _submit(self, request: FakeRequest) -> Answer:
        body = request.json()
        try:
            if not isinstance(body, dict):
                raise _Refused(400, "the body is not a JSON object")
            prompt = _check(body, lite=request.path.endswith("/lite"))
        except _Refused as exc:
            return Answer(exc.status, error_body(exc.status, "invalid request", str(exc)))
        request_id = f"req-{len(self.accepted) + 1:04d}"
        self.accepted.append(request_id)
        self.jobs[request_id] = FakeJob(request_id, body, prompt)
        live = [r for r in self.jobs if r not in self.finished]
        self.max_in_flight = max(self.max_in_flight, len(live))
        status_url = f"{self.base(request)}/status/{request_id}"
        return Answer(202, {"request_id": request_id, "status_url": status_url})

    def _status(self, request: FakeRequest) -> Answer:
        request_id = request.path.rsplit("/", 1)[-1]
        job = self.jobs.get(request_id)
        if job is None:
            return Answer(404, {"status": "NOT_FOUND"})
        job.polls += 1
        self.polled.set()
        if (
            job.polls <= self.in_progress_polls
            or self.submits < self.hold_until_submits
            or time.monotonic() - job.submitted_at < self.job_seconds
        ):
            return Answer(200, {"request_id": request_id, "status": "IN_PROGRESS"})
        self.finished.add(request_id)
        if self.outcome == "ERROR":
            error = error_body(500, "generation failed", "GPU fault")["error"]
            return Answer(200, {"request_id": request_id, "status": "ERROR", "error": error})
        if self.outcome == "UNKNOWN":
            return Answer(200, {"request_id": request_id, "status": "UNKNOWN"})
        result = {
            "image_url": f"{self.base(request)}/images/{request_id}.png?sig=s3cr3t-signature",
            "seed": job.body.get("seed"),
            "structured_prompt": job.structured_prompt,
        }
        return Answer(200, {"request_id": request_id, "status": "COMPLETED", "result": result})


def _check(body: dict[str, Any], *, lite: bool) -> str:
    """The structured prompt the job renders (FIBO's clean JSON string); raises `_Refused`
    naming the first way `body` breaks the documented request."""
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise _Refused(400, f"unknown fields: {', '.join(unknown)}")
    given = {k for k in ("prompt", "images", "structured_prompt") if body.get(k) is not None}
    if given not in _INPUTS:
        raise _Refused(
            400, "give one of prompt, images, images + prompt, structured_prompt, "
            "structured_prompt + prompt"
        )  # fmt: skip
    if "prompt" in given and not (isinstance(body["prompt"], str) and body["prompt"].strip()):
        raise _Refused(400, "prompt must be a non-empty string")
    if "images" in given and not (isinstance(body["images"], list) and len(body["images"]) == 1):
        raise _Refused(400, "images must hold exactly one image")
    if "structured_prompt" in given:
        text = body["structured_prompt"]
        if not isinstance(text, str):
            raise _Refused(400, "structured_prompt must be a JSON string")
        try:
            prompt = FiboStructuredPrompt.check_json(text)
        except FiboSchemaError as exc:
            raise _Refused(422, str(exc)) from exc
    else:  # the translator's work, which the fake does not do: a stand-in prompt
        prompt = _stand_in(str(body.get("prompt") or "the reference image"))
    _check_params(body, lite=lite)
    cleaned = prompt.as_dict()
    cleaned["aesthetics"].update(_QUALITY)  # as FIBO's cleaner does
    return json.dumps(cleaned)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_params(body: dict[str, Any], *, lite: bool) -> None:
    seed = body.get("seed")
    if seed is not None and not _is_int(seed):
        raise _Refused(400, "seed must be an integer")
    if body.get("aspect_ratio", "1:1") not in _ASPECTS:
        raise _Refused(400, "aspect_ratio is not supported")
    if body.get("model_version", "FIBO") != "FIBO":
        raise _Refused(400, "model_version must be FIBO")
    low, high = (8, 30) if lite else (35, 50)
    steps = body.get("steps_num", high)
    if not _is_int(steps) or not low <= steps <= high:
        raise _Refused(400, f"steps_num must be an integer {low}-{high}")
    guidance = body.get("guidance_scale", 5)
    if not _is_int(guidance) or not 3 <= guidance <= 5:
        raise _Refused(400, "guidance_scale must be an integer 3-5")
    negative = body.get("negative_prompt")
    if negative is not None and not isinstance(negative, str):
        raise _Refused(400, "negative_prompt must be a string")
    for flag in _FLAGS:
        if flag in body and not isinstance(body[flag], bool):
            raise _Refused(400, f"{flag} must be a boolean")


def _stand_in(text: str) -> FiboStructuredPrompt:
    return FiboStructuredPrompt.check(
        {
            "short_description": text,
            "objects": [{"description": text, "location": "center", "relationship": "alone"}],
            "background_setting": "plain backdrop",
            "lighting": {"conditions": "studio lighting", "direction": "front-lit"},
            "aesthetics": {
                "composition": "centered",
                "color_scheme": "neutral",
                "mood_atmosphere": "calm",
            },
            "context": "a stand-in for the translator's prompt",
        }
    )
