"""The AsyncAPI document of the run pipeline, built from the subjects and event models.

Nothing here is written by hand twice: channels come from `subjects` (streams, subject
layout, one channel per event type), message payloads from `events.EVENT_PAYLOADS`, the
envelope from `events.Event`, and a task request's params from `tasks.PARAMS` (each
`task.requested.<tool>` message names its tool's params model). `make schemas` writes it to
proto-schemas/asyncapi.json, and a test fails when the committed file drifts.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from prolight import __version__
from prolight.contracts.events import EVENT_PAYLOADS, Event
from prolight.contracts.subjects import (
    EVENTS_STREAM,
    SUBJECT_PREFIX,
    TASKS_STREAM,
    EventType,
)
from prolight.contracts.tasks import PARAMS

__all__ = ["ASYNCAPI_VERSION", "asyncapi_document"]

ASYNCAPI_VERSION = "2.6.0"


def _schema(model: type[BaseModel], defs: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON Schema with its $defs hoisted into the shared components."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    defs.update(schema.pop("$defs", {}))
    return schema


def asyncapi_document() -> dict[str, Any]:
    """An AsyncAPI 2.6 document: one channel per event type, the envelope as the message."""
    defs: dict[str, Any] = {}
    envelope = _schema(Event, defs)
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event_type in EventType:
        payload_model = EVENT_PAYLOADS[event_type]
        defs[payload_model.__name__] = _schema(payload_model, defs)
        payload: dict[str, Any] = {"$ref": f"#/components/schemas/{payload_model.__name__}"}
        if event_type.tool is not None:
            params = {"$ref": f"#/components/schemas/{PARAMS[event_type.tool].__name__}"}
            payload = {"allOf": [payload, {"properties": {"params": params}}]}
        name = event_type.value.replace(".", "_")
        messages[name] = {
            "name": event_type.value,
            "title": payload_model.__name__,
            "summary": (payload_model.__doc__ or "").strip().splitlines()[0],
            "contentType": "application/json",
            "headers": {
                "type": "object",
                "properties": {
                    "Nats-Msg-Id": {"type": "string", "description": "the event_id: dedupe"},
                    "traceparent": {"type": "string", "description": "W3C trace context"},
                },
            },
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/Event"},
                    {
                        "properties": {
                            "type": {"const": event_type.value},
                            "payload": payload,
                        }
                    },
                ]
            },
        }
        stream = TASKS_STREAM if event_type.is_task_request else EVENTS_STREAM
        channels[f"{SUBJECT_PREFIX}.{event_type.value}.{{run_id}}"] = {
            "description": f"{event_type.value} events of one run, kept in stream {stream}.",
            "parameters": {
                "run_id": {
                    "description": "The run id (a subject token).",
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,128}$"},
                }
            },
            "subscribe": {"message": {"$ref": f"#/components/messages/{name}"}},
        }
    defs["Event"] = envelope
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "ProLight run pipeline",
            "version": __version__,
            "description": "Events the six services exchange over NATS JetStream. Every "
            "publish sets Nats-Msg-Id to the event id; `sequence` is the stream sequence, "
            "set on delivery.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "nats": {"url": "nats://127.0.0.1:4222", "protocol": "nats", "description": "local"}
        },
        "channels": channels,
        "components": {"messages": messages, "schemas": defs},
    }
