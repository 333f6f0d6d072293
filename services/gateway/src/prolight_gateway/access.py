"""Who is calling, and how fast they may start runs.

Keys are on when `PROLIGHT_API_KEYS_FILE` names a keys file (`prolight.platform.api_keys`); the
gateway refuses to start without one unless `PROLIGHT_LOCAL_DEV` says this is a local development
run. With keys on every `/api` request needs `X-API-Key` (401 `api_key_missing` /
`api_key_invalid` otherwise), runs belong to the key's owner, and another owner's runs and
artifacts answer 404 as if they did not exist. The file is re-read when it changes
(`LiveKeyRing`), so a revoked key is refused from the next request on. With keys off every
caller is `anonymous` and sees every run.

Starting a run (`deps.get_run_start`: generate, natural-language, inspire, refine, final) and
translating a description (`POST /api/translate`, a Gemini call) spend from the caller's token
bucket: `generate_burst` at once, refilled at `generate_rate_per_min`; a request over the limit
is 429 `rate_limited` with `Retry-After` (whole seconds until one may go). Limits apply only
with keys on: without keys there is no identity to limit fairly.

The buckets live in the NATS key-value bucket `RATE_LIMITS_BUCKET`, one entry per owner, so all
gateway replicas share them. Spending is a compare-and-set loop: read the entry and its
revision, refill by the time elapsed, write the entry back only if its revision is still the
one read (else another replica spent meanwhile: read again). The time in an entry is wall-clock
seconds (replicas share no monotonic clock) and never goes back, so a replica whose clock lags
refills nothing until it catches up. When NATS cannot be reached the answer is 503
`bus_unavailable`.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from prolight.platform.api_keys import ANONYMOUS, LiveKeyRing
from prolight.platform.bus import Bus, BusError
from prolight.platform.bus.errors import BusTimeoutError, nats_errors
from prolight.platform.http_errors import RateLimited, ServiceUnavailable, Unauthorized

__all__ = [
    "RATE_LIMITS_BUCKET",
    "Access",
    "SharedRateLimit",
    "open_rate_limit",
    "spend",
]

RATE_LIMITS_BUCKET = "prolight-rate-limits"
"""The NATS key-value bucket of the per-key token buckets (one entry per owner)."""
CAS_ATTEMPTS = 32
"""Compare-and-set rounds before a spend gives up (503): each lost round means another replica
spent from the same key in between, so this many is contention no real client makes."""


def spend(
    tokens: float, at: float, now: float, *, per_min: float, burst: int
) -> tuple[float, float, float]:
    """One spend from a bucket holding `tokens` at time `at` (seconds), at time `now`:
    (seconds to wait — 0 when a token was spent —, tokens left, time to store with them).

    The stored time never goes back: a clock behind `at` refills nothing."""
    now = max(now, at)
    tokens = min(float(burst), tokens + (now - at) * per_min / 60.0)
    if tokens >= 1.0:
        return 0.0, tokens - 1.0, now
    return (1.0 - tokens) * 60.0 / per_min, tokens, now


def _entry_key(owner: str) -> str:
    # Owners may hold '@', which a KV key may not: hex keeps every owner a valid key.
    return "owner." + owner.encode().hex()


@dataclass(frozen=True)
class _Seen:
    """An owner's entry as this replica last read or wrote it."""

    revision: int
    tokens: float
    at: float


@dataclass(frozen=True)
class SharedRateLimit:
    """Per-owner token buckets in a NATS key-value bucket, shared by every gateway replica.

    Each replica remembers the entry it last read or wrote. A spend is first tried against it
    (one round trip when this replica wrote last); a lost compare-and-set reads the entry
    again. A refusal needs no round trip: other replicas only ever take tokens from an entry,
    so the one remembered here holds at least as many as the stored one. One spend per owner
    runs at a time in a replica: a concurrent one would only lose the compare-and-set.
    """

    kv: KeyValue
    per_min: float
    burst: int
    clock: Callable[[], float] = time.time
    """Wall-clock seconds: every replica's entries are written on the same time scale."""
    _seen: dict[str, _Seen] = field(default_factory=dict, repr=False)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict, repr=False)

    async def take(self, owner: str) -> float:
        """0 when `owner` may go now (a token is spent), else seconds until one is free.

        Raises `BusError` when NATS cannot be reached or does not answer."""
        async with self._locks.setdefault(owner, asyncio.Lock()):
            return await self._take(owner)

    async def _take(self, owner: str) -> float:
        key = _entry_key(owner)
        seen = self._seen.get(owner)
        for _ in range(CAS_ATTEMPTS):
            if seen is None:
                seen = await self._read(key)
            wait, left, now = spend(
                seen.tokens, seen.at, self.clock(), per_min=self.per_min, burst=self.burst
            )
            if wait > 0:
                return wait  # nothing spent, nothing to write
            value = json.dumps({"tokens": left, "at": now}).encode()
            with nats_errors("spend from the rate limit"):
                try:
                    revision = await self.kv.update(key, value, last=seen.revision)
                except KeyWrongLastSequenceError:
                    seen = None  # another replica spent from this key: read it again
                    continue
            self._seen[owner] = _Seen(revision, left, now)
            return 0.0
        raise BusTimeoutError(f"the rate limit of {owner!r} kept changing: {CAS_ATTEMPTS} tries")

    async def _read(self, key: str) -> _Seen:
        with nats_errors("read the rate limit"):
            try:
                entry = await self.kv.get(key)
            except KeyNotFoundError as exc:  # never spent, or unused for the TTL: full
                # A deleted entry leaves a marker whose revision the next write must name.
                revision = exc.entry.revision if exc.entry is not None else 0
                return _Seen(revision or 0, float(self.burst), self.clock())
        stored = json.loads(entry.value or b"{}")
        return _Seen(entry.revision or 0, float(stored["tokens"]), float(stored["at"]))


async def open_rate_limit(
    bus: Bus, per_min: float, burst: int, *, replicas: int
) -> SharedRateLimit:
    """The shared rate limit, its key-value bucket declared (kept on `replicas` servers)."""
    # An entry unused this long has refilled to the burst anyway; forgetting it is the same.
    full_after_s = burst * 60.0 / per_min
    kv = await bus.key_value(
        RATE_LIMITS_BUCKET, ttl_s=max(86_400.0, 2 * full_after_s), replicas=replicas
    )
    return SharedRateLimit(kv, per_min, burst)


@dataclass(frozen=True)
class Access:
    """The gateway's keys (None: keys off) and, with keys on, the shared rate limit."""

    keys: LiveKeyRing | None
    limit: SharedRateLimit | None = None
    bus: Bus | None = None
    """Asked whether it is connected before a spend: a link that is down is a 503 at once."""

    def limited(self, limit: SharedRateLimit, bus: Bus) -> Access:
        """This access with `limit` spent from (through `bus`)."""
        return replace(self, limit=limit, bus=bus)

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

    async def spend(self, owner: str) -> None:
        """Spend one of `owner`'s tokens (a run, a translation); raises `RateLimited` when none
        is left, `ServiceUnavailable` (503 `bus_unavailable`) when NATS cannot be reached.
        Nothing happens with keys off."""
        if self.keys is None or self.limit is None:
            return
        if self.bus is not None and not self.bus.is_connected:
            raise ServiceUnavailable(
                "the rate limit cannot be checked: the NATS connection is down",
                code="bus_unavailable",
            )
        try:
            wait = await self.limit.take(owner)
        except BusError as exc:
            raise ServiceUnavailable(
                f"the rate limit cannot be checked: {exc}", code="bus_unavailable"
            ) from exc
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise RateLimited(
                f"this key has started too many runs and translations; try again in {seconds} s",
                retry_after_s=seconds,
            )
