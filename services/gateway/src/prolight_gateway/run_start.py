"""What an endpoint that starts a run depends on: the caller, the rate limit and the request's
`Idempotency-Key` (`prolight_gateway.idempotency` has the rules).

    async def route(body: Body, start: OnceStartDep) -> Response:
        if (replay := start.replayed(Accepted)) is not None:
            return accepted_response(replay)       # the first request's run, spent nothing
        ...validate, do the work...
        return accepted_response(await start.accept(Accepted, lambda submit: use_case(..., submit)))

    # a route whose whole work is its use case: the same in one call
    return await start.answer(Accepted, lambda submit: use_case(..., submit))

`get_once_start` is the route's one dependency (each one FastAPI solves costs the busiest
endpoint measurably, `deps.get_run_start`). Without the header it is `get_run_start`. With it
the key is read before `get_run_start` spends a run, so a replay is never rate limited; a
request that goes on spends one as before. Two requests racing with one key may both spend
one: the second learns it repeats the first only at the claim.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Protocol, TypeVar

from fastapi import Depends, Request, Response

from prolight.contracts.api import RunAccepted
from prolight.contracts.events import RunOptions
from prolight.domain.schema import FiboPrompt
from prolight.platform.bus import Bus
from prolight.platform.http_errors import ServiceUnavailable
from prolight_gateway.deps import get_caller, get_run_start
from prolight_gateway.idempotency import (
    HEADER,
    KEY_PATTERN,
    Claim,
    IdempotencyKey,
    IdempotencyRecord,
    check_key,
    claim_lifetime,
    fingerprint,
    record_key,
)
from prolight_gateway.resources import Resources
from prolight_gateway.runs import links, submit_run
from prolight_gateway.settings import GatewaySettings

__all__ = [
    "OnceStart",
    "OnceStartDep",
    "Submit",
    "accepted_response",
    "get_once_start",
    "idempotency_header",
]

A = TypeVar("A", bound=RunAccepted)


class Submit(Protocol):
    """How a use case starts its run: `runs.submit_run`, or the same behind a key's claim."""

    async def __call__(
        self,
        bus: Bus,
        settings: GatewaySettings,
        prompt: FiboPrompt,
        options: RunOptions,
        *,
        owner: str = ...,
        parent_run_id: str | None = None,
    ) -> RunAccepted: ...


class _Answered(Exception):
    """Raised inside `OnceStart.accept` when another request with the key accepted the run
    first; caught there, never seen by a route."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(record.run_id)
        self.record = record


@dataclass(frozen=True)
class OnceStart:
    """The resources, the caller (who has spent a run unless this is a replay), and the
    request's idempotency key with the record to replay, if any."""

    resources: Resources
    caller: str
    key: IdempotencyKey | None = None
    replay: IdempotencyRecord | None = None

    def replayed(self, model: type[A]) -> A | None:
        """The first request's answer when this one repeats an accepted request, with a fresh
        stream token and links; None when the route has a run to start."""
        return None if self.replay is None else self._reissued(model, self.replay)

    def _reissued(self, model: type[A], record: IdempotencyRecord) -> A:
        answer = model.model_validate_json(record.answer or "")
        token, run_links = links(self.resources.settings, answer.run_id)
        return answer.model_copy(update={"stream_token": token, "links": run_links})

    async def answer(self, model: type[A], use_case: Callable[[Submit], Awaitable[A]]) -> Response:
        """The 202 of a route whose whole work is `use_case`: the replayed answer, or
        `accept(model, use_case)`'s."""
        replay = self.replayed(model)
        return accepted_response(replay or await self.accept(model, use_case))

    async def accept(self, model: type[A], use_case: Callable[[Submit], Awaitable[A]]) -> A:
        """Run `use_case` with the `Submit` it starts its run by, and return its answer.

        With a key, that `Submit` claims the key right before publishing (released if the
        publish fails or the client goes) and the answer is stored for retries; if another
        request with the key accepted the run first, its answer (`model`) is returned and
        nothing is published."""
        key = self.key
        if key is None:
            return await use_case(submit_run)
        held: list[Claim] = []

        async def claiming(
            bus: Bus,
            settings: GatewaySettings,
            prompt: FiboPrompt,
            options: RunOptions,
            *,
            owner: str = self.caller,
            parent_run_id: str | None = None,
        ) -> RunAccepted:
            settled = await key.settle(claim=True)
            if isinstance(settled, IdempotencyRecord):
                raise _Answered(settled)
            assert settled is not None  # claim=True ends with a claim or a record
            try:
                accepted = await submit_run(
                    bus,
                    settings,
                    prompt,
                    options,
                    owner=owner,
                    parent_run_id=parent_run_id,
                    run_id=settled.record.run_id,
                )
            except BaseException:
                await key.release(settled)
                raise
            held.append(settled)
            return accepted

        try:
            answer = await use_case(claiming)
        except _Answered as first:
            return self._reissued(model, first.record)
        # A failure after the publish's ack (none is expected: the answer is built in memory)
        # leaves the claim unanswered, to be taken over once abandoned (idempotency doc, 5).
        if held:
            await key.answer(held[0], answer)
        return answer


def accepted_response(accepted: RunAccepted) -> Response:
    """The 202 of an accepted run, serialised once: returned as a model, FastAPI would
    validate it again against the response model first (a measurable share of the busiest
    endpoint's time)."""
    return Response(accepted.model_dump_json(), status_code=202, media_type="application/json")


async def get_once_start(request: Request) -> OnceStart:
    """The caller (401) and their run spent (429), as `deps.get_run_start`; with an
    `Idempotency-Key` (422 if malformed), first the key's record: the answer to replay
    (spending nothing), 422 for a key used on another request, 409 while it is in flight."""
    resources: Resources = request.app.state.resources
    header = request.headers.get(HEADER)
    if header is None:
        start = await get_run_start(request)
        return OnceStart(resources, start.caller)
    caller = await get_caller(request)
    if not resources.bus.is_connected:  # at once, as `submit_run` would: no read to time out
        raise ServiceUnavailable(
            f"the {HEADER} cannot be checked: the NATS connection is down", code="bus_unavailable"
        )
    settings = resources.settings
    key = IdempotencyKey(
        kv=resources.idempotency,
        kv_key=record_key(caller, check_key(header)),
        fingerprint=fingerprint(
            request.method, request.url.path, request.url.query, await request.body()
        ),
        wait_s=settings.idempotency_wait_s,
        lifetime_s=claim_lifetime(settings),
    )
    found = await key.settle(claim=False)
    if isinstance(found, IdempotencyRecord):
        return OnceStart(resources, caller, key, found)
    start = await get_run_start(request)
    return OnceStart(resources, start.caller, key)


OnceStartDep = Annotated[OnceStart, Depends(get_once_start)]
"""For an endpoint that starts a run: rate limited per key, idempotent with `Idempotency-Key`."""


def idempotency_header() -> dict[str, object]:
    """A route's `openapi_extra` declaring the header (the dependency reads it from the
    request itself, so FastAPI would not document it)."""
    return {
        "parameters": [
            {
                "name": HEADER,
                "in": "header",
                "required": False,
                "description": "Makes the request safe to retry: the same key and request "
                "(method, path, body) from the same caller within PROLIGHT_IDEMPOTENCY_TTL_S "
                "(a day) answer the first run again (202, same run_id, a fresh stream token); "
                "the key with another request is 422 idempotency_key_reused; 409 "
                "idempotency_in_progress while the first is still being accepted.",
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 255,
                    "pattern": KEY_PATTERN,
                },
            }
        ]
    }
