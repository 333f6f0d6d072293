"""Progress and message rendering: pure functions, no network."""

from __future__ import annotations

import json

import pytest
from notifier_testkit import GATEWAY, filler, run_events

from prolight.contracts.events import Event, RunFailed
from prolight.platform.bus import StoredEvent
from prolight_notifier.messages import RunProgress, artifact_urls, render_message


def _delivered(events: list[Event]) -> list[StoredEvent]:
    return [StoredEvent.of(e.model_copy(update={"sequence": i + 1})) for i, e in enumerate(events)]


def test_progress_rises_monotonically_to_one_at_completion() -> None:
    progress = RunProgress()
    values = [progress.observe(e) for e in _delivered(run_events("r1", n=3))]
    assert values == sorted(values)
    assert values[0] == 0.0
    assert all(v <= 0.99 for v in values[:-1])
    assert values[-1] == 1.0


def test_progress_counts_planned_tasks_from_run_created() -> None:
    progress = RunProgress()
    events = _delivered(run_events("r1", n=2, finish=False))
    for event in events[:3]:  # created, generate started, generate completed
        value = progress.observe(event)
    assert value == pytest.approx(1 / 5)  # 2 candidates × (generate + evaluate) + export


def test_progress_grows_the_plan_when_more_tasks_appear() -> None:
    progress = RunProgress()
    events = _delivered([filler("r1", i) for i in range(10)])
    values = [progress.observe(e) for e in events]
    assert values[-1] == 0.99  # all seen tasks finished, but the run has not ended


def test_failed_run_keeps_its_progress() -> None:
    progress = RunProgress()
    events = _delivered(
        [*run_events("r1", n=2, finish=False)[:3], Event.build("r1", RunFailed(reason="x"))]
    )
    values = [progress.observe(e) for e in events]
    assert values[-1] == values[-2] > 0


def test_artifact_ready_carries_gateway_urls() -> None:
    event = _delivered(run_events("r1", n=1))[3]
    message = render_message(event, 0.5, GATEWAY)
    body = json.loads(message.text)
    assert body["artifact_url"] == f"{GATEWAY}/api/artifacts/r1-art-0"
    assert body["thumbnail_url"] == f"{GATEWAY}/api/artifacts/r1-art-0?size=256"
    assert body["progress"] == 0.5
    assert body["sequence"] == 4
    assert {"event_id", "type", "run_id", "task_id", "occurred_at", "payload"} <= body.keys()
    assert "traceparent" not in body


def test_undelivered_event_is_refused() -> None:
    with pytest.raises(ValueError, match="sequence"):
        StoredEvent.of(run_events("r1")[0])


def test_the_message_is_the_events_json_with_sequence_and_progress() -> None:
    created = run_events("r1", n=1)[0].model_copy(update={"sequence": 7, "traceparent": "00-x"})
    message = render_message(StoredEvent.of(created), 0.25, GATEWAY)
    expected = created.model_dump(mode="json", exclude={"traceparent"}) | {"progress": 0.25}
    assert json.loads(message.text) == expected
    assert message.text == json.dumps(expected, separators=(",", ":"), ensure_ascii=False)


def test_options_that_are_not_run_options_plan_nothing_rather_than_fail() -> None:
    created = StoredEvent.of(run_events("r1", n=2)[0].model_copy(update={"sequence": 1}))
    broken = StoredEvent(1, created.type, "r1", {**created.body, "payload": {"options": 3}})
    assert RunProgress().observe(broken) == 0.0


def test_artifact_urls_strip_trailing_slash() -> None:
    assert artifact_urls("http://h:1/", "a") == (
        "http://h:1/api/artifacts/a",
        "http://h:1/api/artifacts/a?size=256",
    )
