"""The gateway's HTTP bodies: what a client sends (`…Request`) and what it gets back (`…Out`,
`RunAccepted`, `ErrorBody`). Shared here so the CLI and tests speak the same models.

    RunRequestOptions          num_results, seed, max_iterations, score_threshold, budget_usd,
                               webhook_url
    ├── GenerateLightingRequest   README body or canonical fibo_v1 prompt, plus the options;
    │                             published as LightingSetupBody | FiboPromptBody
    └── NaturalLanguageRequest    scene/lighting/subject/style text, plus the options
    AnalyzeLightingRequest     {lighting_setup, …} in the README shape (SetupFields)
    RunAccepted                202 of both generate endpoints (NaturalLanguageAccepted adds the
                               prompt and the translator's notes)
    RunStatusOut, StepOut, ArtifactOut, RunSummary, RunPage, CancelAccepted, PresetSummary
    ErrorBody                  every 4xx/5xx: {code, message, field?, errors?, choices?}

`queued_steps(options)` is the number of tasks a run's finite plan queues (see its docstring);
`new_run_id()` makes a run id that is also a valid subject token.

One module over 400 lines on purpose: a client author finds every HTTP body of the gateway in
one place, in the order the OpenAPI document lists them.
"""

from __future__ import annotations

import copy
from datetime import datetime
from enum import StrEnum
from secrets import token_hex
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from prolight.contracts.events import RunOptions
from prolight.contracts.examples import seed_example
from prolight.contracts.status import RunStatus, TaskStatus
from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import RunResult, TaskResult
from prolight.domain.schema import (
    Background,
    Camera,
    FiboPrompt,
    LightingSetup,
    Metadata,
    Output,
    Subject,
)
from prolight.domain.schema.published import NOT_BLANK, Published, absent, field_type
from prolight.domain.schema.setup import BACKDROP_BEHIND_SUBJECT

__all__ = [
    "ARTIFACTS_PATH",
    "OPTION_FIELDS",
    "README_BODY_EXAMPLE",
    "RUN_ID_PREFIX",
    "WEBHOOK_URL_MAX_CHARS",
    "AnalyzeLightingRequest",
    "ArtifactOut",
    "CancelAccepted",
    "DescriptionRequest",
    "ErrorBody",
    "FiboPromptBody",
    "FieldErrorOut",
    "GenerateLightingRequest",
    "Health",
    "LightingSetupBody",
    "NaturalLanguageAccepted",
    "NaturalLanguageRequest",
    "PresetSummary",
    "Readiness",
    "RunAccepted",
    "RunLinks",
    "RunPage",
    "RunRequestOptions",
    "RunStatusOut",
    "RunSummary",
    "SeedStatus",
    "SetupFields",
    "StatusFilter",
    "StepOut",
    "TranslationOut",
    "TranslationResult",
    "artifact_url",
    "file_type",
    "new_run_id",
    "queued_steps",
    "seed_status",
    "states",
]

RUN_ID_PREFIX = "run_"

ARTIFACTS_PATH = "/api/artifacts/"
"""The gateway's artifact route, after its public base URL."""


def artifact_url(gateway_url: str, artifact_id: str) -> str:
    """Where the gateway whose public base URL is `gateway_url` serves `artifact_id`."""
    return f"{gateway_url.rstrip('/')}{ARTIFACTS_PATH}{artifact_id}"


def new_run_id() -> str:
    """`run_` + 26 lowercase hex characters (104 random bits); matches `RUN_ID_PATTERN`."""
    return RUN_ID_PREFIX + token_hex(13)


def queued_steps(options: RunOptions) -> int:
    """Tasks the finite plan queues: (n generate + n evaluate + 1 export) × max_iterations.

    n is `num_results`. One iteration queues 2n + 1; a run stopped early by its score threshold
    or budget queues fewer, so for iterations > 1 this is the most the run can queue.
    """
    return (2 * options.num_results + 1) * options.max_iterations


README_BODY_EXAMPLE: dict[str, Any] = {**seed_example("lighting-setup").body, "num_results": 4}
"""The original README's POST /api/generate/lighting-setup body: the OpenAPI example, and
what the benchmarks and tests send."""


# ------------------------------------------------------------------ errors


class FieldErrorOut(BaseModel):
    """One bad field: its dotted path as the client typed it ('' for the whole body)."""

    field: str
    message: str


class ErrorBody(BaseModel):
    """Every error answer. `code` is stable and machine-readable; `message` is for people."""

    code: str = Field(examples=["invalid_input", "not_found", "body_too_large"])
    message: str
    field: str | None = Field(None, description="The offending field when there is one.")
    errors: list[FieldErrorOut] | None = Field(
        None, description="Every offending field, when there are several."
    )
    choices: list[str] | None = Field(None, description="The accepted values, when few.")


# ------------------------------------------------------------------ requests

WEBHOOK_URL_MAX_CHARS = 2048
"""The longest `webhook_url` a run may name."""

_NUMBER_OPTIONS = ("num_results", "seed", "max_iterations", "score_threshold", "budget_usd")


class RunRequestOptions(BaseModel):
    """The run options a generate request carries at its top level (see `RunOptions`).

    Numbers are JSON numbers: `"4"` and `true` are refused (pydantic's lax mode would read
    them), as the published schema says.
    """

    num_results: int = Field(4, ge=1, le=8, description="Candidates per iteration.")
    seed: int | None = Field(
        None, ge=0, le=2**31 - 1, description="Base seed; candidate i uses seed + i."
    )
    max_iterations: int = Field(1, ge=1, le=20, description="Iterations, the first included.")
    score_threshold: float | None = Field(
        None, ge=0, le=1, allow_inf_nan=False, description="Stop once a score (0–1) ≥ this."
    )
    budget_usd: float | None = Field(
        None, ge=0, allow_inf_nan=False, description="Stop at this spend, in US dollars."
    )
    webhook_url: str | None = Field(
        None,
        min_length=1,
        max_length=WEBHOOK_URL_MAX_CHARS,
        description="An absolute https:// URL the gateway POSTs the run's status body to once "
        "the run is completed, failed or cancelled, signed (ProLight-Webhook-Id, "
        "-Timestamp, -Signature: docs/decisions/webhooks.md). Its host must be one the "
        "gateway allows (PROLIGHT_WEBHOOK_ALLOWED_HOSTS) and must not be an internal address; "
        "otherwise 422.",
    )

    @field_validator(*_NUMBER_OPTIONS, mode="before", check_fields=False)
    @classmethod
    def _json_number(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError(f"expected a number, not true/false (got {str(v).lower()})")
        if isinstance(v, str):
            raise ValueError("expected a number, not a string")
        return v

    def run_options(self) -> RunOptions:
        """The options as the `run.created` event carries them."""
        return RunOptions(
            num_results=self.num_results,
            seed=self.seed,
            max_iterations=self.max_iterations,
            score_threshold=self.score_threshold,
            budget_usd=self.budget_usd,
            webhook_url=self.webhook_url,
        )


OPTION_FIELDS = frozenset(RunRequestOptions.model_fields)
"""Top-level keys of a generate body that are run options, not part of the prompt."""


class SetupFields(BaseModel):
    """The original README's lighting setup fields (`prolight.domain.schema.load_setup` reads
    them)."""

    model_config = ConfigDict(extra="forbid")

    lighting_setup: Annotated[Any, Published(field_type(LightingSetup, "lighting"))] = Field(
        description="The lights by role: key, fill, rim, hair, kicker, background, ambient "
        "(also read: main, key_light, fill_light, rim_light, back_light, …)."
    )
    subject_description: Annotated[Any, Published(field_type(Subject, "description"))] = absent(
        "Who or what is lit, in words (replaces subject.description)."
    )
    subject: Annotated[Any, Published(Subject)] = absent(
        "The subject as an object ({description, kind: portrait|product, head_turn_deg}); "
        "broad and short lighting are read against the head's turn."
    )
    environment: Annotated[Any, Published(field_type(LightingSetup, "environment"))] = absent(
        "The set, in words."
    )
    camera_settings: Annotated[Any, Published(Camera)] = absent("The camera.")
    style_intent: Annotated[Any, Published(field_type(LightingSetup, "style"))] = absent(
        "Mood or style intent (the analysis judges the rating against it)."
    )
    background: Annotated[Any, Published(Background)] = absent("The backdrop.")

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        published = handler(schema)
        target = handler.resolve_ref_schema(published)
        target.setdefault("allOf", []).extend(
            [
                {  # subject_description is the subject's description: give it once
                    "not": {
                        "required": ["subject_description", "subject"],
                        "properties": {"subject": {"required": ["description"]}},
                    }
                },
                copy.deepcopy(BACKDROP_BEHIND_SUBJECT),
            ]
        )
        return published

    def setup_input(self) -> dict[str, Any]:
        """The setup fields as sent: what `load_setup` reads."""
        return self.model_dump(exclude_unset=True, include=set(SetupFields.model_fields))


class LightingSetupBody(SetupFields, RunRequestOptions):
    """POST /api/generate/lighting-setup in the original README's shape, with the run options."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [README_BODY_EXAMPLE]})


class FiboPromptBody(RunRequestOptions):
    """POST /api/generate/lighting-setup as a canonical `fibo_v1` prompt, with the run options."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [seed_example("fibo-v1").body]}
    )

    schema_version: Annotated[Any, Published(field_type(FiboPrompt, "schema_version"))] = absent(
        "fibo_v1."
    )
    metadata: Annotated[Any, Published(Metadata)] = absent("Project, seed, locked fields.")
    scene: Annotated[Any, Published(LightingSetup)] = Field(description="The set.")
    output: Annotated[Any, Published(Output)] = absent("The image asked for.")


class GenerateLightingRequest(RunRequestOptions):
    """A lighting setup to render: the original README body (`LightingSetupBody`) or a
    canonical `fibo_v1` prompt (`FiboPromptBody`), with the run options.

    Only the options are checked on the way in; the rest is read by
    `prolight.domain.schema.load_prompt`, which names each bad field as typed. The published schema
    is
    the two shapes. Also read, for the original README's clients, and left out of the schema:
    its FIBO-style JSON (`lighting.main_light`, `subject.main_entity`, …), a bare setup
    (`{"lighting": …, "camera": …}`) and the lights alone (`{"key": …, "fill": …}`).
    """

    model_config = ConfigDict(extra="allow")

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        shapes = core_schema.union_schema(
            [LightingSetupBody.__pydantic_core_schema__, FiboPromptBody.__pydantic_core_schema__]
        )
        published = handler(shapes)
        published["description"] = (
            "The original README's body or a canonical fibo_v1 prompt, with the run options."
        )
        return published

    def prompt_input(self) -> dict[str, Any]:
        """The body without the run options: what `load_prompt` reads."""
        return dict(self.model_extra or {})


class DescriptionRequest(BaseModel):
    """A lighting setup described in words: the translator turns `lighting_description` into
    lights, the other texts fill in the subject, the set and the style."""

    model_config = ConfigDict(extra="forbid")

    lighting_description: str = Field(min_length=1, max_length=2000, pattern=NOT_BLANK)
    scene_description: str | None = Field(None, max_length=500, description="The set.")
    subject: str | None = Field(  # becomes Subject.description: as strict, or more
        None, min_length=1, max_length=500, pattern=NOT_BLANK, description="Who or what is lit."
    )
    style_intent: str | None = Field(None, max_length=200, description="Mood or style.")


class NaturalLanguageRequest(DescriptionRequest, RunRequestOptions):
    """A run described in words (`DescriptionRequest`), with the run's options."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "scene_description": "a professional model in a studio",
                    "lighting_description": "soft butterfly lighting with warm tones",
                    "subject": "fashion model",
                    "style_intent": "professional portrait",
                }
            ]
        },
    )


class AnalyzeLightingRequest(SetupFields):
    """A lighting setup to analyse, in the original README's shape (`lighting_setup` required)."""


# ------------------------------------------------------------------ responses


class SeedStatus(StrEnum):
    """A run's status in the original README's words; the finer `state` says which step."""

    CREATED = "created"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


def seed_status(state: RunStatus) -> SeedStatus:
    """`planning` and `running` are both `in_progress`; every other state keeps its name."""
    if state in (RunStatus.PLANNING, RunStatus.RUNNING):
        return SeedStatus.IN_PROGRESS
    return SeedStatus(state.value)


StatusFilter = Literal[
    "created", "in_progress", "planning", "running", "completed", "failed", "cancelled"
]
"""What `GET /api/runs?status=` takes: a status or a finer state."""


def states(status: StatusFilter) -> frozenset[RunStatus]:
    """The finer states a status covers (a state covers itself)."""
    if status == "in_progress":
        return frozenset({RunStatus.PLANNING, RunStatus.RUNNING})
    return frozenset({RunStatus(status)})


_STATUS_DOC = (
    "created | in_progress | completed | failed | cancelled, as the original README has it"
)
_STATE_DOC = "The finer state: created → planning → running → completed | failed | cancelled."


class RunLinks(BaseModel):
    """Where to follow a run. `stream` (SSE) and `ws` carry a short-lived stream token."""

    status: str
    stream: str
    ws: str


class RunAccepted(BaseModel):
    """202: `run.created` is stored in the events stream; the planner records the run from it."""

    run_id: str
    status: Literal["created"] = "created"
    queued_steps: int = Field(
        description="Tasks the plan queues: (2 × num_results + 1) × max_iterations."
    )
    stream_token: str = Field(description="Opens this run's event stream; expires in seconds.")
    links: RunLinks
    notes: list[str] = Field(
        default_factory=list,
        description="How the body was read where it could be read two ways or was repaired: "
        "a bare fov taken as a focal length, a light past full power, an ignored field…",
    )


class TranslationOut(BaseModel):
    """How the translator read the text (every word is in one of the lists)."""

    preset: str | None
    notes: list[str]
    ignored: list[str]
    resolved: list[str]


class TranslationResult(BaseModel):
    """200 of `POST /api/translate`: the prompt the text became, and how; no run started."""

    prompt: FiboPrompt
    translation: TranslationOut


class NaturalLanguageAccepted(RunAccepted):
    """202 of the natural-language endpoint: also the prompt the text became, and how."""

    prompt: FiboPrompt
    translation: TranslationOut


class StepOut(BaseModel):
    """One task of the run."""

    id: str
    tool: Tool
    status: TaskStatus
    result: TaskResult | None = None
    error: str | None = None
    attempts: int = 0


def file_type(content_type: str) -> str:
    """An artifact's file type as the original README names it ("png") from its media type."""
    subtype = content_type.split(";")[0].split("/")[-1].strip().lower()
    return {"svg+xml": "svg", "jpeg": "jpg", "octet-stream": "bin"}.get(subtype, subtype)


class ArtifactOut(BaseModel):
    """One artifact of the run; `url` downloads it from the gateway (`?size=N` thumbnails)."""

    id: str
    url: str
    type: str = Field(description='The file type, as the original README has it: "png", "zip"…')
    kind: str = Field(description="What it is: image, bundle, contact_sheet, diagram, …")
    content_type: str
    size_bytes: int = Field(description="Bytes.")
    sha256: str
    seed: int | None = None
    width: int | None = Field(None, description="Pixels.")
    height: int | None = Field(None, description="Pixels.")
    scores: dict[str, float] | None = Field(None, description="The evaluator's scores, 0–1.")


class RunStatusOut(BaseModel):
    """Where a run stands, with a fresh stream token to (re)connect to its events."""

    run_id: str
    status: SeedStatus = Field(description=_STATUS_DOC)
    state: RunStatus = Field(description=_STATE_DOC)
    progress: float = Field(ge=0, le=1, description="Finished tasks ÷ planned tasks, 0–1.")
    steps: list[StepOut]
    artifacts: list[ArtifactOut]
    parent_run_id: str | None = None
    prompt: FiboPrompt | None = Field(
        None, description="The structured prompt (fibo_v1) the run was started with."
    )
    error: str | None = None
    result: RunResult | None = None
    cost_usd: float = Field(
        0.0, ge=0, description="Estimated spend on paid backends so far (BRIA), US dollars."
    )
    webhook_url: str | None = Field(
        None, description="Where the run's final status is POSTed (GET /api/runs/{id}/webhooks)."
    )
    created_at: datetime
    updated_at: datetime
    stream_token: str
    links: RunLinks


class RunSummary(BaseModel):
    """One run in a list."""

    run_id: str
    status: SeedStatus = Field(description=_STATUS_DOC)
    state: RunStatus = Field(description=_STATE_DOC)
    owner: str
    parent_run_id: str | None = None
    error: str | None = None
    created_at: datetime
    updated_at: datetime


class RunPage(BaseModel):
    """A page of runs, newest first; pass `next_cursor` as `?cursor=` for the next one."""

    items: list[RunSummary]
    next_cursor: str | None = None


class CancelAccepted(BaseModel):
    """202: `run.cancel_requested` is published; the planner cancels and says `run.cancelled`."""

    run_id: str
    status: Literal["cancel_requested"] = "cancel_requested"


class PresetSummary(BaseModel):
    """A named lighting setup; `GET /api/presets/{name}` gives the setup itself."""

    name: str
    title: str
    description: str


class Health(BaseModel):
    """/healthz: the process answers."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """/readyz: each dependency's check, "ok" or why it failed."""

    status: Literal["ready", "not_ready"]
    checks: dict[str, str]
