"""The fake BRIA keeps BRIA's contract, over real HTTP: what it accepts, what it refuses and how
(integer error codes, 404 NOT_FOUND), and its scripted 'accept, then fail' troubles."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from prolight.domain.bria_prompt import to_fibo_prompt
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight_testing.fakes import FakeBria, serve

TOKEN = "fake-bria-token-0a1b2c"
STRUCTURED = to_fibo_prompt(FiboPrompt(scene=get_preset("loop").setup)).as_dict()


@dataclass
class Rig:
    fake: FakeBria
    http: httpx.AsyncClient

    async def submit(self, body: dict[str, Any], **headers: str) -> httpx.Response:
        return await self.http.post(
            "/image/generate", json=body, headers={"api_token": TOKEN, **headers}
        )


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    fake = FakeBria(token=TOKEN, image=b"\x89PNG", in_progress_polls=0)
    async with serve(fake) as url, httpx.AsyncClient(base_url=url, timeout=5) as http:
        yield Rig(fake, http)


def _body(**change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"structured_prompt": json.dumps(STRUCTURED), "seed": 3}
    body.update(change)
    return {k: v for k, v in body.items() if v is not None}


def _prompt(**change: Any) -> str:
    return json.dumps({**STRUCTURED, **change})


def _error(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    assert type(error["code"]) is int
    assert error["code"] == response.status_code
    return error


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(_body(), id="structured_prompt"),
        pytest.param(_body(prompt="warmer light"), id="structured_prompt+prompt"),
        pytest.param(_body(structured_prompt=None, prompt="a cup"), id="prompt"),
        pytest.param(_body(structured_prompt=None, images=["aGk="]), id="images"),
        pytest.param(
            _body(structured_prompt=None, images=["aGk="], prompt="at dusk"), id="images+prompt"
        ),
        pytest.param(_body(guidance_scale=3, steps_num=35, aspect_ratio="16:9"), id="params"),
    ],
)
async def test_documented_requests_are_accepted(rig: Rig, body: dict[str, Any]) -> None:
    response = await rig.submit(body)
    assert response.status_code == 202, response.text
    request_id = response.json()["request_id"]
    status = (await rig.http.get(f"/status/{request_id}", headers={"api_token": TOKEN})).json()
    assert status["status"] == "COMPLETED"
    returned = json.loads(status["result"]["structured_prompt"])
    assert returned["aesthetics"]["aesthetic_score"] == "very high"
    if "structured_prompt" in body:
        assert returned == STRUCTURED
    assert rig.fake.submits == 1


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        pytest.param(_body(structured_prompt=None), 400, "give one of", id="no-input"),
        pytest.param(_body(images=["aGk="]), 400, "give one of", id="images+structured"),
        pytest.param(_body(guidance_scale=7.5), 400, "guidance_scale", id="guidance-7.5"),
        pytest.param(_body(guidance_scale=5.0), 400, "guidance_scale", id="guidance-float"),
        pytest.param(_body(guidance_scale=6), 400, "guidance_scale", id="guidance-6"),
        pytest.param(_body(steps_num=20), 400, "steps_num", id="steps"),
        pytest.param(_body(seed="3"), 400, "seed", id="seed-text"),
        pytest.param(_body(enhance_hdr=True), 400, "enhance_hdr", id="unknown-field"),
        pytest.param(_body(structured_prompt=STRUCTURED), 400, "JSON string", id="not-a-string"),
        pytest.param(_body(structured_prompt=_prompt(mood="x")), 422, "mood", id="extra-field"),
        pytest.param(
            _body(structured_prompt=_prompt(context="")), 422, "context", id="empty-string"
        ),
        pytest.param(
            _body(structured_prompt=_prompt(objects=STRUCTURED["objects"] * 6)),
            422,
            "objects",
            id="six-objects",
        ),
        pytest.param(
            _body(structured_prompt=_prompt(artistic_style="one two three four")),
            422,
            "artistic_style",
            id="long-style",
        ),
    ],
)
async def test_bad_requests_are_refused_with_integer_codes(
    rig: Rig, body: dict[str, Any], status: int, says: str
) -> None:
    response = await rig.submit(body)
    assert response.status_code == status, response.text
    assert says in _error(response)["details"]
    assert rig.fake.submits == 0


async def test_a_wrong_token_is_refused_with_an_integer_code(rig: Rig) -> None:
    response = await rig.submit(_body(), api_token="not-it")
    assert response.status_code == 401
    assert _error(response)["message"] == "Unauthorized"


async def test_an_unknown_or_forgotten_request_is_not_found(rig: Rig) -> None:
    unknown = await rig.http.get("/status/req-9999", headers={"api_token": TOKEN})
    assert (unknown.status_code, unknown.json()) == (404, {"status": "NOT_FOUND"})
    request_id = (await rig.submit(_body())).json()["request_id"]
    rig.fake.forget(request_id)
    gone = await rig.http.get(f"/status/{request_id}", headers={"api_token": TOKEN})
    assert (gone.status_code, gone.json()) == (404, {"status": "NOT_FOUND"})
    assert rig.fake.submits == 1  # it was made (and billed) all the same


async def test_accept_then_5xx_makes_the_job_and_answers_an_error(rig: Rig) -> None:
    rig.fake.script["submit"] = ["accept:503"]
    response = await rig.submit(_body())
    assert response.status_code == 503
    assert _error(response)["code"] == 503
    assert rig.fake.submits == 1
    assert list(rig.fake.jobs) == ["req-0001"]


async def test_accept_then_hang_makes_the_job_and_never_answers(rig: Rig) -> None:
    rig.fake.script["submit"] = ["accept:hang"]
    with pytest.raises(httpx.ReadTimeout):
        await rig.http.post(
            "/image/generate", json=_body(), headers={"api_token": TOKEN}, timeout=0.3
        )
    await asyncio.wait_for(rig.fake.hanging.wait(), 5)
    assert rig.fake.submits == 1


async def test_a_job_stays_in_progress_for_job_seconds_after_its_submit(rig: Rig) -> None:
    rig.fake.job_seconds = 0.3
    request_id = (await rig.submit(_body())).json()["request_id"]

    async def status() -> str:
        answer = await rig.http.get(f"/status/{request_id}", headers={"api_token": TOKEN})
        return str(answer.json()["status"])

    assert await status() == "IN_PROGRESS"  # no polls needed, but not yet 0.3 s old
    await asyncio.sleep(0.35)
    assert await status() == "COMPLETED"
