"""The documents of the run store, as pydantic models shared by both implementations.

Timestamps are UTC and truncated to milliseconds, the resolution MongoDB keeps, so a record
reads back equal from either store and cursors compare exactly.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from prolight.contracts.events import Event, RunCreated
from prolight.contracts.status import TASK_TRANSITIONS, RunStatus, TaskStatus
from prolight.contracts.subjects import Tool
from prolight.platform.store.errors import InvalidCursorError

__all__ = [
    "CURSOR_PATTERN",
    "TASK_TRANSITIONS",
    "ArtifactRecord",
    "AuditEntry",
    "Page",
    "PromptCacheEntry",
    "RunRecord",
    "RunStatus",
    "TaskRecord",
    "TaskStatus",
    "created_run",
    "decode_cursor",
    "encode_cursor",
    "utc_now",
]


def utc_now() -> datetime:
    """Now, UTC, truncated to milliseconds."""
    return _ms(datetime.now(UTC))


def _ms(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # drivers hand back naive UTC
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    @field_validator("created_at", "updated_at", "at", mode="after", check_fields=False)
    @classmethod
    def _millis(cls, v: datetime) -> datetime:
        return _ms(v)


class RunRecord(_Record):
    """A run: its request, its plan, where it stands. `version` grows with every update."""

    run_id: str
    status: RunStatus = RunStatus.CREATED
    owner: str = "anonymous"
    parent_run_id: str | None = None
    prompt: dict[str, Any] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    plan: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    costs: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Paid external calls by task id: {usd (estimated), state (reserved, "
        "submitted, unconfirmed, charged, released), request_id, backend}; written by the "
        "workers that make them, so the planner's result never overwrites them.",
    )
    version: int = Field(1, ge=1)
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)

    @property
    def cost_usd(self) -> float:
        """Estimated USD of the run's paid calls so far (entries not `released`)."""
        live = (c for c in self.costs.values() if c.get("state") != "released")
        return round(sum(float(c.get("usd", 0.0)) for c in live), 6)


def created_run(event: Event) -> RunRecord:
    """The record of a run as its `run.created` event describes it: status `created`, version 1,
    created when the event was. The planner stores it; the gateway shows it until then."""
    if not isinstance(event.payload, RunCreated):
        raise ValueError(f"a {event.type} event does not create a run")
    created = event.payload
    return RunRecord(
        run_id=event.run_id,
        owner=created.owner,
        parent_run_id=created.parent_run_id,
        prompt=created.prompt.model_dump(mode="json"),
        options=created.options.model_dump(mode="json"),
        created_at=event.occurred_at,
        updated_at=event.occurred_at,
    )


class TaskRecord(_Record):
    """One task of a run; `attempts` counts how often a worker started it."""

    task_id: str
    run_id: str
    tool: Tool
    status: TaskStatus = TaskStatus.QUEUED
    params: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any] | None = None
    error: str | None = None
    attempts: int = Field(0, ge=0)
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


class ArtifactRecord(_Record):
    """A registered artifact; its bytes live in the artifact store under `sha256`."""

    artifact_id: str
    run_id: str
    task_id: str | None = None
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    url: str
    content_type: str = "image/png"
    size_bytes: int = Field(ge=0)
    kind: str = "image"
    width: int | None = Field(None, ge=1, description="Pixels.")
    height: int | None = Field(None, ge=1, description="Pixels.")
    seed: int | None = None
    prompt_hash: str | None = None
    model: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=utc_now)


class PromptCacheEntry(_Record):
    """`(prompt_hash, seed, model)` already produced `artifact_id`."""

    prompt_hash: str
    seed: int
    model: str
    artifact_id: str
    created_at: datetime = Field(default_factory=utc_now)


class AuditEntry(_Record):
    """One line of the append-only audit log; `details` has secrets stripped.

    `entry_id` sorts in append order within a process (time-ordered, then random).
    """

    entry_id: str
    at: datetime
    action: str
    actor: str = "system"
    run_id: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back for the next (None: this was the last)."""

    items: list[T]
    next_cursor: str | None = None


CURSOR_PATTERN = r"^[0-9]{1,15}\.[A-Za-z0-9_-]{1,100}$"
"""A list cursor: `<created_at, ms since 1970 UTC>.<key>`. Every string of this form is a
position in a list (records older than it, or as old with a smaller key, come next), so the API
can publish the pattern and answer any cursor that matches it; times past year 9999 are read as
its end."""

_CURSOR = re.compile(CURSOR_PATTERN)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LAST_MS = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // timedelta(milliseconds=1)


def encode_cursor(created_at: datetime, key: str) -> str:
    """The cursor pointing just after the record (created_at, key); `key` is an id such as a
    run id (letters, digits, `_` and `-`: ValueError otherwise)."""
    cursor = f"{(_ms(created_at) - _EPOCH) // timedelta(milliseconds=1)}.{key}"
    if _CURSOR.fullmatch(cursor) is None:
        raise ValueError(f"cannot make a cursor of key {key!r}")
    return cursor


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (created_at, key) a cursor points after (`CURSOR_PATTERN`); `InvalidCursorError`
    if it does not have that form."""
    match = _CURSOR.fullmatch(cursor)
    if match is None:
        raise InvalidCursorError(f"not a cursor from this API: {cursor[:40]!r}")
    stamp, _, key = cursor.partition(".")
    return _EPOCH + timedelta(milliseconds=min(int(stamp), _LAST_MS)), key
