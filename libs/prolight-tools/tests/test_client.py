"""The client's run-starting POSTs: an Idempotency-Key on each, the same key on its retries,
and which failures it sends again. The gateway is an httpx mock here, answering as the
gateway does; services/gateway/tests/test_idempotency.py runs the client against the real one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight_tools import client as client_module
from prolight_tools.client import (
    START_ATTEMPTS,
    GatewayUnavailable,
    ProLightClient,
    RequestRejected,
)

ACCEPTED = {
    "run_id": "run_1",
    "status": "created",
    "queued_steps": 3,
    "stream_token": "t",
    "links": {"status": "s", "stream": "e", "ws": "w"},
    # What refine, final and inspire add (each answer model ignores the others' fields).
    "parent_run_id": "run_0",
    "parent_artifact_id": "a",
    "seed": 1,
    "changes": [],
    "notes": [],
    "measured": {},
    "prompt": FiboPrompt(scene=get_preset("loop").setup).model_dump(mode="json"),
}


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without their backoff: what is tested is what is sent, not when."""
    monkeypatch.setattr(client_module, "_START_BACKOFF_S", (0.0,))
    monkeypatch.setattr(client_module, "_MAX_RETRY_AFTER_S", 0.0)


class Gateway:
    """A scripted gateway: answers (or raises) in turn, and keeps every request it got."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers: Iterator[httpx.Response | Exception] = iter(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = next(self.answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def client(self) -> ProLightClient:
        return ProLightClient("http://gateway.test", transport=httpx.MockTransport(self))

    @property
    def keys(self) -> list[str | None]:
        return [r.headers.get("Idempotency-Key") for r in self.requests]


def error(status: int, code: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": "m"}, headers=headers)


def accepted() -> httpx.Response:
    return httpx.Response(202, json=ACCEPTED)


STARTS: list[Any] = [
    pytest.param(lambda c, **k: c.generate({"x": 1}, **k), id="generate"),
    pytest.param(lambda c, **k: c.generate({"x": 1}, natural_language=True, **k), id="described"),
    pytest.param(lambda c, **k: c.refine("run_0", {"instruction": "i"}, **k), id="refine"),
    pytest.param(lambda c, **k: c.final("run_0", **k), id="final"),
    pytest.param(lambda c, **k: c.inspire({"artifact_id": "a"}, **k), id="inspire"),
]


@pytest.mark.parametrize("start", STARTS)
async def test_every_run_start_sends_a_fresh_key(start: Callable[..., Any]) -> None:
    gateway = Gateway(accepted(), accepted())
    async with gateway.client() as c:
        await start(c)
        await start(c)

    first, second = gateway.keys
    assert first is not None
    assert second is not None
    assert uuid.UUID(first) != uuid.UUID(second)  # two calls are two requests


@pytest.mark.parametrize("start", STARTS)
async def test_a_given_key_is_sent(start: Callable[..., Any]) -> None:
    gateway = Gateway(accepted())
    async with gateway.client() as c:
        await start(c, idempotency_key="order-42")
    assert gateway.keys == ["order-42"]


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(httpx.ReadTimeout("slow"), id="read-timeout"),
        pytest.param(httpx.RemoteProtocolError("dropped"), id="connection-dropped"),
        pytest.param(error(503, "bus_unavailable"), id="503"),
        pytest.param(error(409, "idempotency_in_progress", **{"Retry-After": "3"}), id="409"),
    ],
)
async def test_a_lost_or_deferred_answer_is_asked_again_under_the_same_key(
    failure: httpx.Response | Exception,
) -> None:
    gateway = Gateway(failure, failure, accepted())
    async with gateway.client() as c:
        run = await c.generate({"x": 1})

    assert run.run_id == "run_1"
    assert len(gateway.requests) == 3
    assert len(set(gateway.keys)) == 1
    assert [r.content for r in gateway.requests] == [gateway.requests[0].content] * 3


async def test_retries_end_with_the_last_error() -> None:
    gateway = Gateway(*[error(503, "bus_unavailable")] * START_ATTEMPTS)
    async with gateway.client() as c:
        with pytest.raises(RequestRejected) as caught:
            await c.generate({"x": 1})
    assert caught.value.code == "bus_unavailable"
    assert len(gateway.requests) == START_ATTEMPTS


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(error(422, "idempotency_key_reused"), id="key-reused"),
        pytest.param(error(422, "invalid_input"), id="invalid"),
        pytest.param(error(409, "run_not_completed"), id="409-other"),
        pytest.param(error(429, "rate_limited", **{"Retry-After": "9"}), id="rate-limited"),
    ],
)
async def test_a_refusal_is_not_sent_again(failure: httpx.Response) -> None:
    gateway = Gateway(failure)
    async with gateway.client() as c:
        with pytest.raises(RequestRejected):
            await c.generate({"x": 1})
    assert len(gateway.requests) == 1


async def test_nothing_answering_is_not_retried() -> None:
    gateway = Gateway(httpx.ConnectError("refused"))
    async with gateway.client() as c:
        with pytest.raises(GatewayUnavailable, match="no gateway at"):
            await c.generate({"x": 1})
    assert len(gateway.requests) == 1
