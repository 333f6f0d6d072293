"""What a client receives: the event envelope, the run's overall progress, artifact links.

One message per event, as JSON:

    {"event_id": "…", "type": "task.completed", "run_id": "…", "task_id": "…",
     "sequence": 42, "occurred_at": "2026-…Z", "payload": {…},
     "progress": 0.45,
     "artifact_url": "…/api/artifacts/<id>", "thumbnail_url": "…/api/artifacts/<id>?size=256"}

The last two only on `artifact.ready`. `sequence` is the JetStream stream sequence: resume after
it (`?after=` or SSE `Last-Event-ID`).

**Progress** (0–1) is computed from the run's events alone, so every notifier instance gives the
same number for the same history:

- planned tasks = `prolight.api.queued_steps(options)` of `run.created` — the same number the
  gateway answers as `queued_steps`: (a generate and an evaluate task per candidate, then one
  export) × max_iterations — raised to the number of distinct task ids seen if the run turns
  out to have more;
- finished tasks = distinct task ids with `task.completed` (including `cached`) or `task.failed`;
- progress = finished ÷ planned, capped at 0.99 until the run ends, 1.0 on `run.completed`;
  `run.failed` / `run.cancelled` keep the last value. It never goes down (a run that stops
  early on its score threshold jumps to 1.0 at `run.completed`).

Without a `run.created` in the history (a stream trimmed by age), planned = tasks seen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from websockets.frames import Frame, Opcode

from prolight.api import queued_steps
from prolight.events import ArtifactReady, Event, RunCreated
from prolight.subjects import EventType

__all__ = [
    "TERMINAL_TYPES",
    "THUMBNAIL_SIZE",
    "Message",
    "RunProgress",
    "artifact_urls",
    "render_message",
]

TERMINAL_TYPES = frozenset({EventType.RUN_COMPLETED, EventType.RUN_FAILED, EventType.RUN_CANCELLED})
"""After one of these nothing more comes for the run: the stream closes normally."""

THUMBNAIL_SIZE = 256
"""Pixels on the long side of the thumbnail URL (`?size=`)."""

_RUNNING_CAP = 0.99


@dataclass
class RunProgress:
    """Overall progress of one run, fed its events in sequence order (module docstring)."""

    planned: int = 0
    seen: set[str] = field(default_factory=set)
    finished: set[str] = field(default_factory=set)
    value: float = 0.0

    def observe(self, event: Event) -> float:
        """Account for `event`; returns the progress after it."""
        if isinstance(event.payload, RunCreated):
            self.planned = max(self.planned, queued_steps(event.payload.options))
        if event.task_id is not None and event.type.startswith("task."):
            self.seen.add(event.task_id)
            if event.type in (EventType.TASK_COMPLETED, EventType.TASK_FAILED):
                self.finished.add(event.task_id)
        if event.type == EventType.RUN_COMPLETED:
            self.value = 1.0
        elif event.type not in TERMINAL_TYPES:
            planned = max(self.planned, len(self.seen))
            if planned:
                current = min(len(self.finished) / planned, _RUNNING_CAP)
                self.value = max(self.value, round(current, 4))
        return self.value


def artifact_urls(gateway_url: str, artifact_id: str) -> tuple[str, str]:
    """(download URL, thumbnail URL) of an artifact on the gateway at `gateway_url`."""
    url = f"{gateway_url.rstrip('/')}/api/artifacts/{artifact_id}"
    return url, f"{url}?size={THUMBNAIL_SIZE}"


@dataclass(frozen=True)
class Message:
    """One event rendered for clients: its sequence, type and JSON text (built once per event
    and shared by every client of the run)."""

    sequence: int
    type: EventType
    text: str

    @property
    def terminal(self) -> bool:
        """True when the run ends with this event."""
        return self.type in TERMINAL_TYPES

    @cached_property
    def frame(self) -> bytes:
        """`text` as one complete WebSocket text frame (server to client: unmasked, no
        extension), encoded on first use and then written as is to every socket of the run."""
        return Frame(Opcode.TEXT, self.text.encode()).serialize(mask=False, extensions=[])


def render_message(event: Event, progress: float, gateway_url: str) -> Message:
    """The client message for `event` (module docstring); `event.sequence` must be set."""
    if event.sequence is None:
        raise ValueError("only delivered events (with a stream sequence) can be sent")
    body: dict[str, Any] = event.model_dump(mode="json", exclude={"traceparent"})
    body["progress"] = progress
    if isinstance(event.payload, ArtifactReady):
        body["artifact_url"], body["thumbnail_url"] = artifact_urls(
            gateway_url, event.payload.artifact_id
        )
    return Message(event.sequence, event.type, json.dumps(body, separators=(",", ":")))
