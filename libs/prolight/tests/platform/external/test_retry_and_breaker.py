"""Retries: bounded, capped, jittered, Retry-After honoured; the circuit breaker's states."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import pytest

from prolight.platform.external import (
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


def _call(breaker: CircuitBreaker) -> None:
    """One caller through the breaker, leaving without an outcome."""
    with breaker.admit():
        pass


def test_the_breaker_opens_cools_down_and_closes() -> None:
    now = [0.0]
    breaker = CircuitBreaker("BRIA", threshold=3, cooldown_s=10, clock=lambda: now[0])
    assert [breaker.failure() for _ in range(3)] == [False, False, True]
    with pytest.raises(CircuitOpen, match="after 3 failures in a row; not calling BRIA for"):
        _call(breaker)
    now[0] = 10.5
    assert breaker.state == "half-open"
    with breaker.admit():  # one trial call may go
        assert breaker.failure() is True  # the trial failed: open again
    with pytest.raises(CircuitOpen):
        _call(breaker)
    now[0] = 21
    with breaker.admit():
        breaker.success()
    assert breaker.state == "closed"
    assert breaker.failures == 0


def _half_open() -> tuple[CircuitBreaker, list[float]]:
    """A breaker that opened at t=0 (threshold 2, cooldown 10 s) and is half-open at t=10."""
    now = [0.0]
    breaker = CircuitBreaker("BRIA", threshold=2, cooldown_s=10, clock=lambda: now[0])
    breaker.failure()
    assert breaker.failure() is True
    now[0] = 10.0
    assert breaker.state == "half-open"
    return breaker, now


async def _concurrent_calls(
    breaker: CircuitBreaker, n: int, outcome: Callable[[], object]
) -> tuple[int, int]:
    """`n` callers check the breaker at once; those admitted wait until every caller has
    been admitted or refused, then report `outcome`. Returns (admitted, refused)."""
    admitted = 0
    refusals: list[str] = []
    everyone_in = asyncio.Event()

    def arrived() -> None:
        if admitted + len(refusals) == n:
            everyone_in.set()

    async def call() -> None:
        nonlocal admitted
        try:
            with breaker.admit():
                admitted += 1
                arrived()
                await everyone_in.wait()
                outcome()
        except CircuitOpen as exc:
            refusals.append(str(exc))
            arrived()

    await asyncio.gather(*(call() for _ in range(n)))
    assert all("one trial call to BRIA is under way" in r for r in refusals)
    return admitted, len(refusals)


async def test_half_open_admits_exactly_one_of_concurrent_callers_and_its_success_closes() -> None:
    breaker, _ = _half_open()
    assert await _concurrent_calls(breaker, 5, breaker.success) == (1, 4)
    assert breaker.state == "closed"
    assert breaker.failures == 0
    assert await _concurrent_calls(breaker, 3, breaker.success) == (3, 0)  # closed: all go


async def test_a_failed_trial_reopens_the_breaker_for_the_full_cooldown() -> None:
    breaker, now = _half_open()
    assert await _concurrent_calls(breaker, 5, breaker.failure) == (1, 4)
    assert breaker.state == "open"
    now[0] = 19.9  # 9.9 s after the trial failed at t=10
    with pytest.raises(CircuitOpen, match="after 3 failures in a row; not calling BRIA for"):
        _call(breaker)
    now[0] = 20.0
    assert breaker.state == "half-open"
    _call(breaker)  # the next trial


async def test_a_cancelled_trial_frees_the_slot() -> None:
    breaker, _ = _half_open()
    inside = asyncio.Event()

    async def trial() -> None:
        with breaker.admit():
            inside.set()
            await asyncio.Event().wait()  # until cancelled

    task = asyncio.create_task(trial())
    waiting = asyncio.create_task(inside.wait())
    await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    if task.done():
        task.result()  # the trial ended before it got in: raise why
    with pytest.raises(CircuitOpen, match="trial call to BRIA is under way"):
        _call(breaker)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    _assert_next_caller_is_the_trial(breaker)


def test_a_trial_that_fails_in_a_way_that_does_not_count_frees_the_slot() -> None:
    breaker, _ = _half_open()
    with pytest.raises(AuthRejected), breaker.admit():
        raise AuthRejected("BRIA rejected the API token")
    _assert_next_caller_is_the_trial(breaker)


def _assert_next_caller_is_the_trial(breaker: CircuitBreaker) -> None:
    assert breaker.state == "half-open"
    with breaker.admit():  # the next caller is the new trial ...
        with pytest.raises(CircuitOpen):  # ... and holds the slot in turn
            _call(breaker)
        breaker.success()
    assert breaker.state == "closed"


def test_admit_in_the_closed_and_open_states() -> None:
    breaker, now = _half_open()
    now[0] = 5.0
    with pytest.raises(CircuitOpen, match="not calling BRIA for another 5 s"), breaker.admit():
        raise AssertionError("the block must not run while open")
    now[0] = 10.0
    with breaker.admit():
        breaker.success()
    with breaker.admit(), breaker.admit():  # closed: no slot to hold
        pass
