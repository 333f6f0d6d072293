"""The event envelope and the subject builders."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from prolight.contracts.events import (
    EVENT_PAYLOADS,
    ArtifactReady,
    Event,
    RunCreated,
    RunFailed,
    TaskFailed,
    TaskRequested,
)
from prolight.contracts.subjects import (
    EventType,
    Tool,
    event_kind_filter,
    event_subject,
    parse_subject,
    run_history_filter,
    task_subject,
    tool_durable,
    tool_filter,
)
from prolight.contracts.tasks import ExportParams
from prolight.domain.schema import load_setup


def test_every_event_type_has_a_payload_model() -> None:
    assert set(EVENT_PAYLOADS) == set(EventType)


@pytest.mark.parametrize(
    ("event_type", "subject"),
    [
        pytest.param(EventType.RUN_CREATED, "prolight.run.created.r1", id="run"),
        pytest.param(
            EventType.RUN_CANCEL_REQUESTED, "prolight.run.cancel_requested.r1", id="cancel"
        ),
        pytest.param(EventType.TASK_COMPLETED, "prolight.task.completed.r1", id="task"),
        pytest.param(EventType.ARTIFACT_READY, "prolight.artifact.ready.r1", id="artifact"),
        pytest.param(
            EventType.TASK_REQUESTED_EVALUATE, "prolight.task.requested.evaluate.r1", id="request"
        ),
    ],
)
def test_subjects_round_trip(event_type: EventType, subject: str) -> None:
    assert event_subject(event_type, "r1") == subject
    assert parse_subject(subject) == (event_type, "r1")


def test_filters_and_durables() -> None:
    assert task_subject(Tool.EXPORT, "r1") == "prolight.task.requested.export.r1"
    assert tool_filter("generate") == "prolight.task.requested.generate.*"
    assert run_history_filter("r1") == "prolight.*.*.r1"
    assert event_kind_filter("task.completed") == "prolight.task.completed.*"
    assert event_kind_filter("task.requested.export") == "prolight.task.requested.export.*"
    assert tool_durable(Tool.EVALUATE) == "prolight-evaluate"


@pytest.mark.parametrize("run_id", ["a.b", "a*", ">", "a b", ""])
def test_a_run_id_that_is_not_a_subject_token_is_refused(run_id: str) -> None:
    with pytest.raises(ValueError, match="subject token"):
        event_subject(EventType.RUN_FAILED, run_id)
    with pytest.raises(ValidationError):
        Event.build(run_id, RunFailed(reason="x"))


EXPORT = ExportParams(
    iteration=1, best_artifact_id="a", ranking=[], candidates=[], stop_reason="threshold"
)


def test_build_infers_the_type_and_the_task_id_of_a_request() -> None:
    event = Event.build("r1", TaskRequested(tool=Tool.EXPORT, task_id="t1", params=EXPORT))
    assert event.type == EventType.TASK_REQUESTED_EXPORT
    assert event.task_id == "t1"
    assert event.subject == "prolight.task.requested.export.r1"
    assert event.sequence is None


def test_json_round_trip_keeps_the_payload_model() -> None:
    prompt_setup = load_setup({"lighting": {"key": {"direction": "front", "intensity": 1.0}}})
    from prolight.domain.schema import FiboPrompt

    events = [
        Event.build("r1", RunCreated(prompt=FiboPrompt(scene=prompt_setup))),
        Event.build("r1", RunFailed(reason="x")),
        Event.build("r1", TaskFailed(tool=Tool.GENERATE, reason="x", retryable=True), task_id="t"),
        Event.build(
            "r1",
            ArtifactReady(artifact_id="a", sha256="0" * 64, url="file://x", size_bytes=3),
            task_id="t",
        ),
    ]
    for event in events:
        back = Event.model_validate_json(event.model_dump_json())
        assert back == event
        assert type(back.payload) is type(event.payload)


def test_the_type_decides_the_payload_model() -> None:
    data = Event.build("r1", TaskFailed(tool=Tool.GENERATE, reason="x"), task_id="t")
    as_dict = data.model_dump(mode="json")
    as_dict["type"] = "run.failed"
    back = Event.model_validate(as_dict)
    assert type(back.payload) is RunFailed


def test_a_payload_that_does_not_match_the_type_is_refused() -> None:
    with pytest.raises(ValidationError, match="carries RunFailed"):
        Event(
            type=EventType.RUN_FAILED,
            run_id="r1",
            payload=TaskFailed(tool=Tool.GENERATE, reason="x"),
        )
    with pytest.raises(ValidationError, match="cannot carry a request for tool"):
        Event(
            type=EventType.TASK_REQUESTED_GENERATE,
            run_id="r1",
            task_id="t",
            payload=TaskRequested(tool=Tool.EXPORT, task_id="t", params=EXPORT),
        )


def test_unknown_fields_from_newer_publishers_are_ignored() -> None:
    event = Event.build("r1", RunFailed(reason="x"))
    data = event.model_dump(mode="json")
    data["future_field"] = 1
    data["payload"]["also_new"] = True
    assert Event.model_validate(data) == event
