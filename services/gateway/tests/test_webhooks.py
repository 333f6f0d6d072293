"""Webhooks end to end on real parts: the gateway app (one or two replicas) on a real
nats-server and SQLite, a real HTTP receiver on loopback. No planner runs here: a test records
the accepted run and publishes its final event the way the planner does."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_utils.app import SECRET as STREAM_SECRET
from gateway_utils.runs import accepted_run, record_run, seed_parent

from prolight.contracts.api import README_BODY_EXAMPLE
from prolight.contracts.events import (
    Event,
    EventPayload,
    RunCancelled,
    RunCompleted,
    RunCreated,
    RunFailed,
)
from prolight.contracts.subjects import DEAD_LETTERS_STREAM, EVENTS_STREAM
from prolight.platform.store import RunStatus
from prolight_gateway.app import create_app
from prolight_gateway.delivery import DURABLES
from prolight_gateway.resources import Resources
from prolight_gateway.settings import GatewaySettings
from prolight_testing.infra import NatsServer, free_port
from prolight_testing.webhooks import receiver, verified

pytestmark = pytest.mark.integration

SECRET = "webhook-test-secret-of-at-least-32-bytes!"
FINAL = {RunCompleted: RunStatus.COMPLETED, RunFailed: RunStatus.FAILED}
FINAL_STATES = {"delivered", "gave_up", "refused"}


def webhook_settings(nats: NatsServer, tmp_path: Path, **update: Any) -> GatewaySettings:
    """A gateway that may call 127.0.0.1 over http, with quick retries."""
    values: dict[str, Any] = {
        "nats_url": nats.url,
        "store_url": f"sqlite:///{tmp_path}/runs.db",
        "blob_url": f"file://{tmp_path}/blobs",
        "stream_token_secret": STREAM_SECRET,
        "gateway_public_url": "http://gateway.test",
        "local_dev": True,  # keys off unless a test sets a keys file
        "gateway_metrics_port": free_port(),  # two replicas in one process
        "webhook_allowed_hosts": "127.0.0.1",
        "webhook_allow_http": True,
        "webhook_secret": SECRET,
        "webhook_backoff_s": 0.05,
        "webhook_retry_s": 60.0,
        "webhook_timeout_s": 5.0,
    }
    return GatewaySettings(**{**values, **update})


@asynccontextmanager
async def gateway(
    settings: GatewaySettings,
) -> AsyncIterator[tuple[httpx.AsyncClient, Resources]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield client, app.state.resources


async def ended_run(
    client: httpx.AsyncClient,
    resources: Resources,
    webhook_url: str | None,
    final: EventPayload | None = None,
) -> str:
    """A run accepted with `webhook_url`, then recorded and ended as the planner would:
    final status stored first, then its final event published."""
    body = dict(README_BODY_EXAMPLE, num_results=1)
    if webhook_url is not None:
        body["webhook_url"] = webhook_url
    r = await client.post("/api/generate/lighting-setup", json=body)
    assert r.status_code == 202, r.text
    run_id: str = r.json()["run_id"]
    final = final or RunCompleted(best_artifact_id=None)
    status = FINAL.get(type(final), RunStatus.CANCELLED)
    run = await record_run(resources, run_id)
    await resources.store.update_run(run_id, run.version, {"status": status})
    await resources.bus.publish(Event.build(run_id, final))
    return run_id


async def until(check: Callable[[], Awaitable[bool]], *, timeout: float = 30.0) -> None:
    """Return once `check()` holds; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        assert loop.time() < deadline, f"condition not met within {timeout} s"
        await asyncio.sleep(0.02)


async def delivery_of(client: httpx.AsyncClient, run_id: str, *, ended: bool = True) -> Any:
    """GET /api/runs/{run_id}/webhooks, once the delivery has ended (when `ended`)."""
    answer: dict[str, Any] = {}

    async def done() -> bool:
        r = await client.get(f"/api/runs/{run_id}/webhooks")
        assert r.status_code == 200, r.text
        answer.update(r.json())
        return not ended or answer["state"] in FINAL_STATES

    await until(done)
    return answer


async def settled(resources: Resources) -> bool:
    """Every webhook consumer has acked everything the events stream holds for it."""
    js = resources.bus.jetstream
    for durable in DURABLES.values():
        info = await js.consumer_info(EVENTS_STREAM, durable)
        if info.num_pending or info.num_ack_pending or info.num_redelivered:
            return False
    return True


async def secret_of(client: httpx.AsyncClient) -> str:
    r = await client.get("/api/webhooks/secret")
    assert r.status_code == 200, r.text
    secret: str = r.json()["secret"]
    return secret


async def test_a_receiver_that_fails_twice_gets_one_accepted_signed_delivery(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with (
        receiver(500, 500, 204) as hook,
        gateway(webhook_settings(nats_server, tmp_path)) as (client, resources),
    ):
        run_id = await ended_run(client, resources, hook.url)
        delivery = await delivery_of(client, run_id)
        secret = await secret_of(client)

    assert delivery["state"] == "delivered"
    assert [a["status"] for a in delivery["attempts"]] == [500, 500, 204]
    assert [a["outcome"] for a in delivery["attempts"]] == ["retrying", "retrying", "delivered"]
    assert [a["attempt"] for a in delivery["attempts"]] == [1, 2, 3]
    assert {a["host"] for a in delivery["attempts"]} == {"127.0.0.1"}
    assert len(hook.got) == 3
    assert len(hook.accepted) == 1
    assert {r.headers["prolight-webhook-id"] for r in hook.got} == {delivery["delivery_id"]}
    assert all(verified(secret, r.headers, r.body) for r in hook.got)
    assert not verified(secret, hook.got[0].headers, hook.got[0].body + b" ")
    status = json.loads(hook.accepted[0].body)
    assert (status["run_id"], status["state"], status["status"]) == (
        run_id,
        "completed",
        "completed",
    )
    assert status["webhook_url"] == hook.url
    assert hook.accepted[0].headers["content-type"] == "application/json"


async def test_the_signature_is_per_owner(nats_server: NatsServer, tmp_path: Path) -> None:
    async with gateway(webhook_settings(nats_server, tmp_path)) as (client, _):
        r = await client.get("/api/webhooks/secret")
    body = r.json()
    assert body["owner"] == "anonymous"
    assert body["secret"].startswith("whsec_")
    assert SECRET not in r.text
    assert body["headers"] == [
        "ProLight-Webhook-Id",
        "ProLight-Webhook-Timestamp",
        "ProLight-Webhook-Signature",
    ]


async def test_a_delivery_gives_up_after_its_retry_time_and_leaves_no_dead_letter(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    settings = webhook_settings(nats_server, tmp_path, webhook_retry_s=0.5)
    async with receiver(503) as hook, gateway(settings) as (client, resources):
        run_id = await ended_run(client, resources, hook.url, RunFailed(reason="no light"))
        delivery = await delivery_of(client, run_id)
        await until(lambda: settled(resources))
        dead = await resources.bus.jetstream.stream_info(DEAD_LETTERS_STREAM)

    attempts = delivery["attempts"]
    assert delivery["state"] == "gave_up"
    assert len(attempts) >= 2
    assert [a["outcome"] for a in attempts] == ["retrying"] * (len(attempts) - 1) + ["gave_up"]
    assert all(a["status"] == 503 for a in attempts)
    assert len(hook.got) == len(attempts)
    assert json.loads(hook.got[0].body)["state"] == "failed"
    assert dead.state.messages == 0  # the planner hears of no dead event


@pytest.mark.parametrize("status", [400, 410, 302])
async def test_a_permanent_refusal_is_not_retried(
    nats_server: NatsServer, tmp_path: Path, status: int
) -> None:
    async with receiver(status) as hook, gateway(webhook_settings(nats_server, tmp_path)) as gw:
        client, resources = gw
        run_id = await ended_run(client, resources, hook.url, RunCancelled())
        delivery = await delivery_of(client, run_id)

    assert delivery["state"] == "gave_up"
    assert [(a["status"], a["outcome"]) for a in delivery["attempts"]] == [(status, "gave_up")]
    assert len(hook.got) == 1


async def test_a_run_without_a_webhook_sends_nothing(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with receiver(204) as hook, gateway(webhook_settings(nats_server, tmp_path)) as gw:
        client, resources = gw
        run_id = await ended_run(client, resources, None)
        await until(lambda: settled(resources))  # its run.completed was handled and acked
        r = await client.get(f"/api/runs/{run_id}/webhooks")

    assert r.status_code == 200
    assert r.json() == {
        "run_id": run_id,
        "webhook_url": None,
        "delivery_id": None,
        "state": "none",
        "attempts": [],
    }
    assert hook.got == []


async def test_two_replicas_deliver_each_run_once(nats_server: NatsServer, tmp_path: Path) -> None:
    # Both replicas share the store (one SQLite file) and the durable consumers.
    one = webhook_settings(nats_server, tmp_path, instance_id="one")
    two = webhook_settings(nats_server, tmp_path, instance_id="two")
    async with receiver(204) as hook, gateway(one) as (client, resources), gateway(two) as other:
        runs = [await ended_run(client, resources, hook.url) for _ in range(4)]
        runs += [await ended_run(*other, hook.url) for _ in range(4)]
        for run_id in runs:
            assert (await delivery_of(client, run_id))["state"] == "delivered"
        await until(lambda: settled(resources))

    ids = [r.headers["prolight-webhook-id"] for r in hook.got]
    assert len(hook.got) == len(runs) == len(set(ids))
    assert sorted(json.loads(r.body)["run_id"] for r in hook.got) == sorted(runs)


async def test_a_delivery_survives_its_replica_stopping_between_attempts(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    # The first replica's retry waits 3 s: it stops long before, and the second makes it.
    first = webhook_settings(nats_server, tmp_path, instance_id="first", webhook_backoff_s=3.0)
    second = webhook_settings(nats_server, tmp_path, instance_id="second", webhook_backoff_s=3.0)
    async with receiver(500, 204) as hook:
        async with gateway(first) as (client, resources):
            run_id = await ended_run(client, resources, hook.url)
            pending = await delivery_of(client, run_id, ended=False)
            await until(lambda: _attempts(client, run_id, 1))
        async with gateway(second) as (client, resources):
            delivery = await delivery_of(client, run_id)
            audit = (await client.get(f"/api/runs/{run_id}/audit")).json()

    assert pending["webhook_url"] == hook.url
    assert [a["outcome"] for a in delivery["attempts"]] == ["retrying", "delivered"]
    assert [e["actor"] for e in audit["items"]] == ["gateway first", "gateway second"]
    assert len({r.headers["prolight-webhook-id"] for r in hook.got}) == 1
    assert len(hook.accepted) == 1


async def test_the_address_is_checked_again_before_each_attempt(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    # Accepted where localhost is listed by name; delivered by a replica that allows any
    # public host only: localhost now resolves to an address it may not call.
    listed = webhook_settings(nats_server, tmp_path, webhook_allowed_hosts="localhost")
    public = webhook_settings(nats_server, tmp_path, webhook_allowed_hosts="*")
    async with receiver(204) as hook:
        url = hook.url.replace("127.0.0.1", "localhost")
        async with gateway(listed) as (client, resources):
            r = await client.post(
                "/api/generate/lighting-setup", json=dict(README_BODY_EXAMPLE, webhook_url=url)
            )
            assert r.status_code == 202, r.text
            run_id = r.json()["run_id"]
            run = await record_run(resources, run_id)
            await resources.store.update_run(run_id, run.version, {"status": "completed"})
        async with gateway(public) as (client, resources):
            await resources.bus.publish(Event.build(run_id, RunCompleted(best_artifact_id=None)))
            delivery = await delivery_of(client, run_id)
            await until(lambda: settled(resources))

    [attempt] = delivery["attempts"]
    assert (delivery["state"], attempt["outcome"], attempt["host"]) == (
        "refused",
        "refused",
        "localhost",
    )
    assert "internal address" in attempt["error"]
    assert attempt["status"] is None
    assert hook.got == []


async def _attempts(client: httpx.AsyncClient, run_id: str, n: int) -> bool:
    r = await client.get(f"/api/runs/{run_id}/webhooks")
    return len(r.json()["attempts"]) >= n


async def test_the_deliveries_are_the_owners_alone(nats_server: NatsServer, tmp_path: Path) -> None:
    from prolight.platform.api_keys import add_key

    keys = tmp_path / "api-keys"
    ana, ben = add_key(keys, "ana"), add_key(keys, "ben")
    settings = webhook_settings(nats_server, tmp_path, api_keys_file=keys)
    async with gateway(settings) as (client, resources):
        client.headers["X-API-Key"] = ana
        run_id = await ended_run(client, resources, "http://127.0.0.1:9/hook")
        mine = await client.get(f"/api/runs/{run_id}/webhooks")
        ana_secret = await secret_of(client)
        client.headers["X-API-Key"] = ben
        theirs = await client.get(f"/api/runs/{run_id}/webhooks")
        ben_secret = await secret_of(client)

    assert mine.status_code == 200
    assert theirs.status_code == 404
    assert ana_secret != ben_secret


async def test_every_run_starting_body_carries_its_webhook_into_the_run(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    url = "http://127.0.0.1:9/hooks/prolight?run=nl"
    async with gateway(webhook_settings(nats_server, tmp_path)) as (client, resources):
        r = await client.post(
            "/api/generate/natural-language",
            json={"lighting_description": "soft butterfly light", "webhook_url": url},
        )
        refused = await client.post(
            "/api/generate/natural-language",
            json={
                "lighting_description": "soft butterfly light",
                "webhook_url": "http://10.0.0.1/",
            },
        )
        created = await resources.bus.created(r.json()["run_id"])
        status = await client.get(f"/api/status/{r.json()['run_id']}")

    assert r.status_code == 202, r.text
    assert created is not None
    assert isinstance(created.payload, RunCreated)
    assert created.payload.options.webhook_url == url
    assert status.json()["webhook_url"] == url
    assert (refused.status_code, refused.json()["field"]) == (422, "webhook_url")


async def test_a_final_render_carries_its_webhook_into_its_run(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    url = "http://127.0.0.1:9/hooks/prolight?run=final"
    async with gateway(webhook_settings(nats_server, tmp_path)) as (client, resources):
        await seed_parent(resources.store)
        r = await client.post("/api/runs/run_parent/final", json={"webhook_url": url})
        refused = await client.post(
            "/api/runs/run_parent/final", json={"webhook_url": "http://10.0.0.1/"}
        )
        assert r.status_code == 202, r.text
        child = await accepted_run(resources, r.json()["run_id"])

    assert child.options.webhook_url == url
    assert (refused.status_code, refused.json()["field"]) == (422, "webhook_url")


@pytest.mark.parametrize(
    ("update", "url", "code", "says"),
    [
        pytest.param({}, "http://10.0.0.1/hook", "webhook_refused", "not one", id="unlisted-ip"),
        pytest.param(
            {"webhook_allowed_hosts": "*"},
            "http://169.254.169.254/latest/meta-data",
            "webhook_refused",
            "internal address",
            id="metadata-under-wildcard",
        ),
        pytest.param(
            {"webhook_allowed_hosts": "*"},
            "http://localhost:9/hook",
            "webhook_refused",
            "internal address",
            id="name-resolving-to-loopback",
        ),
        pytest.param(
            {"webhook_allowed_hosts": "*"},
            "http://[::1]/hook",
            "webhook_refused",
            "internal address",
            id="ipv6-loopback",
        ),
        pytest.param(
            {"webhook_allow_http": False},
            "http://127.0.0.1:9/hook",
            "webhook_refused",
            "https://",
            id="http-not-allowed",
        ),
        pytest.param(
            {"webhook_allowed_hosts": "", "webhook_secret": None},
            "https://hooks.example.com/x",
            "webhooks_disabled",
            "webhooks are off",
            id="webhooks-off",
        ),
        pytest.param(
            {}, "http://user:pw@127.0.0.1:9/", "webhook_refused", "credentials", id="credentials"
        ),
        pytest.param({}, "/hooks/relative", "webhook_refused", "absolute", id="relative"),
    ],
)
async def test_a_webhook_the_gateway_may_not_call_is_422(
    nats_server: NatsServer,
    tmp_path: Path,
    update: dict[str, Any],
    url: str,
    code: str,
    says: str,
) -> None:
    async with gateway(webhook_settings(nats_server, tmp_path, **update)) as (client, _):
        body = dict(README_BODY_EXAMPLE, webhook_url=url)
        r = await client.post("/api/generate/lighting-setup", json=body)

    assert r.status_code == 422, r.text
    assert r.json()["field"] == "webhook_url"
    assert r.json()["code"] == code
    assert says in r.json()["message"]
