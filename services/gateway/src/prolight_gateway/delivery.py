"""Delivering webhooks: a run's final status POSTed to its `webhook_url`, at least once.

Where and why (docs/decisions/webhooks.md): in the gateway, which has the run store and builds
the status body (`runs.run_status`), as a background part of its lifespan. Every replica binds
the same three durable consumers on the events stream, one per final event (nats-server 2.9
takes one filter subject per consumer): `prolight-webhooks-completed`, `-failed`,
`-cancelled`. JetStream hands each event to one replica.

For each final event of a run that named a `webhook_url`:

1. read the run's attempts so far from the audit log (`webhook.attempt` entries with a
   `WebhookAttempt`); a delivery that already ended (delivered, gave up, refused) is not
   sent again: the event is only acked;
2. build the status body (the JSON of `GET /api/status/{id}`), check the URL again with a
   fresh DNS answer (`webhook_targets.check_target`) and POST to the checked address, signed
   (`webhook_signing`), without following redirects, within `PROLIGHT_WEBHOOK_TIMEOUT_S`;
3. record the attempt, then settle the event:
   - 2xx: `delivered`, ack;
   - a 3xx, or a 4xx other than 408, 409, 425 or 429 (the receiver refuses this request; the
     same bytes will be refused again): `gave_up`, ack;
   - the URL now breaks the rules (a name that resolves to an internal address): `refused`, ack;
   - anything else (5xx, 408/409/425/429, no answer, a timeout, a name that does not resolve):
     `retrying`, and the handler raises `RetryLater`, so the worker naks the event for
     redelivery after `PROLIGHT_WEBHOOK_BACKOFF_S · 2^(n-1)` (at most 300 s), to whichever
     replica fetches it then; once the next retry would come later than
     `PROLIGHT_WEBHOOK_RETRY_S` after the first attempt: `gave_up`, ack.

A replica that stops mid-attempt naks the event (the worker's drain) and one that dies loses
its hold after the consumer's ack wait: either way another replica makes the attempt, numbered
after the recorded ones. Every attempt of a delivery has the same delivery id
(`ProLight-Webhook-Id`), for the receiver to drop repeats. A delivery never exhausts
MaxDeliver: it ends by an ack within its retry time, so no MAX_DELIVERIES advisory reaches the
planner's dead letters (which would try to fail the already final run).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime
from urllib.parse import urlsplit

import httpx

from prolight.contracts.subjects import EVENTS_STREAM, EventType, event_kind_filter
from prolight.platform.bus import Bus, ConsumerSettings, Delivery, PullWorker, RetryLater
from prolight.platform.store import MAX_PAGE_SIZE, RunRecord, RunStore
from prolight.platform.store.records import WebhookAttempt, WebhookOutcome, utc_now
from prolight_gateway.runs import run_status
from prolight_gateway.settings import GatewaySettings
from prolight_gateway.webhook_signing import owner_secret, signed_headers
from prolight_gateway.webhook_targets import (
    Resolver,
    Target,
    WebhookRefused,
    WebhookUnresolved,
    check_target,
    resolve,
    settings_hosts,
)

__all__ = [
    "ATTEMPT_ACTION",
    "DURABLES",
    "MAX_BACKOFF_S",
    "Deliverer",
    "delivery_id",
    "open_deliverer",
    "webhook_attempts",
]

log = logging.getLogger(__name__)

ATTEMPT_ACTION = "webhook.attempt"
"""The audit action of one delivery attempt."""

DURABLES: dict[EventType, str] = {
    EventType.RUN_COMPLETED: "prolight-webhooks-completed",
    EventType.RUN_FAILED: "prolight-webhooks-failed",
    EventType.RUN_CANCELLED: "prolight-webhooks-cancelled",
}
"""The durable consumer every gateway replica shares, per final event."""

MAX_BACKOFF_S = 300.0
"""The longest wait between two attempts of one delivery, seconds."""

CONCURRENCY = 16
"""Attempts one replica makes at once (each waits on a receiver, not on the CPU)."""

ACK_WAIT_S = 30.0
"""Seconds before an event held by a replica that died goes to another."""

_RETRIED_4XX = frozenset({408, 409, 425, 429})
_NAMESPACE = uuid.UUID("5d1b2c43-7f0e-4c59-9a51-3b8f0f0c2a11")


def consumer_settings(settings: GatewaySettings) -> ConsumerSettings:
    """The webhook consumers' settings: backoff from `webhook_backoff_s`, and a MaxDeliver
    no delivery reaches within its retry time (module doc): every wait is at least the base
    backoff, so no more attempts than retry time ÷ base fit, doubled for redeliveries that were
    no attempt (the store down)."""
    base = settings.webhook_backoff_s
    attempts = math.ceil(settings.webhook_retry_s / min(base, MAX_BACKOFF_S)) + 2
    return ConsumerSettings(
        ack_wait=ACK_WAIT_S,
        max_deliver=2 * attempts + 10,
        batch_size=CONCURRENCY,
        concurrency=CONCURRENCY,
        retry_delay=base,
        max_retry_delay=MAX_BACKOFF_S,
    )


def delivery_id(run_id: str) -> str:
    """The id of the delivery of `run_id`'s final status: the same on every attempt."""
    return "whd_" + uuid.uuid5(_NAMESPACE, run_id).hex


def _host_of(url: str) -> str:
    """The host of a URL for the record, as far as it can be read."""
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


async def webhook_attempts(store: RunStore, run_id: str) -> list[tuple[datetime, WebhookAttempt]]:
    """The run's recorded webhook attempts (`webhook.attempt` audit entries) with their times,
    oldest first."""
    entries = await store.list_audit(run_id=run_id, limit=MAX_PAGE_SIZE)
    return [
        (e.at, e.details)
        for e in entries
        if e.action == ATTEMPT_ACTION and isinstance(e.details, WebhookAttempt)
    ]


class Deliverer:
    """The webhook deliverer of one gateway replica (module doc); `workers()` to run it."""

    def __init__(
        self,
        bus: Bus,
        store: RunStore,
        settings: GatewaySettings,
        client: httpx.AsyncClient,
        *,
        resolver: Resolver = resolve,
    ) -> None:
        if settings.webhook_secret is None:
            raise ValueError("webhooks need PROLIGHT_WEBHOOK_SECRET")
        self.bus = bus
        self.store = store
        self.settings = settings
        self.consumer = consumer_settings(settings)
        self._secret = settings.webhook_secret.get_secret_value()
        self._client = client
        self._resolver = resolver
        self._hosts = settings_hosts(settings)

    def workers(self) -> list[PullWorker[Delivery]]:
        """One pull worker per final event, on the durables every replica shares."""
        return [
            self.bus.worker(
                EVENTS_STREAM,
                durable,
                self.on_final,
                filter_subject=event_kind_filter(event_type),
                settings=self.consumer,
            )
            for event_type, durable in DURABLES.items()
        ]

    async def on_final(self, delivery: Delivery) -> None:
        """Handle one final event: one attempt at most; raises `RetryLater` to be redelivered."""
        event = delivery.event
        run = await self.store.get_run(event.run_id)
        if run is None or run.options.webhook_url is None:
            return
        past = await webhook_attempts(self.store, run.run_id)
        if past and past[-1][1].outcome != "retrying":
            return  # ended already: this is a redelivery of an event acked too late
        started = past[0][0] if past else utc_now()
        wait = self.consumer.retry_after(delivery.delivery_count)
        retry_left = started.timestamp() + self.settings.webhook_retry_s - time.time()
        number, last = len(past) + 1, wait > retry_left
        attempt = await self.attempt(run, event.type.value, number, last=last)
        if attempt.outcome == "retrying":
            raise RetryLater(
                f"webhook attempt {attempt.attempt} to {attempt.host} failed "
                f"({attempt.error or attempt.status}); next in {wait:.0f} s"
            )

    async def attempt(
        self, run: RunRecord, event: str, number: int, *, last: bool
    ) -> WebhookAttempt:
        """POST the run's status to its webhook once and record how it went; `last`: no retry
        follows a failure (it is `gave_up`)."""
        url = run.options.webhook_url or ""
        did = delivery_id(run.run_id)
        status = await run_status(self.store, self.bus, self.settings, run.run_id, run.owner)
        body = status.model_dump_json().encode()
        host, code, error, refused = _host_of(url), None, None, False
        began = time.perf_counter()
        try:
            target = await check_target(
                url,
                hosts=self._hosts,
                allow_http=self.settings.webhook_allow_http,
                resolver=self._resolver,
            )
            host = target.host
            code = await self._post(target, did, body, owner=run.owner)
        except WebhookUnresolved as exc:
            error = str(exc)
        except WebhookRefused as exc:
            error, refused = str(exc), True
        except TimeoutError:
            error = f"no answer within {self.settings.webhook_timeout_s:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        duration_ms = round((time.perf_counter() - began) * 1000, 1)
        outcome: WebhookOutcome
        if code is not None and 200 <= code < 300:
            outcome = "delivered"
        elif refused:
            outcome = "refused"
        elif last or (code is not None and 300 <= code < 500 and code not in _RETRIED_4XX):
            outcome = "gave_up"
        else:
            outcome = "retrying"
        attempt = WebhookAttempt(
            delivery_id=did,
            attempt=number,
            event=event,
            host=host,
            status=code,
            error=error,
            duration_ms=duration_ms,
            outcome=outcome,
        )
        actor = f"gateway {self.settings.instance_id}"
        await self.store.append_audit(
            ATTEMPT_ACTION, actor=actor, run_id=run.run_id, details=attempt
        )
        log.info("webhook attempt %d to %s: %s (%s)", number, host, outcome, error or code)
        return attempt

    async def _post(self, target: Target, delivery: str, body: bytes, *, owner: str) -> int:
        """POST `body` to the checked address of `target`; the answer's status (its body is
        never read: a receiver cannot make the gateway download anything)."""
        secret = owner_secret(self._secret, owner)
        headers = {
            **signed_headers(secret, delivery, int(time.time()), body),
            "Content-Type": "application/json",
            "Host": target.host_header,
            "User-Agent": "ProLight-Webhooks/1",
        }
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        async with asyncio.timeout(self.settings.webhook_timeout_s):
            request = self._client.build_request(
                "POST", target.pinned_url(), content=body, headers=headers, extensions=extensions
            )
            response = await self._client.send(request, stream=True)
            await response.aclose()
        return response.status_code


@asynccontextmanager
async def open_deliverer(
    bus: Bus, store: RunStore, settings: GatewaySettings, *, resolver: Resolver = resolve
) -> AsyncIterator[Deliverer]:
    """Run this replica's webhook deliverer until the block ends (its consumers declared when
    it yields); in-flight attempts then get the workers' drain time, the rest are naked for
    another replica."""
    async with AsyncExitStack() as stack:
        # trust_env off: no proxy from the environment, which would connect by name and undo
        # the address check (webhook_targets: DNS rebinding).
        client = httpx.AsyncClient(
            timeout=settings.webhook_timeout_s, follow_redirects=False, trust_env=False
        )
        stack.push_async_callback(client.aclose)
        deliverer = Deliverer(bus, store, settings, client, resolver=resolver)
        workers = deliverer.workers()
        for worker in workers:
            await stack.enter_async_context(worker)
        for worker in workers:  # on exit all stop at once, then each is awaited
            stack.callback(worker.stop)
        log.info("webhook deliverer on: hosts %s", settings.webhook_allowed_hosts)
        yield deliverer
