"""The hub's live watch on a real 3-node cluster (R3 streams) that loses a server (SIGKILL)
while a run's events flow — the events stream's leader, or the server that holds the watch's
ordered consumer (R1, in memory: it dies with its server) — and its clients still get every
later event, once, in order.

Prints what it measured (run with `-s`): how long the watch lagged behind the acks.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from notifier_testkit import GATEWAY, filler

from prolight.contracts.subjects import EVENTS_STREAM
from prolight.platform.bus import Bus, PublishResult
from prolight_notifier.hub import Hub, Subscriber
from prolight_notifier.messages import Message
from prolight_testing.infra import NatsCluster, until_answered

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RUN = "run_failover_watch"


async def take(subscriber: Subscriber, count: int, timeout: float) -> list[tuple[float, Message]]:
    """The next `count` messages of `subscriber`, each with when it arrived; fails the test
    when they do not all come within `timeout` seconds."""
    got: list[tuple[float, Message]] = []
    async with asyncio.timeout(timeout):
        while len(got) < count:
            message = await subscriber.next()
            assert message is not None
            got.append((time.monotonic(), message))
    return got


def event_id(message: Message) -> str:
    return str(json.loads(message.text)["event_id"])


@pytest.mark.parametrize("victim", ["events-leader", "watch-host"])
async def test_the_watch_resumes_after_a_server_dies(
    nats_cluster: NatsCluster, victim: str
) -> None:
    async with (
        await until_answered(
            lambda: Bus.connect(nats_cluster.url, name="notifier"), timeout=30
        ) as bus,
        await until_answered(
            lambda: Bus.connect(nats_cluster.url, name="publisher"), timeout=30
        ) as pub,
    ):
        await until_answered(lambda: bus.ensure_streams(replicas=3), timeout=30)
        published: list[PublishResult] = [
            await until_answered(lambda: pub.publish(filler(RUN, 0), retry_for=0), timeout=30)
        ]
        acked_at: list[float] = [time.monotonic()]
        hub = Hub(bus, gateway_url=GATEWAY, client_buffer=1000)
        await until_answered(hub.start, timeout=30)
        try:
            async with hub.subscribe(RUN) as subscriber:
                for i in range(1, 10):
                    published.append(await pub.publish(filler(RUN, i)))
                    acked_at.append(time.monotonic())
                before = await take(subscriber, 10, timeout=10)

                info = await bus.jetstream.stream_info(EVENTS_STREAM)
                assert info.cluster is not None
                leader = info.cluster.leader
                assert leader is not None
                # The hub's ordered consumer is the stream's only consumer here.
                [watch] = await bus.jetstream.consumers_info(EVENTS_STREAM)
                assert watch.cluster is not None
                watch_host = watch.cluster.leader
                assert watch_host is not None
                killed = leader if victim == "events-leader" else watch_host
                killed_at = time.monotonic()
                nats_cluster.kill(killed)
                # Published through the election (Bus.publish retries under the same id).
                for i in range(10, 40):
                    published.append(await pub.publish(filler(RUN, i)))
                    acked_at.append(time.monotonic())
                after = await take(subscriber, 30, timeout=30)
            # A client that joins after the election reads the same run from the new leader.
            async with hub.subscribe(RUN) as late:
                replay = await take(late, 40, timeout=30)
        finally:
            await hub.stop()

    got = [m for _, m in before + after]
    sequences = [m.sequence for m in got]
    assert sequences == [p.sequence for p in published], "a gap, a duplicate or a reorder"
    assert len({event_id(m) for m in got}) == 40
    assert [m.sequence for _, m in replay] == sequences
    lags = [arrived - acked for (arrived, _), acked in zip(before + after, acked_at, strict=True)]
    print(
        f"\nnotifier watch, {victim} {killed} killed (events leader {leader}, watch consumer "
        f"on {watch_host}): 40 events once each, in order; first event after the kill "
        f"delivered {after[0][0] - killed_at:.2f} s after it, {acked_at[10] - killed_at:.2f} s "
        f"for its publish; longest lag behind an ack {max(lags):.2f} s"
    )
