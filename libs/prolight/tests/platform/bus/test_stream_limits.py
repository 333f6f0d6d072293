"""The events stream's bounds (age, size, discard old) as declared and as updated by a later
service with other settings, and purging one run's events, on a real nats-server."""

from __future__ import annotations

import pytest
from nats.js.api import DiscardPolicy

from prolight.contracts.events import Event, RunFailed
from prolight.contracts.subjects import EVENTS_STREAM
from prolight.platform.bus import Bus
from prolight.platform.bus.streams import (
    DUPLICATE_WINDOW_S,
    EVENTS_MAX_AGE_S,
    EVENTS_MAX_BYTES,
    stream_configs,
)
from prolight.platform.settings import ServiceSettings

pytestmark = pytest.mark.integration


async def test_the_events_stream_is_bounded_by_default(bus: Bus) -> None:
    config = (await bus.jetstream.stream_info(EVENTS_STREAM)).config
    assert config.max_age == EVENTS_MAX_AGE_S == 7 * 24 * 3600
    assert config.max_bytes == EVENTS_MAX_BYTES == 1024**3
    assert config.discard == DiscardPolicy.OLD  # old events go; publishing never stops
    settings = ServiceSettings()
    assert (settings.events_max_age_s, settings.events_max_bytes) == (
        EVENTS_MAX_AGE_S,
        EVENTS_MAX_BYTES,
    )


async def test_a_service_with_other_limits_updates_the_existing_stream(bus: Bus) -> None:
    await bus.publish(Event.build("r1", RunFailed(reason="x")))
    await bus.ensure_streams(events_max_age_s=2.0, events_max_bytes=64 * 1024**2)
    info = await bus.jetstream.stream_info(EVENTS_STREAM)
    assert (info.config.max_age, info.config.max_bytes) == (2.0, 64 * 1024**2)
    # JetStream refuses a duplicate window longer than the age limit.
    assert info.config.duplicate_window == 2.0
    assert info.state.messages == 1  # updated in place, nothing lost by the update itself


async def test_a_service_that_names_no_limits_keeps_the_streams(bus: Bus) -> None:
    """A caller without the settings (an older gateway) leaves the limits as they are."""
    await bus.ensure_streams(events_max_age_s=15.0, events_max_bytes=64 * 1024**2)
    await bus.ensure_streams()
    config = (await bus.jetstream.stream_info(EVENTS_STREAM)).config
    assert (config.max_age, config.max_bytes, config.duplicate_window) == (
        15.0,
        64 * 1024**2,
        15.0,
    )
    await bus.ensure_streams(events_max_bytes=32 * 1024**2)  # one limit named: that one changes
    config = (await bus.jetstream.stream_info(EVENTS_STREAM)).config
    assert (config.max_age, config.max_bytes) == (15.0, 32 * 1024**2)


def test_stream_limits_are_checked() -> None:
    [events, *_] = stream_configs(events_max_age_s=3600.0)
    assert events.duplicate_window == DUPLICATE_WINDOW_S
    with pytest.raises(ValueError, match="positive"):
        stream_configs(events_max_bytes=0)


async def test_purge_run_removes_that_run_only(bus: Bus) -> None:
    for run_id in ("gone", "kept", "gone"):
        await bus.publish(Event.build(run_id, RunFailed(reason="x")))
    await bus.purge_run("gone")
    assert await bus.history("gone") == []
    assert await bus.created("gone") is None
    assert len(await bus.history("kept")) == 1
    await bus.purge_run("gone")  # idempotent
