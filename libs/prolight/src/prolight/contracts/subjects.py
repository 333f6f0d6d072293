"""Subject and stream names of the run pipeline, and the only functions that build them.

A service never formats a subject by hand: it calls one of the builders below, so a rename
happens here once. The layout (docs/architecture.md, "Streams, subjects and consumers"):

    PROLIGHT_EVENTS  limits retention   prolight.<entity>.<event>.<run_id>      (4 tokens)
    PROLIGHT_TASKS   work-queue         prolight.task.requested.<tool>.<run_id> (5 tokens)

The events stream takes everything through the single subject `prolight.*.*.*` because
nats-server 2.9 accepts a consumer filter only when it is a subset of *one* stream subject;
with it both `prolight.*.*.<run_id>` (one run's history) and `prolight.task.completed.*` (one
kind, every run) are valid filters. The task subjects have five tokens so the two streams
never overlap.

Run ids become a subject token, so they must not contain `.`, `*`, `>` or whitespace;
`RUN_ID_PATTERN` is the rule and `Event` enforces it.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = [
    "ALL_EVENTS",
    "DEAD_LETTERS_STREAM",
    "EVENTS_STREAM",
    "EVENTS_STREAM_SUBJECT",
    "RUN_ID_PATTERN",
    "SUBJECT_PREFIX",
    "TASKS_STREAM",
    "TASKS_STREAM_SUBJECT",
    "EventType",
    "Tool",
    "event_kind_filter",
    "event_subject",
    "is_run_id",
    "max_deliveries_advisory",
    "parse_subject",
    "run_history_filter",
    "task_subject",
    "tool_durable",
    "tool_filter",
]

SUBJECT_PREFIX = "prolight"

EVENTS_STREAM = "PROLIGHT_EVENTS"
"""Every run event except task requests; limits retention, kept for replay."""

TASKS_STREAM = "PROLIGHT_TASKS"
"""Task requests; work-queue retention (a message is gone once a worker acks it)."""

DEAD_LETTERS_STREAM = "PROLIGHT_DEAD_LETTERS"
"""Captures the MAX_DELIVERIES advisories of both streams, so no dead letter is missed
while its listener (the planner) is down."""

EVENTS_STREAM_SUBJECT = f"{SUBJECT_PREFIX}.*.*.*"
TASKS_STREAM_SUBJECT = f"{SUBJECT_PREFIX}.task.requested.*.*"

ALL_EVENTS = EVENTS_STREAM_SUBJECT
"""Filter for every event in the events stream (the notifier's live feed, the planner)."""

RUN_ID_PATTERN = r"^[A-Za-z0-9_-]{1,128}$"
_RUN_ID = re.compile(RUN_ID_PATTERN)


class Tool(StrEnum):
    """What a task asks a worker to do; one durable work-queue consumer per tool."""

    GENERATE = "generate"
    EVALUATE = "evaluate"
    EXPORT = "export"


class EventType(StrEnum):
    """Every event of the pipeline; the value is the middle of its subject."""

    RUN_CREATED = "run.created"
    RUN_CANCEL_REQUESTED = "run.cancel_requested"
    RUN_COMPLETED = "run.completed"
    RUN_FAILED = "run.failed"
    RUN_CANCELLED = "run.cancelled"
    TASK_REQUESTED_GENERATE = "task.requested.generate"
    TASK_REQUESTED_EVALUATE = "task.requested.evaluate"
    TASK_REQUESTED_EXPORT = "task.requested.export"
    TASK_STARTED = "task.started"
    TASK_COMPLETED = "task.completed"
    TASK_FAILED = "task.failed"
    ARTIFACT_READY = "artifact.ready"

    @property
    def is_task_request(self) -> bool:
        """True for `task.requested.<tool>`: those go to the work-queue stream."""
        return self.value.startswith("task.requested.")

    @property
    def tool(self) -> Tool | None:
        """The tool of a task request, None for every other event."""
        return Tool(self.value.rsplit(".", 1)[1]) if self.is_task_request else None

    @classmethod
    def task_requested(cls, tool: Tool | str) -> EventType:
        """The request event type for `tool` (`task.requested.generate`, …)."""
        return cls(f"task.requested.{Tool(tool).value}")


def is_run_id(value: str) -> bool:
    """True when `value` can be a run id (`RUN_ID_PATTERN`: one subject token)."""
    return _RUN_ID.match(value) is not None


def _check_run_id(run_id: str) -> str:
    if not is_run_id(run_id):
        raise ValueError(
            f"run id {run_id!r} cannot be a subject token: use 1-128 of A-Z a-z 0-9 _ -"
        )
    return run_id


def event_subject(event_type: EventType | str, run_id: str) -> str:
    """The subject an event of `event_type` for `run_id` is published on (either stream)."""
    return f"{SUBJECT_PREFIX}.{EventType(event_type).value}.{_check_run_id(run_id)}"


def task_subject(tool: Tool | str, run_id: str) -> str:
    """`prolight.task.requested.<tool>.<run_id>`, in the work-queue stream."""
    return event_subject(EventType.task_requested(tool), run_id)


def run_history_filter(run_id: str) -> str:
    """`prolight.*.*.<run_id>`: one run's whole history in the events stream."""
    return f"{SUBJECT_PREFIX}.*.*.{_check_run_id(run_id)}"


def event_kind_filter(event_type: EventType | str) -> str:
    """`prolight.<entity>.<event>.*`: one kind of event for every run (not task requests)."""
    et = EventType(event_type)
    if et.tool is not None:
        return tool_filter(et.tool)
    return f"{SUBJECT_PREFIX}.{et.value}.*"


def tool_filter(tool: Tool | str) -> str:
    """`prolight.task.requested.<tool>.*`: the filter of the tool's durable work-queue consumer."""
    return f"{SUBJECT_PREFIX}.task.requested.{Tool(tool).value}.*"


def tool_durable(tool: Tool | str) -> str:
    """The durable consumer name every instance of the `tool` worker shares."""
    return f"prolight-{Tool(tool).value}"


def max_deliveries_advisory(stream: str = "*", consumer: str = "*") -> str:
    """The subject JetStream announces a message that exhausted MaxDeliver on."""
    return f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{stream}.{consumer}"


def parse_subject(subject: str) -> tuple[EventType, str]:
    """(event type, run id) of a pipeline subject; ValueError for anything else."""
    parts = subject.split(".")
    if len(parts) not in (4, 5) or parts[0] != SUBJECT_PREFIX:
        raise ValueError(f"not a ProLight event subject: {subject!r}")
    return EventType(".".join(parts[1:-1])), _check_run_id(parts[-1])
