"""A circuit breaker: after `threshold` failures in a row, refuse calls for `cooldown_s`.

closed ──threshold failures in a row──▶ open ──cooldown_s later──▶ half-open (one trial call)
half-open ──success──▶ closed;  half-open ──failure──▶ open again

Only failures that say the provider is in trouble count (5xx, timeouts, dropped connections,
UNKNOWN); a refused key or a moderated prompt says nothing about its health. One breaker per
process and provider: every task of the process shares what it learnt.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prolight.external.errors import CircuitOpen

__all__ = ["CircuitBreaker"]


class CircuitBreaker:
    """Counts consecutive failures of one provider (module doc)."""

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

    def check(self) -> None:
        """Raise `CircuitOpen` when no call may be made now."""
        if self.state == "open":
            assert self._opened_at is not None
            left = self.cooldown_s - (self._clock() - self._opened_at)
            raise CircuitOpen(
                f"{self.name} circuit breaker is open after {self._failures} failures in a row; "
                f"not calling {self.name} for another {left:.0f} s"
            )

    def success(self) -> None:
        """A call worked: close the breaker."""
        self._failures = 0
        self._opened_at = None

    def failure(self) -> bool:
        """A call failed in a way that counts; True if this opened (or re-opened) the breaker."""
        self._failures += 1
        if self.state == "half-open" or (
            self._opened_at is None and self._failures >= self.threshold
        ):
            self._opened_at = self._clock()
            return True
        return False
