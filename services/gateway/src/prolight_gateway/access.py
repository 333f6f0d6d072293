"""Who is calling, and how fast they may start runs.

Keys are off unless `PROLIGHT_API_KEYS_FILE` names a keys file (`prolight.platform.api_keys`): then
every `/api` request needs `X-API-Key` (401 `api_key_missing` / `api_key_invalid` otherwise),
runs belong to the key's owner, and another owner's runs and artifacts answer 404 as if they
did not exist. With keys off every caller is `anonymous` and sees every run.

The generate endpoints are rate limited per owner with a token bucket: `generate_burst` runs
at once, refilled at `generate_rate_per_min`; a request over the limit is 429 `rate_limited`
with `Retry-After` (whole seconds until a run may start). Limits apply only with keys on:
without keys there is no identity to limit fairly.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from prolight.platform.api_keys import ANONYMOUS, KeyRing
from prolight.platform.http_errors import RateLimited, Unauthorized

__all__ = ["Access", "TokenBucket"]


@dataclass
class TokenBucket:
    """`burst` tokens, refilled at `per_min` a minute; `take()` spends one or says how long."""

    per_min: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    _tokens: dict[str, tuple[float, float]] = field(default_factory=dict)  # owner → (n, at)

    def take(self, owner: str) -> float:
        """0 when `owner` may go now (a token is spent), else seconds until one is free."""
        now = self.clock()
        tokens, at = self._tokens.get(owner, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.per_min / 60.0)
        if tokens >= 1.0:
            self._tokens[owner] = (tokens - 1.0, now)
            return 0.0
        self._tokens[owner] = (tokens, now)
        return (1.0 - tokens) * 60.0 / self.per_min


@dataclass(frozen=True)
class Access:
    """The gateway's key ring (None: keys off) and the generate endpoints' rate limit."""

    keys: KeyRing | None
    limit: TokenBucket

    def caller(self, api_key: str | None) -> str:
        """The owner `api_key` belongs to (`anonymous` with keys off); raises `Unauthorized`."""
        if self.keys is None:
            return ANONYMOUS
        if not api_key:
            raise Unauthorized(
                "this gateway needs an API key: send it in the X-API-Key header",
                code="api_key_missing",
            )
        owner = self.keys.owner_of(api_key)
        if owner is None:
            raise Unauthorized("the API key is not one this gateway issued")
        return owner

    def start_run(self, owner: str) -> None:
        """Spend one of `owner`'s runs; raises `RateLimited` when none is left (keys on)."""
        if self.keys is None:
            return
        wait = self.limit.take(owner)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise RateLimited(
                f"too many runs started with this key; try again in {seconds} s",
                retry_after_s=seconds,
            )
