"""The event envelope every service publishes and consumes, and one typed payload per event type.

    Event
    ├── event_id      uuid4; also the `Nats-Msg-Id`, so a retried publish is never a duplicate
    ├── type          EventType (`run.created`, `task.requested.generate`, `task.completed`, …)
    ├── run_id        a subject token (see `prolight.contracts.subjects.RUN_ID_PATTERN`)
    ├── task_id       set on every task.* event and on artifact.ready from a task
    ├── occurred_at   UTC, when the publisher decided it happened
    ├── sequence      None until delivered: the JetStream *stream* sequence of the message, so it
    │                 strictly increases within a run (and across runs) and clients can resume
    │                 after it and drop duplicates. Never set it yourself.
    ├── traceparent   W3C trace context; the bus fills it from the current span on publish
    └── payload       the model `EVENT_PAYLOADS[type]`, checked against `type`

Build events with `Event.build(run_id, payload, task_id=…)`: the type follows from the payload
(a `TaskRequested` for tool `evaluate` becomes `task.requested.evaluate`).

Payloads ignore unknown fields (tolerant reader) so a field added by a newer publisher does
not break an older consumer; the envelope does the same. A task request's `params` and a task
completion's `result` are the models of the task's tool (`prolight.contracts.tasks`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Self
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from prolight.contracts.subjects import RUN_ID_PATTERN, EventType, Tool, event_subject
from prolight.contracts.tasks import (
    PARAMS,
    RESULTS,
    TaskParams,
    TaskResult,
    check_tool,
    typed_by_tool,
)
from prolight.domain.schema import FiboPrompt

__all__ = [
    "EVENT_PAYLOADS",
    "ArtifactReady",
    "Event",
    "EventPayload",
    "Payload",
    "RunCancelRequested",
    "RunCancelled",
    "RunCompleted",
    "RunCreated",
    "RunFailed",
    "RunOptions",
    "TaskCompleted",
    "TaskFailed",
    "TaskRequested",
    "TaskStarted",
]


class Payload(BaseModel):
    """Base of every event payload. `event_type` is the type it travels under (None: by tool)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    event_type: ClassVar[EventType | None] = None


class RunOptions(BaseModel):
    """What the caller asked of a run besides the prompt."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    num_results: int = Field(4, ge=1, le=8, description="Candidates per iteration.")
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="Base seed; None: the prompt's.")
    max_iterations: int = Field(1, ge=1, le=20, description="Iterations, the first included.")
    score_threshold: float | None = Field(None, ge=0, le=1, description="Stop once a score ≥ this.")
    budget_usd: float | None = Field(None, ge=0, description="Stop at this spend, USD.")
    reference_artifact_id: str | None = Field(
        None,
        description="An image every candidate is compared with (SSIM, LPIPS): a refine's "
        "parent image, an inspire's source artifact. Set by those routes, not by callers.",
    )
    webhook_url: str | None = Field(
        None,
        description="Where the gateway POSTs the run's status once it is completed, failed or "
        "cancelled (checked against the gateway's webhook settings when the run was accepted).",
    )


class RunCreated(Payload):
    """A run was accepted and persisted; the planner plans it."""

    event_type: ClassVar[EventType | None] = EventType.RUN_CREATED
    prompt: FiboPrompt
    options: RunOptions = Field(default_factory=RunOptions)
    owner: str = "anonymous"
    parent_run_id: str | None = None


class RunCancelRequested(Payload):
    """Someone asked to cancel the run; the planner decides and publishes `run.cancelled`."""

    event_type: ClassVar[EventType | None] = EventType.RUN_CANCEL_REQUESTED
    reason: str = "cancelled on request"
    requested_by: str | None = None


class RunCancelled(Payload):
    """The run stopped on request; tasks not yet started are dropped."""

    event_type: ClassVar[EventType | None] = EventType.RUN_CANCELLED
    reason: str = "cancelled on request"


class RunCompleted(Payload):
    """The run finished; `best_artifact_id` is None only when no candidate could be scored."""

    event_type: ClassVar[EventType | None] = EventType.RUN_COMPLETED
    best_artifact_id: str | None
    best_score: float | None = None
    artifact_ids: list[str] = Field(default_factory=list)
    bundle_artifact_id: str | None = None
    stop_reason: str | None = Field(None, description="max_iterations, budget_exhausted, threshold")


class RunFailed(Payload):
    """The run cannot finish; `reason` is shown to the user as is (no secrets, no traceback)."""

    event_type: ClassVar[EventType | None] = EventType.RUN_FAILED
    reason: str


class TaskRequested(Payload):
    """The planner asks one worker for one task. Published to the work-queue stream."""

    tool: Tool
    task_id: str
    params: TaskParams = Field(description="The model of `tool`: GenerateParams for generate, …")
    attempt: int = Field(1, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _params_of_tool(cls, data: Any) -> Any:
        return typed_by_tool(data, "params", PARAMS)

    @model_validator(mode="after")
    def _params_match_tool(self) -> Self:
        check_tool(self.tool, self.params, PARAMS)
        return self


class TaskStarted(Payload):
    """A worker took the task (again, after a redelivery: `attempt` counts deliveries)."""

    event_type: ClassVar[EventType | None] = EventType.TASK_STARTED
    tool: Tool
    worker: str = ""
    attempt: int = Field(1, ge=1)


class TaskCompleted(Payload):
    """The task is done: `completed` did the work, `cached` reused an earlier result."""

    event_type: ClassVar[EventType | None] = EventType.TASK_COMPLETED
    tool: Tool
    status: Literal["completed", "cached"] = "completed"
    result: TaskResult = Field(description="The model of `tool`: GenerateResult for generate, …")
    duration_ms: float | None = Field(None, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _result_of_tool(cls, data: Any) -> Any:
        return typed_by_tool(data, "result", RESULTS)

    @model_validator(mode="after")
    def _result_matches_tool(self) -> Self:
        check_tool(self.tool, self.result, RESULTS)
        return self


class TaskFailed(Payload):
    """The task failed for good: the run fails with `reason`.

    `retryable` is always false: workers report only failures that retrying cannot help (a
    transient one is redelivered to a worker instead), and the planner never asks for a failed
    task again. It stays so that events already stored and their readers keep their shape.
    """

    event_type: ClassVar[EventType | None] = EventType.TASK_FAILED
    tool: Tool
    reason: str
    retryable: bool = False


class ArtifactReady(Payload):
    """An artifact is registered and its bytes are in the artifact store under `sha256`."""

    event_type: ClassVar[EventType | None] = EventType.ARTIFACT_READY
    artifact_id: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    url: str
    content_type: str = "image/png"
    size_bytes: int = Field(ge=0)
    kind: str = Field("image", description="image, thumbnail, bundle, contact_sheet, diagram")
    width: int | None = Field(None, ge=1, description="Pixels.")
    height: int | None = Field(None, ge=1, description="Pixels.")
    seed: int | None = None
    prompt_hash: str | None = None
    model: str | None = None


EventPayload = (
    RunCreated
    | RunCancelRequested
    | RunCancelled
    | RunCompleted
    | RunFailed
    | TaskRequested
    | TaskStarted
    | TaskCompleted
    | TaskFailed
    | ArtifactReady
)

EVENT_PAYLOADS: dict[EventType, type[Payload]] = {
    EventType.RUN_CREATED: RunCreated,
    EventType.RUN_CANCEL_REQUESTED: RunCancelRequested,
    EventType.RUN_CANCELLED: RunCancelled,
    EventType.RUN_COMPLETED: RunCompleted,
    EventType.RUN_FAILED: RunFailed,
    EventType.TASK_REQUESTED_GENERATE: TaskRequested,
    EventType.TASK_REQUESTED_EVALUATE: TaskRequested,
    EventType.TASK_REQUESTED_EXPORT: TaskRequested,
    EventType.TASK_STARTED: TaskStarted,
    EventType.TASK_COMPLETED: TaskCompleted,
    EventType.TASK_FAILED: TaskFailed,
    EventType.ARTIFACT_READY: ArtifactReady,
}
"""The payload model of each event type."""


def _now() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    """One event of a run; see the module docstring for every field."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: UUID = Field(default_factory=uuid4)
    type: EventType
    run_id: str = Field(pattern=RUN_ID_PATTERN)
    task_id: str | None = None
    occurred_at: AwareDatetime = Field(default_factory=_now)
    sequence: int | None = Field(None, ge=1, description="Stream sequence, set on delivery.")
    traceparent: str | None = None
    payload: EventPayload

    @model_validator(mode="before")
    @classmethod
    def _payload_for_type(cls, data: Any) -> Any:
        # A plain union would let pydantic pick whichever model fits the dict first
        # (RunFailed and TaskFailed both have `reason`); the type decides instead.
        if isinstance(data, dict) and isinstance(data.get("payload"), dict):
            try:
                model = EVENT_PAYLOADS[EventType(str(data.get("type")))]
            except ValueError:
                return data  # the field validator names the bad type
            return {**data, "payload": model.model_validate(data["payload"])}
        return data

    @model_validator(mode="after")
    def _payload_matches_type(self) -> Self:
        expected = EVENT_PAYLOADS[self.type]
        if type(self.payload) is not expected:
            raise ValueError(
                f"a {self.type} event carries {expected.__name__}, "
                f"not {type(self.payload).__name__}"
            )
        if isinstance(self.payload, TaskRequested):
            if self.type.tool != self.payload.tool:
                raise ValueError(f"{self.type} cannot carry a request for tool {self.payload.tool}")
            if self.task_id != self.payload.task_id:
                raise ValueError("task_id of the envelope and of the TaskRequested payload differ")
        return self

    @classmethod
    def build(
        cls,
        run_id: str,
        payload: EventPayload,
        *,
        task_id: str | None = None,
        traceparent: str | None = None,
    ) -> Event:
        """A new event (fresh id, now) whose type follows from `payload`.

        For a `TaskRequested` the type is `task.requested.<tool>` and `task_id` defaults to the
        payload's.
        """
        if isinstance(payload, TaskRequested):
            event_type = EventType.task_requested(payload.tool)
            task_id = task_id or payload.task_id
        elif payload.event_type is not None:
            event_type = payload.event_type
        else:  # pragma: no cover - every payload but TaskRequested names its type
            raise TypeError(f"{type(payload).__name__} does not name an event type")
        return cls(
            type=event_type,
            run_id=run_id,
            task_id=task_id,
            traceparent=traceparent,
            payload=payload,
        )

    @property
    def subject(self) -> str:
        """The subject this event is published on."""
        return event_subject(self.type, self.run_id)
