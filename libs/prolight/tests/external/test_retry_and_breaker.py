"""Retries: bounded, capped, jittered, Retry-After honoured; the circuit breaker's states."""

from __future__ import annotations

import random

import pytest

from prolight.external import (
    AuthRejected,
    CircuitBreaker,
    CircuitOpen,
    RateLimited,
    RetryPolicy,
    Unavailable,
)


class Flaky:
    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def _policy(**kw: float) -> tuple[RetryPolicy, list[float]]:
    slept: list[float] = []
    policy = RetryPolicy(rng=random.Random(1), **kw)  # type: ignore[arg-type]
    return policy, slept


async def test_retryable_errors_are_retried_with_capped_growing_waits() -> None:
    policy, slept = _policy(attempts=5, base_s=1, cap_s=3, jitter=0)

    async def sleep(s: float) -> None:
        slept.append(s)

    call = Flaky(*[Unavailable("down")] * 4)
    assert await policy.run(call, sleep=sleep) == "ok"
    assert slept == [1, 2, 3, 3]


async def test_it_gives_up_after_the_attempts() -> None:
    policy, slept = _policy(attempts=3, base_s=0, cap_s=0)

    async def sleep(s: float) -> None:
        slept.append(s)

    call = Flaky(*[Unavailable("down")] * 5)
    with pytest.raises(Unavailable):
        await policy.run(call, sleep=sleep)
    assert call.calls == 3


async def test_a_final_error_is_not_retried() -> None:
    policy, _ = _policy()
    call = Flaky(AuthRejected("BRIA rejected the API token"))
    with pytest.raises(AuthRejected):
        await policy.run(call)
    assert call.calls == 1


async def test_retry_after_is_honoured_up_to_its_limit() -> None:
    policy, slept = _policy(max_retry_after_s=10)

    async def sleep(s: float) -> None:
        slept.append(s)

    assert await policy.run(Flaky(RateLimited("429", retry_after=4)), sleep=sleep) == "ok"
    assert slept == [4]
    with pytest.raises(RateLimited):
        await policy.run(Flaky(RateLimited("429", retry_after=11)), sleep=sleep)
    assert slept == [4]


def test_jitter_spreads_waits_below_the_full_backoff() -> None:
    policy = RetryPolicy(base_s=1, cap_s=30, jitter=0.5, rng=random.Random(3))
    waits = [policy.backoff(3) for _ in range(50)]
    assert all(2 <= w <= 4 for w in waits)
    assert len(set(waits)) > 40


def test_the_breaker_opens_cools_down_and_closes() -> None:
    now = [0.0]
    breaker = CircuitBreaker("BRIA", threshold=3, cooldown_s=10, clock=lambda: now[0])
    assert [breaker.failure() for _ in range(3)] == [False, False, True]
    with pytest.raises(CircuitOpen, match="after 3 failures in a row; not calling BRIA for"):
        breaker.check()
    now[0] = 10.5
    assert breaker.state == "half-open"
    breaker.check()  # one trial call may go
    assert breaker.failure() is True  # the trial failed: open again
    with pytest.raises(CircuitOpen):
        breaker.check()
    now[0] = 21
    breaker.check()
    breaker.success()
    assert breaker.state == "closed"
    assert breaker.failures == 0
