"""A circuit breaker: after `threshold` failures in a row, refuse calls for `cooldown_s`.

closed ──threshold failures in a row──▶ open ──cooldown_s later──▶ half-open (one trial call)
half-open ──success──▶ closed;  half-open ──failure──▶ open again, for the full cooldown_s

Half-open admits one caller at a time, the trial; callers that come while it runs are refused
with `CircuitOpen`, as while open. A trial that reports neither outcome (it was cancelled, or
failed in a way that does not count) frees its slot when it leaves `admit()`, so the next
caller becomes the trial: the breaker never stays half-open with nobody allowed through.

Only failures that say the provider is in trouble count (5xx, timeouts, dropped connections,
UNKNOWN); a refused key or a moderated prompt says nothing about its health. One breaker per
process and provider: every task of the process shares what it learnt.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prolight.platform.external.errors import CircuitOpen

__all__ = ["CircuitBreaker"]


class CircuitBreaker:
    """Counts consecutive failures of one provider (module doc).

    Use one call as `with breaker.admit(): …` and report its outcome inside the block with
    `success()` or `failure()` (when it counts). `clock` gives seconds (monotonic).
    """

    def __init__(
        self,
        name: str,
        *,
        threshold: int = 5,
        cooldown_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial: object | None = None  # the token of the half-open trial under way

    @property
    def state(self) -> str:
        """`closed`, `open` or `half-open`."""
        if self._opened_at is None:
            return "closed"
        return "open" if self._clock() - self._opened_at < self.cooldown_s else "half-open"

    @property
    def failures(self) -> int:
        """Failures in a row so far."""
        return self._failures

    @contextmanager
    def admit(self) -> Iterator[None]:
        """One call through the breaker: raises `CircuitOpen` before the block runs when no
        call may be made now; in half-open the first caller becomes the trial and holds the
        slot until it reports `success()` or `failure()`, or leaves the block without an
        outcome (it was cancelled, or raised an error that does not count)."""
        token = self._admit()
        try:
            yield
        finally:
            if token is not None and self._trial is token:
                self._trial = None

    def success(self) -> None:
        """A call worked: close the breaker."""
        self._failures = 0
        self._opened_at = None
        self._trial = None

    def failure(self) -> bool:
        """A call failed in a way that counts; True if this opened (or re-opened) the breaker."""
        self._failures += 1
        if self.state == "half-open" or (
            self._opened_at is None and self._failures >= self.threshold
        ):
            self._opened_at = self._clock()
            self._trial = None
            return True
        return False

    def _admit(self) -> object | None:
        """Refuse or admit one caller; the trial's token when it is half-open's trial."""
        state = self.state
        if state == "closed":
            return None
        if state == "open":
            assert self._opened_at is not None
            left = self.cooldown_s - (self._clock() - self._opened_at)
            raise CircuitOpen(
                f"{self.name} circuit breaker is open after {self._failures} failures in a row; "
                f"not calling {self.name} for another {left:.0f} s"
            )
        if self._trial is not None:
            raise CircuitOpen(
                f"{self.name} circuit breaker is half-open after {self._failures} failures in a "
                f"row; one trial call to {self.name} is under way, not calling it meanwhile"
            )
        self._trial = token = object()
        return token
