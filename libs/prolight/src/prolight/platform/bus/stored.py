"""`StoredEvent`: an event as the events stream holds it — for consumers that forward events
rather than act on them.

    StoredEvent(sequence=42, type=EventType.TASK_COMPLETED, run_id="run_…",
                body={"event_id": …, "type": …, "run_id": …, "task_id": …,
                      "occurred_at": "…Z", "traceparent": …, "payload": {…}})

`body` is the message's JSON object as `Bus.publish` wrote it (`Event` fields but `sequence`),
parsed and checked for shape, but its payload not validated against its model: the notifier
hands thousands of events a second to clients, and validating each as an `Event` (14 µs) and
writing it back out was a third of its CPU per event. The type and run id come from the
subject and must agree with the body; everything else a client could rely on — `event_id`,
`occurred_at`, `task_id`, a `payload` object — is checked to be there and of its JSON type.
Consumers that act on an event (the planner, the workers) validate it whole (`Delivery`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pydantic_core
from nats.aio.msg import Msg

from prolight.contracts.events import Event
from prolight.contracts.subjects import EventType, parse_subject
from prolight.platform.bus.errors import MalformedEventError

__all__ = ["StoredEvent"]

_STRINGS = ("event_id", "occurred_at")


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One event of the stream: its stream sequence, type, run, and JSON object (module doc)."""

    sequence: int
    type: EventType
    run_id: str
    body: dict[str, Any]

    @property
    def task_id(self) -> str | None:
        """The task the event is about, if any."""
        task_id: str | None = self.body["task_id"]
        return task_id

    @property
    def payload(self) -> dict[str, Any]:
        """The payload object, as published (not validated)."""
        payload: dict[str, Any] = self.body["payload"]
        return payload

    @classmethod
    def of(cls, event: Event) -> StoredEvent:
        """A delivered `Event` (its `sequence` set) as the stream holds it."""
        if event.sequence is None:
            raise ValueError("only a delivered event (with a stream sequence) is stored")
        body = event.model_dump(mode="json", exclude={"sequence"})
        return cls(event.sequence, event.type, event.run_id, body)

    @classmethod
    def from_message(cls, msg: Msg) -> StoredEvent:
        """The stored event a JetStream message carries; `MalformedEventError` when its subject
        is not an event subject or its body not an event of that subject."""
        sequence = msg.metadata.sequence.stream
        where = f"{msg.subject} (stream seq {sequence})"
        try:
            event_type, run_id = parse_subject(msg.subject)
        except ValueError as exc:
            raise MalformedEventError(f"{where}: {exc}") from exc
        try:
            body = pydantic_core.from_json(msg.data)
        except ValueError as exc:
            raise MalformedEventError(f"{where} is not JSON: {exc}") from exc
        problem = _shape_problem(body, event_type, run_id)
        if problem:
            raise MalformedEventError(f"{where} {problem}")
        return cls(sequence, event_type, run_id, body)


def _shape_problem(body: Any, event_type: EventType, run_id: str) -> str | None:
    """What is wrong with `body` as the event of its subject, or None."""
    if not isinstance(body, dict):
        return "is not a JSON object"
    if body.get("type") != event_type.value or body.get("run_id") != run_id:
        return f"carries a {body.get('type')!r} event of run {body.get('run_id')!r}"
    for name in _STRINGS:
        if not isinstance(body.get(name), str):
            return f"has no {name}"
    if "task_id" not in body:
        return "has no task_id"
    if body["task_id"] is not None and not isinstance(body["task_id"], str):
        return "has a task_id that is not a string"
    if not isinstance(body.get("payload"), dict):
        return "has no payload object"
    return None
