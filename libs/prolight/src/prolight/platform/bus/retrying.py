"""Retrying a JetStream call through a leader election, within a bounded time.

When a JetStream cluster loses the server that leads a stream (or a consumer), the others elect
a new leader within seconds. Meanwhile a call sees one of `TRANSIENT`: its answer never comes
(the request went to the dead leader, or to a follower that drops it), no server takes the
subject (nats-py: no responders), or JetStream answers 503. `with_retries` calls again after a
capped backoff until its budget is spent, then raises the matching `BusError` naming how many
attempts it made; any other error is raised at once. Only idempotent calls go through it: a
publish under its `Nats-Msg-Id`, a read.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import nats.errors
import nats.js.errors

from prolight.platform.bus.errors import translate

__all__ = ["CONSUMER_CREATE_S", "TRANSIENT", "backoff", "with_retries"]

log = logging.getLogger(__name__)
T = TypeVar("T")

TRANSIENT: tuple[type[BaseException], ...] = (
    TimeoutError,  # nats.errors.TimeoutError and BusTimeoutError are TimeoutErrors too
    nats.errors.NoRespondersError,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.ServiceUnavailableError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.StaleConnectionError,
)
"""What a stream or consumer without a leader looks like to a caller."""

CONSUMER_CREATE_S = 1.0
"""Seconds one attempt to create an ephemeral consumer waits. The server answers in
milliseconds — unless it placed the consumer on a member of the stream that is down, which
nats-server 2.9 does for about one create in three for as long as that member is gone (measured
on the test cluster); that create is never answered, and only a new attempt lands elsewhere."""

_BACKOFF_FIRST_S = 0.05
_BACKOFF_CAP_S = 1.0
_MIN_ATTEMPT_S = 0.25  # the shortest answer wait worth a last attempt


def backoff(attempt: int) -> float:
    """Seconds to wait after the `attempt`-th failure: doubling from 50 ms, capped at 1 s, with
    ±25 % jitter so callers that failed together do not retry together."""
    base: float = min(_BACKOFF_FIRST_S * 2.0 ** (attempt - 1), _BACKOFF_CAP_S)
    return base * random.uniform(0.75, 1.25)


async def with_retries(
    call: Callable[[float], Awaitable[T]], action: str, *, timeout: float, retry_for: float
) -> T:
    """`await call(wait)`, called again on a `TRANSIENT` error for up to `retry_for` seconds.

    `wait` is the seconds one attempt may wait for an answer: `timeout`, cut to the time left
    (at least 0.25 s), so it gives up within `retry_for` + 0.25 s (with `retry_for` 0: one
    attempt of `timeout`). Raises the `BusError` of the last error (`translate`), its message
    ending in the attempts made, e.g. "(7 attempts in 10.1 s)"; a non-transient nats error
    at once.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    deadline = start + retry_for
    attempt = 0
    while True:
        attempt += 1
        left = deadline - loop.time()
        wait = timeout if retry_for <= 0 else min(timeout, max(left, _MIN_ATTEMPT_S))
        try:
            result = await call(wait)
        except TRANSIENT as exc:
            now = loop.time()
            if now >= deadline:
                tried = f"{attempt} attempt{'s' if attempt > 1 else ''} in {now - start:.1f} s"
                raise translate(exc, f"{action} ({tried})") from exc
            log.warning(
                "%s: attempt %d failed after %.1f s (%s); retrying",
                action,
                attempt,
                now - start,
                type(exc).__name__,
            )
            await asyncio.sleep(min(backoff(attempt), deadline - now))
        except (nats.errors.Error, OSError) as exc:
            raise translate(exc, action) from exc
        else:
            if attempt > 1:
                log.info("%s: done after %d attempts", action, attempt)
            return result
