"""What each task asks of its worker and what the worker answers: one params model and one
result model per tool, and the parts they share with the run's plan.

    tool       params (planner → worker)    result (worker → everyone)
    generate   GenerateParams               GenerateResult  (render_report: RenderReport|BriaReport)
    evaluate   EvaluateParams               EvaluateResult  (lighting: LightingFindings)
    export     ExportParams                 ExportResult

`TaskRequested.params`, `TaskCompleted.result` and the task records hold one of these, chosen
by the task's `tool` (`PARAMS`, `RESULTS`; `typed_by_tool` and `check_tool` do it for every
model that carries a tool beside its params or result). The JSON of every model is the dict
the services exchanged before these models existed, plus `null` or `[]` for a key they used
to leave out.

Every model is frozen and ignores unknown keys, like the event payloads: these documents are
read back from the stream and the run store by other processes, so a key added by a newer
writer must not break an older reader (`extra="forbid"` would).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from prolight.contracts.subjects import Tool
from prolight.domain.render_report import RenderReport
from prolight.domain.schema import FiboPrompt

__all__ = [
    "PARAMS",
    "RESULTS",
    "BriaReport",
    "Candidate",
    "ChannelClipping",
    "ColourFinding",
    "EvaluateParams",
    "EvaluateResult",
    "ExportParams",
    "ExportResult",
    "ExposureFinding",
    "GenerateParams",
    "GenerateResult",
    "IterationDeltas",
    "LightingFindings",
    "Ranked",
    "RatioFinding",
    "RefineDelta",
    "ReportTimings",
    "RunResult",
    "SaturationFinding",
    "StopReason",
    "TaskParams",
    "TaskResult",
    "check_tool",
    "image_artifact_id",
    "typed_by_tool",
]

StopReason = Literal["threshold", "max_iterations", "budget_exhausted", "cancelled"]
"""Why a run stopped iterating (docs/architecture.md, "Stop order")."""


class _Contract(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# -- the parts ---------------------------------------------------------------------------


class Ranked(_Contract):
    """One scored candidate: its index in its iteration, its image, final score (0–1)."""

    index: int = Field(ge=0)
    artifact_id: str
    score: float
    iteration: int = Field(1, ge=1)


class RefineDelta(_Contract):
    """One change the refine planner proposed for an iteration, as applied (or why not)."""

    path: str = Field(description="lighting.<role>.<field>")
    before: float | None
    after: float | None
    reason: str
    status: Literal["applied", "clamped", "locked", "invalid", "unchanged"]
    planner: str
    from_artifact_id: str = Field(description="The best image so far, which it refines.")


class IterationDeltas(_Contract):
    """The refine deltas that made one iteration (none for the first)."""

    iteration: int = Field(ge=1)
    deltas: list[RefineDelta] = Field(default_factory=list)


class Candidate(_Contract):
    """One planned image of an iteration and the two tasks that make and score it."""

    iteration: int = Field(1, ge=1)
    index: int = Field(ge=0)
    seed: int
    delta: str = Field(description="What differs from the prompt as asked, in words.")
    prompt: FiboPrompt
    prompt_hash: str
    generate_task_id: str
    evaluate_task_id: str


class _Finding(_Contract):
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    score: float = Field(ge=0, le=1)
    passed: bool = Field(alias="pass", description="score ≥ the check's pass score.")


class ChannelClipping(_Contract):
    """Percent of pixels clipped (≥ 250) and crushed (≤ 5) in one channel or the luma."""

    clipped_pct: float
    crushed_pct: float


class ExposureFinding(_Finding):
    """Clipping and crushing, in percent of the pixels."""

    clipped_pct: float
    crushed_pct: float
    channels: dict[Literal["r", "g", "b", "luma"], ChannelClipping] = Field(default_factory=dict)


class RatioFinding(_Finding):
    """Face contrast measured against requested, in stops."""

    measured_stops: float | None
    requested_stops: float | None
    error_stops: float


class ColourFinding(_Finding):
    """Colour cast against the prompt's key light or a reference image (log chromaticity)."""

    against: Literal["prompt", "reference"]
    requested_kelvin: float | None = None
    white_balance_kelvin: float | None = None
    measured_rgb: list[float]
    expected_rgb: list[float]
    cast: float
    warm_shift: float = Field(description="> 0: warmer than expected.")


class SaturationFinding(_Finding):
    """Over-saturated pixels, in percent, and the mean saturation (0–1) of the lit ones."""

    saturated_pct: float
    mean_saturation: float


class LightingFindings(_Contract):
    """The evaluator's lighting checks of one image (None: could not be judged) and the
    weight of each in the lighting score."""

    exposure: ExposureFinding | None = None
    ratio: RatioFinding | None = None
    colour: ColourFinding | None = None
    saturation: SaturationFinding | None = None
    weights: dict[str, float] = Field(default_factory=dict)


class ReportTimings(_Contract):
    """How long BRIA took for the image, in milliseconds."""

    total_ms: float


class BriaReport(_Contract):
    """What BRIA said about an image it made (the local renderer's is a `RenderReport`)."""

    backend: Literal["bria"] = "bria"
    request_id: str
    seed: int = Field(description="The seed BRIA used.")
    structured_prompt: JsonValue = Field(
        None, description="The structured prompt BRIA returned, in BRIA's own schema."
    )
    warning: str | None = None
    timings: ReportTimings


# -- params ------------------------------------------------------------------------------


class GenerateParams(_Contract):
    """Make the image of one candidate."""

    prompt: FiboPrompt
    seed: int
    index: int = Field(ge=0)
    iteration: int = Field(1, ge=1)
    delta: str = ""
    refine: list[RefineDelta] = Field(
        default_factory=list, description="The deltas that made this iteration."
    )


class EvaluateParams(_Contract):
    """Score one candidate's image against the run's request."""

    artifact_id: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    prompt: FiboPrompt = Field(description="The candidate's prompt.")
    seed: int
    index: int = Field(ge=0)
    model: str | None = None
    measured_ratio_stops: float | None = Field(
        None, description="The local renderer's face meter, in stops; None from BRIA."
    )
    reference_artifact_id: str | None = Field(
        None, description="The image SSIM and LPIPS compare with (the run's option)."
    )


class ExportParams(_Contract):
    """Write the run's bundle: the best of every finished iteration."""

    iteration: int = Field(ge=1, description="The last finished iteration.")
    best_artifact_id: str
    ranking: list[Ranked] = Field(description="Every scored candidate, best first.")
    candidates: list[Candidate]
    stop_reason: StopReason
    refine: list[IterationDeltas] = Field(default_factory=list)


TaskParams = GenerateParams | EvaluateParams | ExportParams
"""The params of a task: the model is `PARAMS[tool]`."""

PARAMS: dict[Tool, type[TaskParams]] = {
    Tool.GENERATE: GenerateParams,
    Tool.EVALUATE: EvaluateParams,
    Tool.EXPORT: ExportParams,
}
"""The params model of each tool."""


# -- results -----------------------------------------------------------------------------


class _Result(_Contract):
    duration_ms: float | None = Field(
        None, ge=0, description="How long the worker took; set by the task lifecycle."
    )


class GenerateResult(_Result):
    """The image a generate task made (`completed`) or found in the prompt cache (`cached`)."""

    artifact_key: str = Field(description="Its key in the artifact store (the sha256).")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    url: str
    width: int | None = Field(description="Pixels.")
    height: int | None = Field(description="Pixels.")
    seed: int
    prompt_hash: str
    model: str
    render_report: RenderReport | BriaReport | None = None
    cached_artifact_id: str | None = Field(None, description="On a cache hit, the original.")
    requested_seed: int | None = Field(None, description="BRIA only: the seed asked for.")
    cost_usd: float | None = Field(None, ge=0, description="BRIA only: the estimated price.")


def image_artifact_id(task_id: str) -> str:
    """The artifact id of the image generate task `task_id` made: one per task, ever.

    Storage registers the image under it; the bria-generator names it in the prompt-cache
    entry it writes before the task completes, so both must agree."""
    return f"{task_id}-image"


class EvaluateResult(_Result):
    """The scores of one candidate's image (metrics in [0, 1]; `final` is the ensemble's)."""

    artifact_id: str
    index: int = Field(ge=0)
    seed: int
    clip: float | None = Field(None, description="Cosine similarity to the caption.")
    lpips: float | None = Field(None, description="Distance to the reference image.")
    ssim: float | None = Field(None, description="Similarity to the reference image.")
    lighting: LightingFindings | None = None
    scores: dict[str, float] = Field(description="Each available metric's score.")
    weights: dict[str, float] = Field(default_factory=dict)
    available: list[str] = Field(default_factory=list)
    unavailable: dict[str, str] = Field(default_factory=dict, description="metric → why")
    caption: str | None = None
    final: float


class ExportResult(_Result):
    """The run's bundle and the images written beside it."""

    bundle_artifact_id: str
    bundle_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bundle_url: str
    contact_sheet_artifact_id: str
    diagram_artifact_id: str
    chosen_artifact_id: str
    files: list[str]


class RunResult(_Contract):
    """What a finished run produced; a cancelled run records the best so far, if any."""

    best_artifact_id: str | None = None
    best_score: float | None = None
    artifact_ids: list[str] = Field(default_factory=list, description="Ranked, best first.")
    bundle_artifact_id: str | None = None
    contact_sheet_artifact_id: str | None = None
    diagram_artifact_id: str | None = None
    stop_reason: StopReason | None = None
    iterations: int = Field(0, ge=0, description="Iterations finished.")
    ranking: list[Ranked] = Field(default_factory=list)


TaskResult = GenerateResult | EvaluateResult | ExportResult
"""The result of a task: the model is `RESULTS[tool]`."""

RESULTS: dict[Tool, type[TaskResult]] = {
    Tool.GENERATE: GenerateResult,
    Tool.EVALUATE: EvaluateResult,
    Tool.EXPORT: ExportResult,
}
"""The result model of each tool."""


def typed_by_tool(data: Any, field: str, models: Mapping[Tool, type[BaseModel]]) -> Any:
    """`data`, a dict about to become a model with `tool` and `field`, with `field` validated
    as `models[tool]`.

    For a model's before-validator: a plain union would let pydantic pick whichever model
    fits the dict; the tool decides instead. Anything else is returned as is, for the
    field validators to name what is wrong.
    """
    if isinstance(data, dict) and isinstance(data.get(field), dict):
        try:
            model = models[Tool(str(data.get("tool")))]
        except ValueError:
            return data
        return {**data, field: model.model_validate(data[field])}
    return data


def check_tool(tool: Tool, value: BaseModel | None, models: Mapping[Tool, type[BaseModel]]) -> None:
    """Raise `ValueError` unless `value` is None or an instance of `models[tool]`."""
    if value is not None and type(value) is not models[tool]:
        raise ValueError(
            f"a {tool.value} task carries {models[tool].__name__}, not {type(value).__name__}"
        )
