"""Streams kept on three servers (`PROLIGHT_NATS_REPLICAS=3`), on a real 3-node cluster."""

from __future__ import annotations

import pytest

from prolight.contracts.events import Event, RunCancelRequested
from prolight.contracts.subjects import EVENTS_STREAM, TASKS_STREAM, Tool, tool_durable, tool_filter
from prolight.platform.bus import Bus
from prolight.platform.bus.streams import stream_configs
from prolight_testing.infra import NatsCluster, until_answered

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_replicas_reach_every_pipeline_stream() -> None:
    assert {c.num_replicas for c in stream_configs(3)} == {3}
    assert {c.num_replicas for c in stream_configs()} == {1}
    with pytest.raises(ValueError, match="at least 1"):
        stream_configs(0)


async def test_streams_and_consumers_live_on_three_servers_and_outlive_their_leader(
    nats_cluster: NatsCluster,
) -> None:
    # A new cluster answers before it has elected its JetStream meta leader.
    bus = await until_answered(lambda: Bus.connect(nats_cluster.url, name="test"), timeout=30)
    async with bus:
        await until_answered(lambda: bus.ensure_streams(replicas=3), timeout=30)
        events = await bus.jetstream.stream_info(EVENTS_STREAM)
        assert events.config.num_replicas == 3
        assert events.cluster is not None
        assert len(events.cluster.replicas or []) == 2
        durable = tool_durable(Tool.GENERATE)
        await until_answered(
            lambda: bus.ensure_consumer(
                TASKS_STREAM, durable, filter_subject=tool_filter(Tool.GENERATE)
            ),
            timeout=30,
        )
        consumer = await bus.jetstream.consumer_info(TASKS_STREAM, durable)
        assert consumer.cluster is not None
        assert len(consumer.cluster.replicas or []) == 2  # a durable takes its stream's replicas

        event = Event.build("run_replicas", RunCancelRequested(reason="test"))
        first = await until_answered(lambda: bus.publish(event), timeout=30)
        leader = events.cluster.leader
        assert leader is not None
        nats_cluster.kill(leader)

        # The same event again, retried through the election: the new leader knows its id.
        again = await until_answered(lambda: bus.publish(event, timeout=2), timeout=60)
        assert again.duplicate
        assert again.sequence == first.sequence
        after = await until_answered(lambda: bus.jetstream.stream_info(EVENTS_STREAM), timeout=30)
        assert after.state.messages == 1
        assert after.cluster is not None
        assert after.cluster.leader not in (None, leader)
