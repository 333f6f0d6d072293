"""`with_retries`: what is retried, for how long, and the error once the budget is spent."""

from __future__ import annotations

import time

import nats.errors
import nats.js.errors
import pytest

from prolight.platform.bus import BusConfigError, BusTimeoutError, BusUnavailableError
from prolight.platform.bus.retrying import backoff, with_retries


class Flaky:
    """Raises `errors` in turn, then returns the attempt's wait; records every wait."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.waits: list[float] = []

    async def __call__(self, wait: float) -> float:
        self.waits.append(wait)
        if self.errors:
            raise self.errors.pop(0)
        return wait


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(nats.errors.TimeoutError(), id="no-ack"),
        pytest.param(nats.js.errors.NoStreamResponseError(), id="no-responders"),
        pytest.param(nats.js.errors.ServiceUnavailableError(), id="js-503"),
        pytest.param(nats.errors.ConnectionReconnectingError(), id="reconnecting"),
    ],
)
async def test_an_election_is_retried_until_it_answers(error: BaseException) -> None:
    call = Flaky(error, error)
    assert await with_retries(call, "publish", timeout=2.0, retry_for=5.0) == 2.0
    assert len(call.waits) == 3


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        pytest.param(nats.errors.TimeoutError(), BusTimeoutError, id="no-ack"),
        pytest.param(nats.js.errors.NoStreamResponseError(), BusUnavailableError, id="no-stream"),
    ],
)
async def test_the_budget_bounds_the_retries_then_the_error_names_them(
    error: BaseException, raised: type[Exception]
) -> None:
    call = Flaky(*[error] * 1000)
    started = time.monotonic()
    with pytest.raises(raised, match=r"publish x \(\d+ attempts in 0\.[5-9] s\)"):
        await with_retries(call, "publish x", timeout=2.0, retry_for=0.5)
    assert 0.5 <= time.monotonic() - started < 1.5
    assert len(call.waits) > 2
    assert max(call.waits) <= 0.5  # an attempt waits no longer than the time left


async def test_no_budget_is_one_attempt_of_the_full_timeout() -> None:
    call = Flaky(nats.errors.TimeoutError())
    with pytest.raises(BusTimeoutError, match=r"\(1 attempt in"):
        await with_retries(call, "publish", timeout=2.0, retry_for=0)
    assert call.waits == [2.0]


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        pytest.param(nats.errors.ConnectionClosedError(), BusUnavailableError, id="closed"),
        pytest.param(nats.js.errors.BadRequestError(), BusConfigError, id="bad-request"),
    ],
)
async def test_other_errors_are_raised_at_once(
    error: BaseException, raised: type[Exception]
) -> None:
    call = Flaky(error)
    with pytest.raises(raised):
        await with_retries(call, "publish", timeout=2.0, retry_for=10.0)
    assert len(call.waits) == 1


def test_the_backoff_doubles_to_a_one_second_cap_with_jitter() -> None:
    assert 0.0375 <= backoff(1) <= 0.0625
    assert 0.075 <= backoff(2) <= 0.125
    assert all(0.75 <= backoff(n) <= 1.25 for n in range(6, 40))
