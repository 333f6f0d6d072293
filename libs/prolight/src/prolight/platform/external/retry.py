"""Bounded retries with capped exponential backoff and jitter, honouring Retry-After.

`RetryPolicy.run(call)` calls `call()` until it returns, or raises an error that is not
`retryable`, or `attempts` calls were made. Between calls it waits the provider's Retry-After
(429; at most `max_retry_after_s`, beyond which waiting is pointless and the error is raised)
or `min(cap_s, base_s · 2^(n-1))` less up to `jitter` of it, so many workers retrying at once
spread out instead of hitting the provider together. Every timing is a setting, so tests run
in milliseconds.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from prolight.platform.external.errors import ExternalError, RateLimited

__all__ = ["RetryPolicy", "parse_retry_after"]

T = TypeVar("T")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if
    absent or unreadable (RFC 9110 §10.2.3)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry (module doc). Times are seconds."""

    attempts: int = 4
    base_s: float = 1.0
    cap_s: float = 30.0
    jitter: float = 0.5
    max_retry_after_s: float = 120.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def backoff(self, attempt: int) -> float:
        """The wait after failed call number `attempt` (1-based), jitter applied."""
        full: float = min(self.cap_s, self.base_s * 2.0 ** (attempt - 1))
        return full * (1.0 - self.jitter * self.rng.random())

    def wait_after(self, error: ExternalError, attempt: int) -> float | None:
        """Seconds to wait before the next call, or None when `error` should be raised now."""
        if not error.retryable or attempt >= self.attempts:
            return None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_retry_after_s else None
        return self.backoff(attempt)

    async def run(
        self,
        call: Callable[[], Awaitable[T]],
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> T:
        """`call()` with retries (module doc); raises the last error when giving up."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await call()
            except ExternalError as exc:
                wait = self.wait_after(exc, attempt)
                if wait is None:
                    raise
                await sleep(wait)
