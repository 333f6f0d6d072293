"""Idempotency-Key on the run-starting POSTs, against a real nats-server (its key-value bucket
and events stream): a retry answers the first run, a key names one request, concurrent and
cross-replica retries make one run, failures leave the key free, keys expire."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import nats.js.errors
import pytest
from fastapi import FastAPI
from gateway_utils.app import SECRET, gateway_settings
from gateway_utils.bodies import fibo_body, readme_body
from gateway_utils.runs import seed_parent
from gateway_utils.waiting import wait_until
from nats.aio.msg import Msg

from prolight.contracts.subjects import EVENTS_STREAM
from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.api_keys import ANONYMOUS, add_key
from prolight.platform.store import RunStatus
from prolight.platform.tokens import verify_stream_token
from prolight_gateway.app import create_app
from prolight_gateway.idempotency import (
    IDEMPOTENCY_BUCKET,
    IdempotencyRecord,
    fingerprint,
    record_key,
)
from prolight_gateway.resources import Resources
from prolight_gateway.settings import GatewaySettings
from prolight_tools.client import ProLightClient

pytestmark = pytest.mark.integration

URL = "/api/generate/lighting-setup"
HEADER = "Idempotency-Key"


def keyed(value: str, **headers: str) -> dict[str, str]:
    return {HEADER: value, **headers}


@dataclass
class Replica:
    """One gateway app: a client for it and its open resources."""

    app: FastAPI
    client: httpx.AsyncClient
    resources: Resources


@asynccontextmanager
async def replica(settings: GatewaySettings) -> AsyncIterator[Replica]:
    """A gateway app started on `settings` (its lifespan run), in this process."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield Replica(app, client, app.state.resources)


def local(nats_url: str, tmp_path: Path, **changes: Any) -> GatewaySettings:
    """The tests' gateway settings (keys off) with `changes`."""
    return gateway_settings(nats_url, tmp_path).model_copy(update=changes)


@pytest.fixture
async def gw(nats_server: Any, tmp_path: Path) -> AsyncIterator[Replica]:
    async with replica(local(nats_server.url, tmp_path)) as r:
        yield r


async def published(resources: Resources) -> int:
    """Events in the events stream: here only the gateway's `run.created` (no planner runs)."""
    info = await resources.bus.jetstream.stream_info(EVENTS_STREAM)
    return info.state.messages


async def stored_record(resources: Resources, key: str, owner: str = ANONYMOUS) -> Any:
    """The bucket's record of `owner`'s `key`, or None when there is none."""
    try:
        entry = await resources.idempotency.get(record_key(owner, key))
    except nats.js.errors.KeyNotFoundError:
        return None
    return IdempotencyRecord.model_validate_json(entry.value or b"")


def without_token(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("stream_token", "links")}


def test_a_fingerprint_tells_method_path_query_and_body_apart() -> None:
    base = fingerprint("POST", URL, "", b"{}")
    assert fingerprint("POST", URL, "", b"{}") == base
    others = [
        fingerprint("PUT", URL, "", b"{}"),
        fingerprint("POST", "/api/generate/inspire", "", b"{}"),
        fingerprint("POST", URL, "a=1", b"{}"),
        fingerprint("POST", URL, "", b"{ }"),  # bytes, not meaning: a retry resends the same
    ]
    assert len({base, *others}) == 5
    # Keys are the owner's: the same key of two owners is two records.
    assert record_key("ana", "k") != record_key("ben", "k")
    assert record_key("ana", "k") == record_key("ana", "k")


# -- the same request again ------------------------------------------------------------------


async def test_a_retry_answers_the_first_run_and_publishes_nothing(gw: Replica) -> None:
    body = readme_body(num_results=2)
    first = await gw.client.post(URL, json=body, headers=keyed("order-42"))
    assert first.status_code == 202, first.text

    again = await gw.client.post(URL, json=body, headers=keyed("order-42"))

    assert again.status_code == 202, again.text
    run_id = first.json()["run_id"]
    assert again.json()["run_id"] == run_id
    assert without_token(again.json()) == without_token(first.json())  # queued_steps, notes…
    # A fresh token for the same run, and links that carry it.
    token = again.json()["stream_token"]
    assert verify_stream_token(token, run_id, SECRET)["run_id"] == run_id
    assert again.json()["links"]["ws"].endswith(f"/ws/runs/{run_id}?token={token}")
    assert await published(gw.resources) == 1
    events = await gw.resources.bus.history(run_id, timeout=5)
    assert len(events) == 1
    # Without the header, the same body starts another run: the key is what makes it a retry.
    other = await gw.client.post(URL, json=body)
    assert other.status_code == 202
    assert other.json()["run_id"] != run_id
    assert await published(gw.resources) == 2


def _png() -> str:
    png = render(FiboPrompt(scene=get_preset("rembrandt").setup), 3, 160, 200).png
    return base64.b64encode(png).decode()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param(URL, lambda: fibo_body(num_results=1), id="lighting-setup"),
        pytest.param(
            "/api/generate/natural-language",
            lambda: {"lighting_description": "soft butterfly light, warm rim", "num_results": 1},
            id="natural-language",
        ),
        pytest.param(
            "/api/generate/inspire",
            lambda: {"image_base64": _png(), "num_results": 1},
            id="inspire-upload",
        ),
        pytest.param(
            "/api/runs/run_parent/refine",
            lambda: {"instruction": "one stop less fill"},
            id="refine",
        ),
        pytest.param("/api/runs/run_parent/final", lambda: {}, id="final"),
    ],
)
async def test_every_run_starting_post_answers_a_retry_with_its_first_run(
    gw: Replica, path: str, body: Callable[[], dict[str, Any]]
) -> None:
    await seed_parent(gw.resources.store)  # refine and final start a child of it
    sent = body()
    first = await gw.client.post(path, json=sent, headers=keyed("k-1"))
    assert first.status_code == 202, first.text

    again = await gw.client.post(path, json=sent, headers=keyed("k-1"))

    assert again.status_code == 202, again.text
    assert without_token(again.json()) == without_token(first.json())
    assert await published(gw.resources) == 1


# -- a key names one request -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param(URL, readme_body(num_results=3), id="other-body"),
        pytest.param("/api/generate/natural-language", {"lighting_description": "x"}, id="path"),
    ],
)
async def test_the_key_with_another_request_is_refused_naming_the_header(
    gw: Replica, path: str, body: dict[str, Any]
) -> None:
    first = await gw.client.post(URL, json=readme_body(num_results=2), headers=keyed("k"))
    assert first.status_code == 202

    r = await gw.client.post(path, json=body, headers=keyed("k"))

    assert r.status_code == 422, r.text
    assert r.json()["code"] == "idempotency_key_reused"
    assert r.json()["field"] == HEADER
    assert await published(gw.resources) == 1


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"x" * 256, id="256-characters"),
        pytest.param("caf\u00e9".encode("latin-1"), id="not-ascii"),
        pytest.param(b"a\tb", id="tab"),
    ],
)
async def test_a_malformed_key_is_refused_naming_the_header(gw: Replica, value: bytes) -> None:
    r = await gw.client.post(URL, json=readme_body(), headers=[(HEADER.encode(), value)])

    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_idempotency_key"
    assert r.json()["field"] == HEADER
    assert await published(gw.resources) == 0


@pytest.mark.parametrize("value", ["x" * 255, "a b", "!~", "550e8400-e29b-41d4-a716-446655440000"])
async def test_any_printable_ascii_key_up_to_255_characters_is_taken(
    gw: Replica, value: str
) -> None:
    r = await gw.client.post(URL, json=readme_body(), headers=keyed(value))
    assert r.status_code == 202, r.text
    assert (await stored_record(gw.resources, value)).run_id == r.json()["run_id"]


# -- owners, rate limit ----------------------------------------------------------------------


@pytest.fixture
async def with_keys(nats_server: Any, tmp_path: Path) -> AsyncIterator[tuple[Replica, Any]]:
    """A gateway with keys on, a burst of 2 runs per key; and ana's and ben's headers."""
    keys_file = tmp_path / "api-keys"
    ana, ben = add_key(keys_file, "ana"), add_key(keys_file, "ben")
    settings = gateway_settings(nats_server.url, tmp_path).model_copy(
        update={"api_keys_file": keys_file, "generate_rate_per_min": 1.0, "generate_burst": 2}
    )
    async with replica(settings) as r:
        yield r, {"ana": {"X-API-Key": ana}, "ben": {"X-API-Key": ben}}


async def test_keys_belong_to_their_owner(with_keys: tuple[Replica, Any]) -> None:
    gw, keys = with_keys
    body = readme_body()
    ana = await gw.client.post(URL, json=body, headers=keyed("shared", **keys["ana"]))
    ben = await gw.client.post(URL, json=body, headers=keyed("shared", **keys["ben"]))

    assert (ana.status_code, ben.status_code) == (202, 202)
    assert ana.json()["run_id"] != ben.json()["run_id"]
    assert await published(gw.resources) == 2
    # And each one's retry answers their own run.
    again = await gw.client.post(URL, json=body, headers=keyed("shared", **keys["ben"]))
    assert again.json()["run_id"] == ben.json()["run_id"]


async def test_a_retry_spends_no_run_of_the_rate_limit(with_keys: tuple[Replica, Any]) -> None:
    gw, keys = with_keys
    ana = keys["ana"]
    first = await gw.client.post(URL, json=readme_body(), headers=keyed("a", **ana))
    for _ in range(3):
        again = await gw.client.post(URL, json=readme_body(), headers=keyed("a", **ana))
        assert again.status_code == 202, again.text
        assert again.json()["run_id"] == first.json()["run_id"]

    # The burst of 2 still has its second run…
    assert (await gw.client.post(URL, json=readme_body(), headers=keyed("b", **ana))).is_success
    # …and no third: a refused request claims nothing, so its key is still free.
    refused = await gw.client.post(URL, json=readme_body(), headers=keyed("c", **ana))
    assert refused.status_code == 429
    assert await stored_record(gw.resources, "c", owner="ana") is None
    assert await published(gw.resources) == 2
    # A retry of an accepted request is still answered while the key is limited.
    late = await gw.client.post(URL, json=readme_body(), headers=keyed("a", **ana))
    assert late.status_code == 202
    assert late.json()["run_id"] == first.json()["run_id"]


# -- concurrent requests, replicas -----------------------------------------------------------


async def test_concurrent_requests_with_one_key_make_one_run(gw: Replica) -> None:
    body = readme_body(num_results=1)
    answers = await asyncio.gather(
        *(gw.client.post(URL, json=body, headers=keyed("burst")) for _ in range(8))
    )

    assert [a.status_code for a in answers] == [202] * 8, [a.text for a in answers]
    assert len({a.json()["run_id"] for a in answers}) == 1
    assert await published(gw.resources) == 1


async def test_a_retry_on_another_replica_answers_the_first_run(
    nats_server: Any, tmp_path: Path
) -> None:
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(
            replica(local(nats_server.url, tmp_path, instance_id="gateway-a"))
        )
        b = await stack.enter_async_context(
            replica(local(nats_server.url, tmp_path, instance_id="gateway-b"))
        )
        body = readme_body(num_results=2)

        first = await a.client.post(URL, json=body, headers=keyed("across"))
        retry = await b.client.post(URL, json=body, headers=keyed("across"))

        assert (first.status_code, retry.status_code) == (202, 202), retry.text
        assert retry.json()["run_id"] == first.json()["run_id"]
        # And at once on both: still one run.
        both = await asyncio.gather(
            *(r.client.post(URL, json=body, headers=keyed("both")) for r in (a, b, a, b))
        )
        assert [r.status_code for r in both] == [202] * 4
        assert len({r.json()["run_id"] for r in both}) == 1
        assert await published(a.resources) == 2


# -- failures leave the key free -------------------------------------------------------------


async def test_a_refused_body_claims_nothing(gw: Replica) -> None:
    bad = await gw.client.post(URL, json={"lighting_setup": 5}, headers=keyed("fix-me"))
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_input"
    assert await stored_record(gw.resources, "fix-me") is None

    good = await gw.client.post(URL, json=readme_body(), headers=keyed("fix-me"))
    assert good.status_code == 202, good.text


async def test_a_refusal_at_the_publish_leaves_the_key_for_the_corrected_request(
    gw: Replica,
) -> None:
    # Webhooks are off on this gateway: submit_run refuses a webhook_url (422), after the claim.
    body = readme_body(webhook_url="https://hooks.example.com/prolight")
    refused = await gw.client.post(URL, json=body, headers=keyed("hook"))
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "webhook_url"

    corrected = await gw.client.post(URL, json=readme_body(), headers=keyed("hook"))

    assert corrected.status_code == 202, corrected.text
    assert await published(gw.resources) == 1


async def test_a_refusal_before_the_run_leaves_the_key_for_the_retry(gw: Replica) -> None:
    await seed_parent(gw.resources.store, status=RunStatus.RUNNING)
    path, body = "/api/runs/run_parent/refine", {"instruction": "one stop less fill"}
    early = await gw.client.post(path, json=body, headers=keyed("refine-1"))
    assert early.status_code == 409
    assert early.json()["code"] == "run_not_completed"

    parent = await gw.resources.store.get_run("run_parent")
    assert parent is not None
    await gw.resources.store.update_run(
        "run_parent", parent.version, {"status": RunStatus.COMPLETED}
    )
    retry = await gw.client.post(path, json=body, headers=keyed("refine-1"))
    assert retry.status_code == 202, retry.text


async def test_a_publish_that_fails_releases_its_claim(nats_server: Any, tmp_path: Path) -> None:
    settings = local(nats_server.url, tmp_path, nats_publish_retry_s=0.0, publish_timeout_s=1.0)
    async with replica(settings) as gw:
        bus = gw.resources.bus
        await bus.jetstream.delete_stream(EVENTS_STREAM)  # run.created has nowhere to go

        failed = await gw.client.post(URL, json=readme_body(), headers=keyed("retry-me"))
        assert failed.status_code == 503, failed.text
        assert failed.json()["code"] == "bus_unavailable"
        released = await stored_record(gw.resources, "retry-me")
        assert released.released
        assert released.answer is None

        await bus.ensure_streams()
        retry = await gw.client.post(URL, json=readme_body(), headers=keyed("retry-me"))
        assert retry.status_code == 202, retry.text
        # Under the run id the failed publish used: had it landed after all, this is that run.
        assert retry.json()["run_id"] == released.run_id
        assert await published(gw.resources) == 1
        again = await gw.client.post(URL, json=readme_body(), headers=keyed("retry-me"))
        assert again.json()["run_id"] == released.run_id


async def test_after_a_release_the_key_may_carry_another_request(
    nats_server: Any, tmp_path: Path
) -> None:
    settings = local(nats_server.url, tmp_path, nats_publish_retry_s=0.0, publish_timeout_s=1.0)
    async with replica(settings) as gw:
        await gw.resources.bus.jetstream.delete_stream(EVENTS_STREAM)
        failed = await gw.client.post(URL, json=readme_body(), headers=keyed("k"))
        assert failed.status_code == 503
        released = await stored_record(gw.resources, "k")
        await gw.resources.bus.ensure_streams()

        other = await gw.client.post(URL, json=readme_body(num_results=3), headers=keyed("k"))

        assert other.status_code == 202, other.text
        assert other.json()["run_id"] != released.run_id  # another request, another run


async def test_nats_down_is_503_at_once(
    gateway_on_stoppable: Any,
) -> None:
    gateway, server = gateway_on_stoppable
    server.stop()
    await wait_until(lambda: not gateway.resources.bus.is_connected, timeout=5)

    r = await gateway.client.post(URL, json=readme_body(), headers=keyed("k"))

    assert r.status_code == 503, r.text
    assert r.json()["code"] == "bus_unavailable"


# -- a request in flight, an abandoned claim -------------------------------------------------


def _claim(raw: bytes, *, age: timedelta, run_id: str = "run_in_flight") -> bytes:
    record = IdempotencyRecord(
        fingerprint=fingerprint("POST", URL, "", raw),
        run_id=run_id,
        claimed_at=datetime.now(UTC) - age,
    )
    return record.model_dump_json().encode()


async def test_a_request_in_flight_makes_the_retry_wait_then_409(
    nats_server: Any, tmp_path: Path
) -> None:
    async with replica(local(nats_server.url, tmp_path, idempotency_wait_s=0.2)) as gw:
        raw = json.dumps(readme_body()).encode()
        await gw.resources.idempotency.create(
            record_key(ANONYMOUS, "busy"), _claim(raw, age=timedelta())
        )

        r = await gw.client.post(
            URL, content=raw, headers=keyed("busy", **{"Content-Type": "application/json"})
        )

        assert r.status_code == 409, r.text
        assert r.json()["code"] == "idempotency_in_progress"
        # Until the claim would count as abandoned: publish timeout + retry budget + 5 s.
        assert 1 <= int(r.headers["Retry-After"]) <= 5 + 10 + 5
        assert await published(gw.resources) == 0


async def test_a_retry_waits_for_the_request_in_flight_and_answers_its_run(
    gw: Replica, nats_server: Any
) -> None:
    raw = json.dumps(readme_body()).encode()
    kv_key = record_key(ANONYMOUS, "slow")
    revision = await gw.resources.idempotency.create(kv_key, _claim(raw, age=timedelta()))
    reads = await _count_reads(nats_server.url)
    try:
        retry = asyncio.create_task(
            gw.client.post(
                URL, content=raw, headers=keyed("slow", **{"Content-Type": "application/json"})
            )
        )
        # It has read the claim twice, so it is waiting on it, not past it.
        await wait_until(lambda: reads.count >= 2 or retry.done(), timeout=10)
        assert not retry.done(), retry.result().text
        # The first request is answered meanwhile (as its gateway does).
        first = await gw.client.post(URL, json=readme_body(num_results=2))
        answered = IdempotencyRecord.model_validate_json(_claim(raw, age=timedelta())).model_copy(
            update={"run_id": first.json()["run_id"], "answer": first.text}
        )
        await gw.resources.idempotency.update(
            kv_key, answered.model_dump_json().encode(), last=revision
        )
        r = await asyncio.wait_for(retry, timeout=10)
    finally:
        await reads.close()

    assert r.status_code == 202, r.text
    assert r.json()["run_id"] == first.json()["run_id"]
    assert await published(gw.resources) == 1  # the retry published nothing


@dataclass
class _Reads:
    count: int
    close: Callable[[], Any]


async def _count_reads(nats_url: str) -> _Reads:
    """Counts the reads of the idempotency bucket's messages (JetStream API requests)."""
    nc = await nats.connect(nats_url)
    reads = _Reads(0, nc.close)

    async def seen(msg: Msg) -> None:
        if "GET" in msg.subject and f"KV_{IDEMPOTENCY_BUCKET}" in msg.subject:
            reads.count += 1

    await nc.subscribe("$JS.API.>", cb=seen)
    await nc.flush()
    return reads


async def test_an_abandoned_claim_is_taken_over_with_its_run_id(gw: Replica) -> None:
    raw = json.dumps(readme_body()).encode()
    stale = _claim(raw, age=timedelta(hours=1), run_id="run_abandoned_by_a_dead_gateway")
    await gw.resources.idempotency.create(record_key(ANONYMOUS, "orphan"), stale)

    r = await gw.client.post(
        URL, content=raw, headers=keyed("orphan", **{"Content-Type": "application/json"})
    )

    assert r.status_code == 202, r.text
    # Its run id is kept: had the dead gateway's run.created landed, the planner would
    # record the one run (insert-if-absent).
    assert r.json()["run_id"] == "run_abandoned_by_a_dead_gateway"
    assert len(await gw.resources.bus.history("run_abandoned_by_a_dead_gateway", timeout=5)) == 1


# -- expiry ----------------------------------------------------------------------------------


async def test_a_key_is_free_again_once_its_ttl_has_passed(
    nats_server: Any, tmp_path: Path
) -> None:
    async with replica(local(nats_server.url, tmp_path, idempotency_ttl_s=1.0)) as gw:
        first = await gw.client.post(URL, json=readme_body(), headers=keyed("daily"))
        assert first.status_code == 202
        assert await stored_record(gw.resources, "daily") is not None

        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        while await stored_record(gw.resources, "daily") is not None:
            assert loop.time() < deadline, "the key did not expire within 15 s"
            await asyncio.sleep(0.1)

        # Another request under the old key: a new run, not a 422.
        r = await gw.client.post(URL, json=readme_body(num_results=2), headers=keyed("daily"))
        assert r.status_code == 202, r.text
        assert r.json()["run_id"] != first.json()["run_id"]


# -- the prolight client ---------------------------------------------------------------------


class LosesFirstAnswer(httpx.AsyncBaseTransport):
    """The app's transport, except that the first answer is lost on its way back (the
    gateway handled the request): what a client sees when its read times out."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = await self.inner.handle_async_request(request)
        if len(self.requests) == 1:
            await response.aread()
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


async def test_the_client_asks_again_under_its_key_and_gets_the_one_run(gw: Replica) -> None:
    transport = LosesFirstAnswer(gw.app)
    async with ProLightClient("http://gateway.test", transport=transport) as client:
        accepted = await client.generate(readme_body(num_results=2))
        # A key of the caller's own, sent twice: one run.
        mine = await client.generate(readme_body(), idempotency_key="my-order-7")
        again = await client.generate(readme_body(), idempotency_key="my-order-7")

    first, retry = transport.requests[:2]
    assert first.headers[HEADER] == retry.headers[HEADER]
    # The lost answer's run was started once: the retry was answered with it.
    assert len(await gw.resources.bus.history(accepted.run_id, timeout=5)) == 1
    assert again.run_id == mine.run_id
    assert await published(gw.resources) == 2  # the lost answer's run, and "my-order-7"
