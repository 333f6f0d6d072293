"""The garbage collector's settings for servers: the start-up heap frozen, old objects
collected rarely."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from prolight.platform.heap import (
    OLD_GENERATION_THRESHOLD,
    collect_old_objects_rarely,
    freeze_startup_heap,
)


@pytest.fixture
def collector() -> Iterator[None]:
    """Whatever a test does to the collector is undone after it."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("collector")
def test_objects_alive_at_start_up_are_frozen_and_later_ones_are_not() -> None:
    before = gc.get_freeze_count()
    freeze_startup_heap()
    frozen = gc.get_freeze_count()
    assert frozen > before
    _later = [[] for _ in range(1000)]
    assert gc.get_freeze_count() == frozen


@pytest.mark.usefixtures("collector")
def test_old_objects_are_collected_a_hundred_times_less_often_young_ones_as_before() -> None:
    young, middle, old = gc.get_threshold()
    collect_old_objects_rarely()
    assert gc.get_threshold() == (young, middle, OLD_GENERATION_THRESHOLD)
    assert 100 * old <= OLD_GENERATION_THRESHOLD
