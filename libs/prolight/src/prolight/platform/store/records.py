"""The documents of the run store, as pydantic models shared by both implementations.

Timestamps are UTC and truncated to milliseconds, the resolution MongoDB keeps, so a record
reads back equal from either store and cursors compare exactly.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from prolight.contracts.events import Event, RunCreated, RunOptions
from prolight.contracts.status import TASK_TRANSITIONS, RunStatus, TaskStatus
from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import (
    PARAMS,
    RESULTS,
    BriaReport,
    Candidate,
    GenerateResult,
    LightingFindings,
    Ranked,
    RefineDelta,
    RunResult,
    StopReason,
    TaskParams,
    TaskResult,
    check_tool,
    typed_by_tool,
)
from prolight.domain.render_report import RenderReport
from prolight.domain.schema import FiboPrompt
from prolight.platform.store.errors import InvalidCursorError

__all__ = [
    "CURSOR_PATTERN",
    "TASK_TRANSITIONS",
    "ArtifactMeta",
    "ArtifactRecord",
    "AuditDetails",
    "AuditEntry",
    "BudgetDetails",
    "CallDetails",
    "CostEntry",
    "CostState",
    "EvaluatedCandidate",
    "Iteration",
    "Page",
    "Phase",
    "Plan",
    "PromptCacheEntry",
    "RunRecord",
    "RunResult",
    "RunStatus",
    "TaskRecord",
    "TaskStatus",
    "WebhookAttempt",
    "WebhookOutcome",
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


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


Phase = Literal["generate", "evaluate", "export", "done"]
"""Where a run's current iteration stands: generate → evaluate → export → done."""


class EvaluatedCandidate(Candidate):
    """A candidate of a finished iteration, with the evaluator's lighting findings."""

    evaluation: LightingFindings | None = None


class Iteration(_Part):
    """A finished iteration: the deltas that made it, its candidates, their ranking."""

    iteration: int = Field(ge=1)
    refine: list[RefineDelta] = Field(default_factory=list)
    candidates: list[EvaluatedCandidate]
    ranking: list[Ranked] = Field(description="Best first.")


class Plan(_Part):
    """The planner's plan of a run, stored on it; only the planner writes it.

    `base_seed`: every iteration keeps the first one's seeds, so only the lighting changes
    between them. `total_tasks`: the most tasks the run can queue
    (`prolight.contracts.api.queued_steps`), so progress never goes back when an iteration is
    added. `history`: the finished iterations. `ranking` and `stop_reason` are set when the
    export is requested.
    """

    iteration: int = Field(1, ge=1)
    base_seed: int
    phase: Phase = "generate"
    total_tasks: int = Field(ge=0)
    candidates: list[Candidate]
    export_task_id: str
    history: list[Iteration] = Field(default_factory=list)
    refine: list[RefineDelta] = Field(
        default_factory=list, description="The deltas that made the current iteration."
    )
    ranking: list[Ranked] = Field(
        default_factory=list, description="Every iteration's, best first."
    )
    stop_reason: StopReason | None = None


CostState = Literal["reserved", "submitted", "charged", "released", "unconfirmed"]
"""reserved → submitted → charged, or released (nothing billed), or unconfirmed (counted)."""


class CostEntry(_Part):
    """One paid external call of a task (the bria-generator's budget ledger)."""

    usd: float = Field(ge=0, description="Estimated price, USD.")
    state: CostState
    request_id: str | None = None
    backend: str


class ArtifactMeta(_Part):
    """What the artifact's maker knew: a generated image's report and how it was made."""

    render_report: RenderReport | BriaReport | None = None
    generate_status: Literal["completed", "cached"] | None = None
    cached_from: str | None = Field(None, description="The original of a cached image.")


class RunRecord(_Record):
    """A run: its request, its plan, where it stands. `version` grows with every update."""

    run_id: str
    status: RunStatus = RunStatus.CREATED
    owner: str = "anonymous"
    parent_run_id: str | None = None
    prompt: FiboPrompt | None = Field(
        None, description="None only for a run stored before its request."
    )
    options: RunOptions = Field(default_factory=RunOptions)
    plan: Plan | None = None
    result: RunResult | None = None
    error: str | None = None
    costs: dict[str, CostEntry] = Field(
        default_factory=dict,
        description="Paid external calls by task id; written by the workers that make them, "
        "so the planner's result never overwrites them.",
    )
    announced: bool = Field(False, description="Its final event is published (planner).")
    version: int = Field(1, ge=1)
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)

    @model_validator(mode="before")
    @classmethod
    def _from_older_documents(cls, data: Any) -> Any:
        # Runs stored before plans were typed keep `announced` in the plan, and a run that
        # ended before it was planned has a plan of that key alone.
        if isinstance(data, dict) and data.get("prompt") == {}:
            data = {**data, "prompt": None}  # how runs stored before prompts were typed say "none"
        plan = data.get("plan") if isinstance(data, dict) else None
        if not isinstance(plan, dict) or "announced" not in plan:
            return data
        rest = {k: v for k, v in plan.items() if k != "announced"}
        announced = bool(data.get("announced")) or bool(plan["announced"])
        return {**data, "plan": rest or None, "announced": announced}

    @property
    def cost_usd(self) -> float:
        """Estimated USD of the run's paid calls so far (entries not `released`)."""
        return round(sum(c.usd for c in self.costs.values() if c.state != "released"), 6)


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
        prompt=created.prompt,
        options=created.options,
        created_at=event.occurred_at,
        updated_at=event.occurred_at,
    )


class TaskRecord(_Record):
    """One task of a run; `attempts` counts how often a worker started it."""

    task_id: str
    run_id: str
    tool: Tool
    status: TaskStatus = TaskStatus.QUEUED
    params: TaskParams
    result: TaskResult | None = None
    error: str | None = None
    attempts: int = Field(0, ge=0)
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)

    @model_validator(mode="before")
    @classmethod
    def _typed_by_tool(cls, data: Any) -> Any:
        return typed_by_tool(typed_by_tool(data, "params", PARAMS), "result", RESULTS)

    @model_validator(mode="after")
    def _matches_tool(self) -> Self:
        check_tool(self.tool, self.params, PARAMS)
        check_tool(self.tool, self.result, RESULTS)
        return self


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
    meta: ArtifactMeta = Field(default_factory=ArtifactMeta)
    created_at: datetime = Field(default_factory=utc_now)


class PromptCacheEntry(_Record):
    """`(prompt_hash, seed, model)` already produced `artifact_id`, whose generate task
    answered `result`.

    `seed` is the seed asked for (BRIA may report another in `result.seed`). `result` is what
    a cache hit needs without the artifact record (the bria-generator writes the entry before
    storage registers the image); entries written before it existed have None.
    """

    prompt_hash: str
    seed: int
    model: str
    artifact_id: str
    result: GenerateResult | None = None
    created_at: datetime = Field(default_factory=utc_now)


class CallDetails(_Part):
    """An external call (BRIA, Gemini) as the audit log keeps it: who, what, how it went, and
    the request and response bodies as the provider's JSON (secrets stripped, text summarised)."""

    provider: str
    endpoint: str
    status: int | None = Field(None, description="HTTP status, when there was an answer.")
    outcome: str = Field("ok", description="ok, or the error's name and message.")
    latency_ms: float = Field(0.0, ge=0, description="Milliseconds.")
    request_id: str | None = None
    cost_usd: float = Field(0.0, ge=0, description="Estimated USD.")
    request: dict[str, JsonValue] = Field(default_factory=dict)
    response: dict[str, JsonValue] = Field(default_factory=dict)
    task_id: str | None = Field(None, description="The task the call was made for, if any.")


class BudgetDetails(_Part):
    """A paid call refused because the run's budget cannot pay it."""

    task_id: str
    reason: str


WebhookOutcome = Literal["delivered", "retrying", "gave_up", "refused"]
"""How a webhook attempt ended: accepted (2xx); failed, tried again later; failed for the last
time (a permanent answer, or the retry time is spent); not sent (the URL is not allowed now)."""


class WebhookAttempt(_Part):
    """One POST of a run's final status to its `webhook_url` (the gateway's deliverer); the
    entry's `at` is when it was made. Every attempt of one delivery has its `delivery_id`."""

    delivery_id: str
    attempt: int = Field(ge=1, description="1 for the first POST of the delivery.")
    event: str = Field(description="The final event delivered: run.completed, run.failed, …")
    host: str = Field(description="The URL's host (the URL itself is on the run).")
    status: int | None = Field(None, description="HTTP status, when there was an answer.")
    error: str | None = Field(None, description="Why it failed, when it did.")
    duration_ms: float = Field(0.0, ge=0, description="Milliseconds.")
    outcome: WebhookOutcome


AuditDetails = CallDetails | BudgetDetails | WebhookAttempt
"""What an audit entry records: an external call, a budget refusal, or a webhook attempt."""


class AuditEntry(_Record):
    """One line of the append-only audit log; `details` has secrets stripped.

    `entry_id` sorts in append order within a process (time-ordered, then random).
    """

    entry_id: str
    at: datetime
    action: str
    actor: str = "system"
    run_id: str | None = None
    details: AuditDetails | None = None

    @field_validator("details", mode="before")
    @classmethod
    def _none_for_empty(cls, v: Any) -> Any:
        return None if v == {} else v  # entries stored before details were typed


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
