"""What a client receives: the event envelope, the run's overall progress, artifact links.

One message per event, as JSON:

    {"event_id": "…", "type": "task.completed", "run_id": "…", "task_id": "…",
     "sequence": 42, "occurred_at": "2026-…Z", "payload": {…},
     "progress": 0.45,
     "artifact_url": "…/api/artifacts/<id>", "thumbnail_url": "…/api/artifacts/<id>?size=256"}

The last two only on `artifact.ready`. `sequence` is the JetStream stream sequence: resume after
it (`?after=` or SSE `Last-Event-ID`).

**Progress** (0–1) follows `prolight.contracts.progress` (the gateway's rule too), from the
run's events alone, so every notifier instance gives the same number for the same history:
planned tasks from `run.created`'s options (or the task ids seen, if more), finished = distinct
task ids with `task.completed` or `task.failed`. Here it also never goes down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pydantic_core
from pydantic import ValidationError

from prolight.contracts.api import artifact_url
from prolight.contracts.events import RunOptions
from prolight.contracts.progress import planned_tasks, run_progress
from prolight.contracts.subjects import EventType
from prolight.platform.bus import StoredEvent

__all__ = [
    "TERMINAL_TYPES",
    "THUMBNAIL_SIZE",
    "Message",
    "RunProgress",
    "artifact_urls",
    "render_message",
    "text_frame",
]

TERMINAL_TYPES = frozenset({EventType.RUN_COMPLETED, EventType.RUN_FAILED, EventType.RUN_CANCELLED})
"""After one of these nothing more comes for the run: the stream closes normally."""

THUMBNAIL_SIZE = 256
"""Pixels on the long side of the thumbnail URL (`?size=`)."""


@dataclass
class RunProgress:
    """Overall progress of one run, fed its events in sequence order (module docstring)."""

    options: RunOptions | None = None
    seen: set[str] = field(default_factory=set)
    finished: set[str] = field(default_factory=set)
    value: float = 0.0

    def observe(self, event: StoredEvent) -> float:
        """Account for `event`; returns the progress after it."""
        if event.type == EventType.RUN_CREATED:
            self.options = _options(event.payload)
        task_id = event.task_id
        if task_id is not None and event.type.startswith("task."):
            self.seen.add(task_id)
            if event.type in (EventType.TASK_COMPLETED, EventType.TASK_FAILED):
                self.finished.add(task_id)
        if event.type == EventType.RUN_COMPLETED or event.type not in TERMINAL_TYPES:
            current = run_progress(
                finished=len(self.finished),
                planned=planned_tasks(self.options, len(self.seen)),
                completed=event.type == EventType.RUN_COMPLETED,
            )
            self.value = max(self.value, current)
        return self.value


def _options(created: dict[str, Any]) -> RunOptions | None:
    """The options of a run.created payload (None when they are not valid options)."""
    try:
        return RunOptions.model_validate(created.get("options"))
    except ValidationError:
        return None


def artifact_urls(gateway_url: str, artifact_id: str) -> tuple[str, str]:
    """(download URL, thumbnail URL) of an artifact on the gateway at `gateway_url`."""
    url = artifact_url(gateway_url, artifact_id)
    return url, f"{url}?size={THUMBNAIL_SIZE}"


@dataclass(frozen=True, slots=True)
class Message:
    """One event rendered for clients, built once per event and shared by every client of the
    run: its sequence, type, JSON `text`, and `frame` — the text as one complete WebSocket text
    frame (server to client: unmasked, no extension), written as is to every socket. A run's
    messages are kept while it has clients, so each is one slotted object, no more."""

    sequence: int
    type: EventType
    text: str
    frame: bytes

    @classmethod
    def of(cls, sequence: int, type: EventType, text: str) -> Message:
        """The message carrying `text`, its frame encoded."""
        return cls(sequence, type, text, text_frame(text.encode()))

    @property
    def terminal(self) -> bool:
        """True when the run ends with this event."""
        return self.type in TERMINAL_TYPES


def text_frame(payload: bytes) -> bytes:
    """One final, unmasked text frame carrying `payload` (RFC 6455 §5.2): the head is two bytes,
    then a 16- or 64-bit length past 125 bytes. Built here rather than by `websockets`, whose
    general frame writer cost as much as the rest of rendering the message."""
    size = len(payload)
    if size < 126:
        head = bytes((0x81, size))
    elif size < 1 << 16:
        head = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return head + payload


def render_message(event: StoredEvent, progress: float, gateway_url: str) -> Message:
    """The client message for `event` (module docstring): its stored JSON object without
    `traceparent`, with its `sequence`, the run's `progress` and, for an artifact, its links;
    written once, by pydantic-core, for every client of the run."""
    body = event.body
    message: dict[str, Any] = {
        "event_id": body["event_id"],
        "type": body["type"],
        "run_id": body["run_id"],
        "task_id": body["task_id"],
        "occurred_at": body["occurred_at"],
        "sequence": event.sequence,
        "payload": body["payload"],
        "progress": progress,
    }
    artifact_id = event.payload.get("artifact_id")
    if event.type == EventType.ARTIFACT_READY and isinstance(artifact_id, str):
        message["artifact_url"], message["thumbnail_url"] = artifact_urls(gateway_url, artifact_id)
    return Message.of(event.sequence, event.type, pydantic_core.to_json(message).decode())
