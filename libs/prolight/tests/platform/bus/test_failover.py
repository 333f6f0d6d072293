"""The bus through a leader election: on a real 3-node cluster (R3 streams and durables), the
server that leads a stream or a consumer is SIGKILLed while events flow.

Each test prints what it measured (run with `-s` to read it): how long publishes stalled, how
long deliveries paused.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from pydantic import ValidationError

from prolight.contracts.events import Event, TaskRequested, TaskStarted
from prolight.contracts.subjects import EVENTS_STREAM, TASKS_STREAM, Tool, tool_durable, tool_filter
from prolight.platform.bus import (
    Bus,
    BusError,
    BusTimeoutError,
    BusUnavailableError,
    ConsumerSettings,
    Delivery,
    PublishResult,
)
from prolight.platform.settings import ServiceSettings
from prolight_testing.infra import NatsCluster, until_answered
from prolight_testing.tasks import sample_params

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STEADY_INTERVAL_S = 0.02  # one publish every 20 ms, plus its round trip


async def eventually(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Return once `condition()` holds; fail the test naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.02)


async def cluster_bus(cluster: NatsCluster, name: str) -> Bus:
    """A bus on every node of `cluster`, the pipeline streams declared with 3 replicas."""
    # A new cluster answers before it has elected its JetStream meta leader.
    bus = await until_answered(lambda: Bus.connect(cluster.url, name=name), timeout=30)
    await until_answered(lambda: bus.ensure_streams(replicas=3), timeout=30)
    return bus


@dataclass(frozen=True)
class Outcome:
    """One publish of the steady series: its event, ack or error, and how long it took."""

    event: Event
    result: PublishResult | None
    error: BusError | None
    started: float
    seconds: float


async def publish_steadily(
    bus: Bus, build: Callable[[int], Event], stop: asyncio.Event, outcomes: list[Outcome]
) -> None:
    """Publish `build(0)`, `build(1)`, … one after the other until `stop` is set."""
    i = 0
    while not stop.is_set():
        event = build(i)
        started = time.monotonic()
        try:
            result = await bus.publish(event)
        except (BusTimeoutError, BusUnavailableError) as exc:
            outcomes.append(Outcome(event, None, exc, started, time.monotonic() - started))
        else:
            outcomes.append(Outcome(event, result, None, started, time.monotonic() - started))
        i += 1
        await asyncio.sleep(STEADY_INTERVAL_S)


async def test_publishes_ride_out_the_loss_of_the_stream_leader(
    nats_cluster: NatsCluster,
) -> None:
    run_id = "run_failover_publish"

    def started(i: int) -> Event:
        return Event.build(run_id, TaskStarted(tool=Tool.GENERATE, attempt=1), task_id=f"t{i}")

    async with await cluster_bus(nats_cluster, "publisher") as bus:
        await until_answered(lambda: bus.publish(started(-1), retry_for=0), timeout=30)
        info = await bus.jetstream.stream_info(EVENTS_STREAM)
        assert info.cluster is not None
        leader = info.cluster.leader
        assert leader is not None

        stop = asyncio.Event()
        outcomes: list[Outcome] = []
        publisher = asyncio.create_task(publish_steadily(bus, started, stop, outcomes))
        try:
            await eventually(lambda: len(outcomes) >= 20, 10, "20 publishes before the kill")
            before = len(outcomes)
            killed_at = time.monotonic()
            nats_cluster.kill(leader)

            def acked_since_kill() -> int:
                return sum(o.result is not None for o in outcomes[before:])

            await eventually(lambda: acked_since_kill() >= 30, 30, "30 acks after the kill")
        finally:
            stop.set()
            await asyncio.wait_for(publisher, 30)

        after = await until_answered(lambda: bus.jetstream.stream_info(EVENTS_STREAM), timeout=30)
        assert after.cluster is not None
        assert after.cluster.leader not in (None, leader)
        stored = await until_answered(lambda: bus.history(run_id), timeout=30)

    # Every publish either was acked or raised the clear error after its retries.
    failed = [o for o in outcomes if o.error is not None]
    for o in failed:
        assert "attempt" in str(o.error), o.error
        assert o.seconds >= bus.publish_retry_s - 0.5, "gave up before its retry budget"
    # The stream holds each acknowledged event exactly once (and nothing twice).
    ids = [e.event_id for e in stored]
    assert len(ids) == len(set(ids)), "an event was stored twice"
    acked = {o.event.event_id: o.result for o in outcomes if o.result is not None}
    assert set(acked) <= set(ids), "an acknowledged event is missing from the stream"
    by_id = {e.event_id: e.sequence for e in stored}
    for event_id, result in acked.items():
        assert result is not None
        assert by_id[event_id] == result.sequence
    assert set(ids) <= {o.event.event_id for o in outcomes} | {stored[0].event_id}
    assert all(o.result is not None for o in outcomes[:before])

    after_kill = outcomes[before:]
    first_ack = next(o for o in after_kill if o.result is not None)
    print(
        f"\npublish through the loss of stream leader {leader}: {len(outcomes)} publishes, "
        f"{len(acked)} acked, {len(failed)} failed with a clear error; longest publish "
        f"{max(o.seconds for o in outcomes):.2f} s; first ack after the kill "
        f"{first_ack.started + first_ack.seconds - killed_at:.2f} s after it; "
        f"{sum(1 for o in after_kill if o.seconds > 0.5)} publishes took > 0.5 s"
    )


async def test_a_pull_worker_keeps_delivering_after_its_consumer_leader_dies(
    nats_cluster: NatsCluster,
) -> None:
    durable = tool_durable(Tool.EXPORT)
    # A short ack wait: a message whose ack died with the old leader comes back within it.
    settings = ConsumerSettings(ack_wait=3.0, fetch_timeout=0.5)
    handled: list[tuple[float, str]] = []

    async def handler(delivery: Delivery) -> None:
        handled.append((time.monotonic(), str(delivery.event.event_id)))

    def request(i: int) -> Event:
        params = sample_params(Tool.EXPORT)
        payload = TaskRequested(tool=Tool.EXPORT, task_id=f"t{i}", params=params)
        return Event.build("run_failover_worker", payload)

    async with (
        await cluster_bus(nats_cluster, "producer") as producer,
        await cluster_bus(nats_cluster, "worker") as consumer_bus,
    ):
        await until_answered(
            lambda: consumer_bus.ensure_consumer(
                TASKS_STREAM, durable, filter_subject=tool_filter(Tool.EXPORT), settings=settings
            ),
            timeout=30,
        )
        info = await consumer_bus.jetstream.consumer_info(TASKS_STREAM, durable)
        assert info.cluster is not None
        assert len(info.cluster.replicas or []) == 2
        leader = info.cluster.leader
        assert leader is not None

        worker = consumer_bus.worker(
            TASKS_STREAM,
            durable,
            handler,
            filter_subject=tool_filter(Tool.EXPORT),
            settings=settings,
        )
        stop = asyncio.Event()
        outcomes: list[Outcome] = []
        async with worker:
            publisher = asyncio.create_task(publish_steadily(producer, request, stop, outcomes))
            try:
                await eventually(lambda: len(handled) >= 20, 30, "20 tasks handled before the kill")
                killed_at = time.monotonic()
                nats_cluster.kill(leader)
                await eventually(
                    lambda: sum(t > killed_at for t, _ in handled) >= 30,
                    30,
                    "30 tasks handled after the kill",
                )
            finally:
                stop.set()
                await asyncio.wait_for(publisher, 30)
            published = {str(o.event.event_id) for o in outcomes if o.result is not None}
            # None lost: every task the stream acked reaches the handler (at least once).
            await eventually(
                lambda: published <= {i for _, i in handled}, 30, "every acked task handled"
            )
        after = await until_answered(
            lambda: consumer_bus.jetstream.consumer_info(TASKS_STREAM, durable), timeout=30
        )
        assert after.cluster is not None
        assert after.cluster.leader not in (None, leader)

    ids = [i for _, i in handled]
    times = [t for t, _ in handled]
    resumed = next(t for t in times if t > killed_at)
    print(
        f"\npull worker through the loss of consumer leader {leader}: {len(published)} tasks "
        f"acked by the stream, {len(set(ids))} handled, {len(ids) - len(set(ids))} "
        f"redelivered; first delivery {resumed - killed_at:.2f} s after the kill"
    )


async def test_a_server_list_connects_past_a_dead_server(nats_cluster: NatsCluster) -> None:
    async with await cluster_bus(nats_cluster, "setup"):
        pass  # R3 streams need all three servers to be placed
    first, *rest = nats_cluster.node_urls
    nats_cluster.kill(first)
    url = ",".join(nats_cluster.node_urls[n] for n in (first, *rest))  # the dead one first
    assert ServiceSettings(nats_url=url).nats_url == url
    async with await Bus.connect(url, name="test", startup_timeout=10) as bus:
        assert bus.is_connected
        event = Event.build("run_list", TaskStarted(tool=Tool.GENERATE), task_id="t")
        # The streams whose leader was the dead server elect another within the retry budget.
        assert not (await bus.publish(event)).duplicate


def test_the_url_setting_takes_a_comma_separated_list() -> None:
    url = "nats://n1:4222, nats://n2:4222,tls://n3:4222"
    assert ServiceSettings(nats_url=url).nats_url == url
    with pytest.raises(ValidationError, match="nats://host:port"):
        ServiceSettings(nats_url="nats://n1:4222,http://n2:4222")
    assert ServiceSettings().nats_publish_retry_s == 10.0


async def test_without_a_quorum_a_publish_fails_clearly_after_its_budget(
    nats_cluster: NatsCluster,
) -> None:
    async with await cluster_bus(nats_cluster, "setup") as setup:
        info = await setup.jetstream.stream_info(EVENTS_STREAM)
    assert info.cluster is not None
    assert info.cluster.leader is not None
    survivor, other = [n for n in nats_cluster.node_urls if n != info.cluster.leader]
    url = nats_cluster.node_urls[survivor]
    async with await until_answered(lambda: Bus.connect(url, name="test"), timeout=30) as bus:
        for name in (info.cluster.leader, other):
            nats_cluster.kill(name)  # two of three: no stream can elect a leader
        event = Event.build("run_no_quorum", TaskStarted(tool=Tool.GENERATE), task_id="t")
        started = time.monotonic()
        with pytest.raises((BusTimeoutError, BusUnavailableError), match=r"attempts in 2\.\d s"):
            await bus.publish(event, retry_for=2.0)
        assert 2.0 <= time.monotonic() - started < 3.0
