"""A fake BRIA v2 API (../shared/reference/bria-fibo-facts.md), for tests.

- `POST /image/generate` (and `/image/generate/lite`): checks the `api_token` header and the
  documented body (structured_prompt a JSON string, seed, aspect_ratio, steps_num 35–50 or
  8–30 on lite, guidance_scale 3–5), then answers 202 `{request_id, status_url}`. A 400 names a
  bad field.
- `GET /status/{request_id}`: `IN_PROGRESS` for `in_progress_polls` polls, then the job's
  `outcome`: COMPLETED with `result {image_url, seed, structured_prompt}`, ERROR with
  `error {code, message, details}`, or UNKNOWN (forever).
- `GET /images/{request_id}.png?sig=…`: the image bytes (a pre-signed URL: no token needed;
  `image_requests_with_token` counts the requests that carried one anyway).

`script` plays troubles (see `asgi.Trouble`) on the routes `submit`, `status` and `image`.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from prolight.external.fakes.asgi import Answer, FakeApp, FakeRequest

__all__ = ["FakeBria", "FakeJob"]

_ASPECTS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9")


@dataclass
class FakeJob:
    """One submitted generation."""

    request_id: str
    body: dict[str, Any]
    polls: int = 0


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
        self.jobs: dict[str, FakeJob] = {}
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
        """Generations accepted (each one BRIA would bill)."""
        return len(self.jobs)

    def base(self, request: FakeRequest) -> str:
        return f"http://{request.headers.get('host', '127.0.0.1')}"

    async def handle(self, request: FakeRequest) -> Answer:
        route = self.route(request)
        if route == "image":
            if "api_token" in request.headers:
                self.image_requests_with_token += 1
            request_id = request.path.rsplit("/", 1)[-1].removesuffix(".png")
            if request_id not in self.jobs or "sig=" not in request.query:
                return Answer(404, {"message": "no such image"})
            return Answer(200, raw=self.image, content_type=self.content_type)
        if request.headers.get("api_token") != self.token:
            return Answer(401, {"message": "Unauthorized"})
        if route == "submit":
            return self._submit(request)
        return self._status(request)

    def _submit(self, request: FakeRequest) -> Answer:
        body = request.json()
        if not isinstance(body, dict):
            return Answer(400, {"message": "the body is not a JSON object"})
        problem = _check(body, lite=request.path.endswith("/lite"))
        if problem:
            return Answer(400, {"error": {"code": 400, "message": problem}})
        request_id = f"req-{len(self.jobs) + 1:04d}"
        self.jobs[request_id] = FakeJob(request_id, body)
        self.max_in_flight = max(self.max_in_flight, len(self.jobs) - len(self.finished))
        status_url = f"{self.base(request)}/status/{request_id}"
        return Answer(202, {"request_id": request_id, "status_url": status_url})

    def _status(self, request: FakeRequest) -> Answer:
        request_id = request.path.rsplit("/", 1)[-1]
        job = self.jobs.get(request_id)
        if job is None:
            return Answer(404, {"message": f"unknown request {request_id}"})
        job.polls += 1
        self.polled.set()
        if job.polls <= self.in_progress_polls or len(self.jobs) < self.hold_until_submits:
            return Answer(200, {"request_id": request_id, "status": "IN_PROGRESS"})
        self.finished.add(request_id)
        if self.outcome == "ERROR":
            error = {"code": "GEN_FAILED", "message": "generation failed", "details": "GPU fault"}
            return Answer(200, {"request_id": request_id, "status": "ERROR", "error": error})
        if self.outcome == "UNKNOWN":
            return Answer(200, {"request_id": request_id, "status": "UNKNOWN"})
        prompt = json.loads(job.body["structured_prompt"])
        prompt["aesthetics"] = {**prompt.get("aesthetics", {}), "aesthetic_score": "very high"}
        result = {
            "image_url": f"{self.base(request)}/images/{request_id}.png?sig=s3cr3t-signature",
            "seed": job.body.get("seed"),
            "structured_prompt": json.dumps(prompt),
        }
        return Answer(200, {"request_id": request_id, "status": "COMPLETED", "result": result})


def _check(body: dict[str, Any], *, lite: bool) -> str | None:
    """The first way `body` breaks the documented request, or None."""
    prompt = body.get("structured_prompt")
    if not isinstance(prompt, str):
        return "structured_prompt must be a JSON string"
    try:
        if not isinstance(json.loads(prompt), dict):
            return "structured_prompt must encode an object"
    except ValueError:
        return "structured_prompt is not valid JSON"
    if "prompt" in body or "images" in body:
        return "give exactly one of prompt, images, structured_prompt"
    seed = body.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        return "seed must be an integer"
    if body.get("aspect_ratio", "1:1") not in _ASPECTS:
        return "aspect_ratio is not supported"
    low, high = (8, 30) if lite else (35, 50)
    if not low <= int(body.get("steps_num", high)) <= high:
        return f"steps_num must be {low}-{high}"
    if not 3 <= float(body.get("guidance_scale", 5)) <= 5:
        return "guidance_scale must be 3-5"
    return None
