"""Idempotency keys: a run-starting POST sent again with the same `Idempotency-Key` answers the
run the first one started instead of starting another.

A client may send `Idempotency-Key` (1–255 printable ASCII characters, no space at either end)
on `POST /api/generate/*` (lighting setup, natural language, inspire), refine and final. Keys
belong to the caller (the API key's owner; `anonymous` with keys off): one owner's key never
meets another's. The gateway keeps one record per (owner, key) in the NATS key-value bucket
`prolight-idempotency` (TTL `PROLIGHT_IDEMPOTENCY_TTL_S`, a day by default, counted from the
run's acceptance; `PROLIGHT_NATS_REPLICAS` copies; a bucket keeps the TTL it was created with),
so every gateway replica sees it:

    KV key   sha256(owner NUL key), hex (a KV key allows only a few characters)
    value    `IdempotencyRecord`: the request's fingerprint (sha256 of method, path, query and
             body bytes), the run id chosen at the first claim, when it was claimed, and once
             the run is accepted the 202 body (or, after a failed publish, `released`)

A request with a key, in order (`run_start.py` drives it):

1. Before the rate limit: the caller (401), the header (422 `invalid_idempotency_key`), then
   `IdempotencyKey.settle(claim=False)`. Accepted with the same fingerprint: the route answers
   that again (202, same `run_id`, a fresh stream token and links) without spending a run of
   the rate limit or doing any work. Another fingerprint: 422 `idempotency_key_reused`. In
   flight: wait (4). None: spend a run (429) and go on.
2. The route validates and does its work (translation, measuring the image…): a 4xx there
   claims nothing.
3. Right before `run.created` is published, `settle(claim=True)` claims the key (`kv.create`:
   the record without an answer), the run is published under the claim's run id, and `answer`
   stores the 202 body (`kv.update` at the claim's revision). A failure between the claim and
   the publish's ack (503 `bus_unavailable`, the client gone) `release`s the claim: the record
   says so and keeps its run id. The retry claims it again and publishes under the same run
   id, so a `run.created` whose ack was lost but which landed is still one run (the planner
   records a run insert-if-absent). The same key with another request after a release is a new
   request: it claims the key with a new run id.
4. The same key held by a request in flight (two at once, on any replica): the later one reads
   the record every few milliseconds for up to `PROLIGHT_IDEMPOTENCY_WAIT_S` (10 s); answered →
   that answer; deleted → it claims the key itself; still in flight → 409
   `idempotency_in_progress`, Retry-After the seconds until the claim counts as abandoned. Of
   concurrent requests exactly one publishes: `kv.create` lets one win.
5. A claim unanswered for longer than `claim_lifetime` (the longest a publish may take, plus a
   margin) is one a gateway died holding: the next request takes it over (`kv.update` at its
   revision) and keeps its run id, so if that gateway's `run.created` did land, the planner,
   which records a run insert-if-absent, still records one run.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import nats.js.errors
from nats.js.kv import KeyValue
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from prolight.contracts.api import RunAccepted, new_run_id
from prolight.platform.bus import BusError
from prolight.platform.bus.errors import nats_errors
from prolight.platform.http_errors import Conflict, InvalidRequest, ServiceUnavailable
from prolight_gateway.settings import GatewaySettings

__all__ = [
    "HEADER",
    "IDEMPOTENCY_BUCKET",
    "KEY_PATTERN",
    "Claim",
    "IdempotencyKey",
    "IdempotencyRecord",
    "InProgress",
    "check_key",
    "claim_lifetime",
    "fingerprint",
    "record_key",
]

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
IDEMPOTENCY_BUCKET = "prolight-idempotency"
KEY_PATTERN = r"^[!-~]([ -~]{0,253}[!-~])?$"
"""1–255 printable ASCII characters, no space first or last (HTTP strips those anyway)."""

_KEY = re.compile(KEY_PATTERN)
_CLAIM_MARGIN_S = 5.0
_POLL_S = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
_LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)


def check_key(key: str) -> str:
    """`key` if it is a usable idempotency key (`KEY_PATTERN`); else 422 naming the header."""
    if not _KEY.fullmatch(key):
        raise InvalidRequest(
            f"{HEADER} must be 1–255 printable ASCII characters without a space at either end",
            field=HEADER,
            code="invalid_idempotency_key",
        )
    return key


class IdempotencyRecord(BaseModel):
    """What the bucket holds for one (owner, key): the claim, then the answer."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    fingerprint: str
    run_id: str
    claimed_at: AwareDatetime
    answer: str | None = None
    """The first 202 body (JSON text), once the run is accepted; None while in flight."""
    released: bool = False
    """The claimer's publish failed: the key is free, and a retry reuses `run_id`."""


def record_key(owner: str, key: str) -> str:
    """The KV key of `owner`'s idempotency key `key` (hex: any header value fits)."""
    return hashlib.sha256(f"{owner}\0{key}".encode()).hexdigest()


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """What makes two requests "the same": method, path, query string and body bytes."""
    digest = hashlib.sha256(f"{method} {path}?{query}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def claim_lifetime(settings: GatewaySettings) -> float:
    """Seconds a claim may stay unanswered before it counts as abandoned: the longest
    `submit_run` can take (each attempt's ack wait plus the publish retry budget) and a margin
    for the rest of the request and the replicas' clocks."""
    return settings.publish_timeout_s + settings.nats_publish_retry_s + _CLAIM_MARGIN_S


def _bus_down(exc: BusError) -> ServiceUnavailable:
    return ServiceUnavailable(
        f"the idempotency key could not be checked: {exc}", code="bus_unavailable"
    )


def _reused() -> InvalidRequest:
    return InvalidRequest(
        f"this {HEADER} was already used for a different request (another method, path or "
        "body); send a new key for a new request",
        field=HEADER,
        code="idempotency_key_reused",
    )


class InProgress(Conflict):
    """Raised when the same key's first request is still being accepted (409, Retry-After)."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            f"a request with this {HEADER} is still being accepted; try again in "
            f"{retry_after_s} s to get its run",
            code="idempotency_in_progress",
            field=HEADER,
        )
        self.headers = {"Retry-After": str(retry_after_s)}


@dataclass(frozen=True)
class Claim:
    """This request holds the key: the record's revision and the run id to publish under."""

    revision: int
    record: IdempotencyRecord


@dataclass
class IdempotencyKey:
    """One request's idempotency key: the bucket, the KV key (`record_key`), the request's
    `fingerprint`, how long to wait for a request in flight, and `claim_lifetime`."""

    kv: KeyValue
    kv_key: str
    fingerprint: str
    wait_s: float
    lifetime_s: float

    async def _read(self) -> tuple[IdempotencyRecord, int] | None:
        with nats_errors("read an idempotency key"):
            try:
                entry = await self.kv.get(self.kv_key)
            except nats.js.errors.KeyNotFoundError:
                return None
        try:
            record = IdempotencyRecord.model_validate_json(entry.value or b"")
        except ValidationError:
            # Not ours to understand (a newer gateway's format?): treat it as abandoned.
            log.warning("unreadable idempotency record %s: taking it over", self.kv_key)
            record = IdempotencyRecord(
                fingerprint=self.fingerprint, run_id=new_run_id(), claimed_at=_LONG_AGO
            )
        return record, entry.revision or 0

    def _age_s(self, record: IdempotencyRecord) -> float:
        return (datetime.now(UTC) - record.claimed_at).total_seconds()

    async def settle(self, *, claim: bool) -> IdempotencyRecord | Claim | None:
        """The answered record to replay, or (`claim`) this request's claim, or (not `claim`)
        None when the key is free, released or abandoned; waits while another request holds
        it.

        Raises 422 `idempotency_key_reused`, 409 `idempotency_in_progress`, 503."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_s
        polls = 0
        try:
            while True:
                found = await self._read()
                if found is not None:
                    record, revision = found
                    if record.released:
                        if not claim:
                            return None
                        same = record.fingerprint == self.fingerprint
                        run_id = record.run_id if same else new_run_id()
                        again = await self._write(run_id, last=revision)
                        if again is not None:
                            return again
                        continue  # another request claimed it first: read again
                    if record.fingerprint != self.fingerprint:
                        raise _reused()
                    if record.answer is not None:
                        return record
                    if self._age_s(record) > self.lifetime_s:
                        if not claim:
                            return None
                        taken = await self._write(record.run_id, last=revision)
                        if taken is not None:
                            log.warning("took over an abandoned claim of run %s", record.run_id)
                            return taken
                        continue  # someone else wrote it first: read again
                elif not claim:
                    return None
                else:
                    claimed = await self._write(new_run_id(), last=None)
                    if claimed is not None:
                        return claimed
                    continue
                left = deadline - loop.time()
                if left <= 0:
                    raise InProgress(max(1, math.ceil(self.lifetime_s - self._age_s(record))))
                await asyncio.sleep(min(left, _POLL_S[min(polls, len(_POLL_S) - 1)]))
                polls += 1
        except BusError as exc:
            raise _bus_down(exc) from exc

    async def _write(self, run_id: str, *, last: int | None) -> Claim | None:
        """Claim the key (absent: `last` None; abandoned: at revision `last`); None if another
        request changed it first."""
        record = IdempotencyRecord(
            fingerprint=self.fingerprint, run_id=run_id, claimed_at=datetime.now(UTC)
        )
        value = record.model_dump_json().encode()
        with nats_errors("claim an idempotency key"):
            try:
                if last is None:
                    revision = await self.kv.create(self.kv_key, value)
                else:
                    revision = await self.kv.update(self.kv_key, value, last=last)
            except nats.js.errors.KeyWrongLastSequenceError:
                return None
        return Claim(revision, record)

    async def answer(self, claim: Claim, answer: RunAccepted) -> None:
        """Store the accepted run's answer under the claim; a failure is logged (the run is
        accepted either way; a retry within the claim's lifetime then gets a 409)."""
        failed = await self._close(
            claim, "store an idempotency key's answer", answer=answer.model_dump_json()
        )
        if failed is not None:
            log.error("the answer of run %s was not stored for its key: %s", answer.run_id, failed)

    async def release(self, claim: Claim) -> None:
        """Mark the claim of a request whose publish failed released, so a retry can claim
        the key (under the same run id: the publish may have landed)."""
        failed = await self._close(claim, "release an idempotency key", released=True)
        if failed is not None:
            # Left in place, it is abandoned after `claim_lifetime` and taken over.
            log.warning("an idempotency claim was not released: %s", failed)

    async def _close(self, claim: Claim, action: str, **changes: object) -> Exception | None:
        """Write the claim's record with `changes` at the claim's revision; the error when
        that failed (NATS, or another request wrote the key since), else None."""
        record = claim.record.model_copy(update=changes)
        try:
            with nats_errors(action):
                await self.kv.update(self.kv_key, record.model_dump_json().encode(), claim.revision)
        except (BusError, nats.js.errors.KeyWrongLastSequenceError) as exc:
            return exc
        return None
