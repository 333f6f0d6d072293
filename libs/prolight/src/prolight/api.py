"""The gateway's HTTP bodies: what a client sends (`…Request`) and what it gets back (`…Out`,
`RunAccepted`, `ErrorBody`). Shared here so the CLI and tests speak the same models.

    RunRequestOptions          num_results, seed, max_iterations, score_threshold, budget_usd
    ├── GenerateLightingRequest   README body or canonical fibo_v1 prompt, plus the options
    └── NaturalLanguageRequest    scene/lighting/subject/style text, plus the options
    AnalyzeLightingRequest     {lighting_setup, …} in the README shape
    RunAccepted                202 of both generate endpoints (NaturalLanguageAccepted adds the
                               prompt and the translator's notes)
    RunStatusOut, StepOut, ArtifactOut, RunSummary, RunPage, CancelAccepted, PresetSummary
    ErrorBody                  every 4xx/5xx: {code, message, field?, errors?, choices?}

`queued_steps(options)` is the number of tasks a run's finite plan queues (see its docstring);
`new_run_id()` makes a run id that is also a valid subject token.
"""

from __future__ import annotations

from datetime import datetime
from secrets import token_hex
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from prolight.events import RunOptions
from prolight.schema import FiboPrompt
from prolight.store.records import RunStatus, TaskStatus
from prolight.subjects import Tool

__all__ = [
    "OPTION_FIELDS",
    "README_BODY_EXAMPLE",
    "RUN_ID_PREFIX",
    "AnalyzeLightingRequest",
    "ArtifactOut",
    "CancelAccepted",
    "DescriptionRequest",
    "ErrorBody",
    "FieldErrorOut",
    "GenerateLightingRequest",
    "Health",
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
    "StepOut",
    "TranslationOut",
    "TranslationResult",
    "new_run_id",
    "queued_steps",
]

RUN_ID_PREFIX = "run_"


def new_run_id() -> str:
    """`run_` + 26 lowercase hex characters (104 random bits); matches `RUN_ID_PATTERN`."""
    return RUN_ID_PREFIX + token_hex(13)


def queued_steps(options: RunOptions) -> int:
    """Tasks the finite plan queues: (n generate + n evaluate + 1 export) × max_iterations.

    n is `num_results`. One iteration queues 2n + 1; a run stopped early by its score threshold
    or budget queues fewer, so for iterations > 1 this is the most the run can queue.
    """
    return (2 * options.num_results + 1) * options.max_iterations


README_BODY_EXAMPLE: dict[str, Any] = {
    "subject_description": "professional model in studio",
    "environment": "minimalist photography studio",
    "lighting_setup": {
        "key": {
            "direction": "45 degrees camera-right",
            "intensity": 0.8,
            "color_temperature": 5600,
            "softness": 0.5,
            "distance": 1.5,
            "enabled": True,
        },
        "fill": {
            "direction": "30 degrees camera-left",
            "intensity": 0.4,
            "color_temperature": 5600,
            "softness": 0.7,
            "distance": 2.0,
            "enabled": True,
        },
    },
    "camera_settings": {
        "shot_type": "medium shot",
        "camera_angle": "eye-level",
        "fov": 85,
        "lens_type": "portrait",
        "aperture": "f/2.8",
    },
    "num_results": 4,
}
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


class RunRequestOptions(BaseModel):
    """The run options a generate request carries at its top level (see `RunOptions`)."""

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

    def run_options(self) -> RunOptions:
        """The options as the `run.created` event carries them."""
        return RunOptions(
            num_results=self.num_results,
            seed=self.seed,
            max_iterations=self.max_iterations,
            score_threshold=self.score_threshold,
            budget_usd=self.budget_usd,
        )


OPTION_FIELDS = frozenset(RunRequestOptions.model_fields)
"""Top-level keys of a generate body that are run options, not part of the prompt."""


class GenerateLightingRequest(RunRequestOptions):
    """A lighting setup to render: the original README body or a canonical `fibo_v1` prompt.

    README shape: `subject_description`, `environment`, `lighting_setup` ({key, fill, rim,
    ambient…} with direction, intensity, color_temperature in kelvin, softness 0–1, distance in
    metres…), `camera_settings`, optionally `style_intent` and `background`. Canonical shape:
    `schema_version: "fibo_v1"`, `metadata`, `scene` (a LightingSetup), `output`. The original
    FIBO-style JSON (`lighting.main_light` …) is read too. Everything but the run options is
    validated by `prolight.schema.load_prompt`, which names each bad field as typed.
    """

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"examples": [README_BODY_EXAMPLE]},
    )

    subject_description: str | None = Field(None, description="README shape: who is lit.")
    environment: Any = Field(None, description="README shape: the set, as text.")
    lighting_setup: dict[str, Any] | None = Field(
        None, description="README shape: the lights by role (key, fill, rim, ambient, …)."
    )
    camera_settings: dict[str, Any] | None = Field(None, description="README shape: the camera.")
    schema_version: Literal["fibo_v1"] | None = Field(None, description="Canonical shape.")
    scene: dict[str, Any] | None = Field(
        None, description="Canonical shape: a LightingSetup (see FiboPrompt)."
    )

    def prompt_input(self) -> dict[str, Any]:
        """The body without the run options: what `load_prompt` reads."""
        return {
            k: v for k, v in self.model_dump(exclude_unset=True).items() if k not in OPTION_FIELDS
        }


class DescriptionRequest(BaseModel):
    """A lighting setup described in words: the translator turns `lighting_description` into
    lights, the other texts fill in the subject, the set and the style."""

    model_config = ConfigDict(extra="forbid")

    lighting_description: str = Field(min_length=1, max_length=2000)
    scene_description: str | None = Field(None, max_length=500, description="The set.")
    subject: str | None = Field(None, max_length=500, description="Who or what is lit.")
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


class AnalyzeLightingRequest(BaseModel):
    """A lighting setup to analyse, in the README shape (`lighting_setup` required)."""

    model_config = ConfigDict(extra="forbid")

    lighting_setup: dict[str, Any] = Field(description="The lights by role (key, fill, …).")
    camera_settings: dict[str, Any] | None = None
    subject_description: str | None = None
    subject: dict[str, Any] | None = Field(
        None,
        description="The subject as an object ({description, kind: portrait|product, "
        "head_turn_deg}); broad and short lighting are read against the head's turn.",
    )
    environment: str | None = None
    style_intent: str | None = Field(None, description="Intent the rating is judged against.")
    background: Any = None

    def setup_input(self) -> dict[str, Any]:
        """The body as `load_setup` reads it."""
        return self.model_dump(exclude_unset=True)


# ------------------------------------------------------------------ responses


class RunLinks(BaseModel):
    """Where to follow a run. `stream` (SSE) and `ws` carry a short-lived stream token."""

    status: str
    stream: str
    ws: str


class RunAccepted(BaseModel):
    """202: the run is stored and `run.created` is published; the planner takes it from here."""

    run_id: str
    status: Literal["created"] = "created"
    queued_steps: int = Field(
        description="Tasks the plan queues: (2 × num_results + 1) × max_iterations."
    )
    stream_token: str = Field(description="Opens this run's event stream; expires in seconds.")
    links: RunLinks


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
    result: dict[str, Any] | None = None
    error: str | None = None
    attempts: int = 0


class ArtifactOut(BaseModel):
    """One artifact of the run; `url` downloads it from the gateway (`?size=N` thumbnails)."""

    id: str
    url: str
    type: str = Field(description="image, bundle, contact_sheet, diagram, …")
    content_type: str
    size_bytes: int = Field(description="Bytes.")
    sha256: str
    seed: int | None = None
    width: int | None = Field(None, description="Pixels.")
    height: int | None = Field(None, description="Pixels.")
    scores: dict[str, Any] | None = Field(None, description="The evaluator's scores, 0–1.")


class RunStatusOut(BaseModel):
    """Where a run stands, with a fresh stream token to (re)connect to its events."""

    run_id: str
    status: RunStatus
    progress: float = Field(ge=0, le=1, description="Finished tasks ÷ planned tasks, 0–1.")
    steps: list[StepOut]
    artifacts: list[ArtifactOut]
    parent_run_id: str | None = None
    prompt: dict[str, Any] | None = Field(
        None, description="The structured prompt (fibo_v1) the run was started with."
    )
    error: str | None = None
    result: dict[str, Any] | None = None
    cost_usd: float = Field(
        0.0, ge=0, description="Estimated spend on paid backends so far (BRIA), US dollars."
    )
    created_at: datetime
    updated_at: datetime
    stream_token: str
    links: RunLinks


class RunSummary(BaseModel):
    """One run in a list."""

    run_id: str
    status: RunStatus
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
