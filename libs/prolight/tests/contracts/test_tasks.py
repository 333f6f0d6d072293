"""Task params and results: the task's tool picks the model, on the bus and in the store."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from prolight.contracts.asyncapi import asyncapi_document
from prolight.contracts.events import Event, TaskCompleted, TaskRequested
from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import (
    PARAMS,
    RESULTS,
    BriaReport,
    Candidate,
    EvaluateParams,
    EvaluateResult,
    ExportParams,
    GenerateParams,
    GenerateResult,
    LightingFindings,
    Ranked,
    ReportTimings,
)
from prolight.domain.presets import get_preset
from prolight.domain.render_report import RenderReport
from prolight.domain.schema import FiboPrompt

PROMPT = FiboPrompt(scene=get_preset("rembrandt").setup)
SHA = "ab" * 32
GENERATE = GenerateParams(prompt=PROMPT, seed=7, index=0, delta="as asked")
EVALUATE = EvaluateParams(artifact_id="a0", sha256=SHA, prompt=PROMPT, seed=7, index=0)
CANDIDATE = Candidate(index=0, seed=7, delta="as asked", prompt=PROMPT, prompt_hash="h",
                      generate_task_id="g0", evaluate_task_id="e0")  # fmt: skip
EXPORT = ExportParams(
    iteration=1,
    best_artifact_id="a0",
    ranking=[Ranked(index=0, artifact_id="a0", score=0.8)],
    candidates=[CANDIDATE],
    stop_reason="max_iterations",
)
PARAMS_OF = {Tool.GENERATE: GENERATE, Tool.EVALUATE: EVALUATE, Tool.EXPORT: EXPORT}
LIGHTING = {
    "exposure": {"clipped_pct": 0.5, "crushed_pct": 1.0, "score": 0.9, "pass": True,
                 "channels": {"r": {"clipped_pct": 0.1, "crushed_pct": 0.2}}},
    "ratio": None,
    "colour": {"against": "reference", "measured_rgb": [1.0, 1.0, 1.0],
               "expected_rgb": [1.0, 1.0, 1.0], "cast": 0.1, "warm_shift": 0.05,
               "score": 0.9, "pass": True},
    "saturation": {"saturated_pct": 0.0, "mean_saturation": 0.2, "score": 1.0, "pass": True},
    "weights": {"exposure": 0.25, "ratio": 0.45, "colour": 0.2, "saturation": 0.1},
}  # fmt: skip
EVALUATED = EvaluateResult.model_validate(
    {"artifact_id": "a0", "index": 0, "seed": 7, "clip": 0.3, "lpips": None, "ssim": None,
     "lighting": LIGHTING, "scores": {"lighting": 0.9, "clip": 0.6}, "final": 0.8,
     "weights": {"lighting": 0.7, "clip": 0.3}, "available": ["lighting", "clip"],
     "unavailable": {"lpips": "no reference"}, "caption": "a portrait", "duration_ms": 12.5}
)  # fmt: skip
BRIA = GenerateResult(
    artifact_key=SHA, sha256=SHA, url="/blobs/x", width=512, height=640, seed=8,
    prompt_hash="h", model="bria-fibo", requested_seed=7, cost_usd=0.04,
    render_report=BriaReport(request_id="req-1", seed=8, structured_prompt={"k": [1, "a"]},
                             timings=ReportTimings(total_ms=900.0)),
)  # fmt: skip


def wire(event: Event) -> Event:
    """The event as a consumer reads it: the bytes `Bus.publish` sends, parsed."""
    return Event.model_validate_json(event.model_dump_json(exclude={"sequence"}).encode())


@pytest.mark.parametrize("tool", list(Tool), ids=str)
def test_a_request_with_typed_params_round_trips_through_the_bus_encoding(tool: Tool) -> None:
    event = Event.build("r1", TaskRequested(tool=tool, task_id="t", params=PARAMS_OF[tool]))
    back = wire(event)
    assert back == event
    assert isinstance(back.payload, TaskRequested)
    assert type(back.payload.params) is PARAMS[tool]


@pytest.mark.parametrize(
    ("tool", "result"),
    [pytest.param(Tool.GENERATE, BRIA, id="generate"),
     pytest.param(Tool.EVALUATE, EVALUATED, id="evaluate")],
)  # fmt: skip
def test_a_completion_with_a_typed_result_round_trips_through_the_bus_encoding(
    tool: Tool, result: Any
) -> None:
    event = Event.build("r1", TaskCompleted(tool=tool, result=result), task_id="t")
    back = wire(event)
    assert back == event
    assert isinstance(back.payload, TaskCompleted)
    assert type(back.payload.result) is RESULTS[tool]


@pytest.mark.parametrize(
    ("tool", "params"),
    [pytest.param(Tool.GENERATE, EXPORT, id="generate-with-export-params"),
     pytest.param(Tool.EXPORT, GENERATE, id="export-with-generate-params"),
     pytest.param(Tool.EVALUATE, GENERATE, id="evaluate-with-generate-params")],
)  # fmt: skip
def test_params_of_another_tool_are_refused(tool: Tool, params: Any) -> None:
    with pytest.raises(ValidationError, match=f"a {tool.value} task carries"):
        TaskRequested(tool=tool, task_id="t", params=params)


def test_a_result_of_another_tool_is_refused() -> None:
    with pytest.raises(ValidationError, match="a evaluate task carries EvaluateResult, not Gen"):
        TaskCompleted(tool=Tool.EVALUATE, result=BRIA)


def test_the_tool_not_the_shape_picks_the_model_of_a_dict() -> None:
    # Evaluate params hold every key a generate task needs: as a generate request they are
    # read as GenerateParams (extra keys ignored), never as EvaluateParams.
    data = {"tool": "generate", "task_id": "t", "params": EVALUATE.model_dump(mode="json")}
    assert type(TaskRequested.model_validate(data).params) is GenerateParams
    with pytest.raises(ValidationError, match="best_artifact_id"):
        TaskRequested.model_validate({**data, "tool": "export"})


def test_unknown_keys_from_a_newer_writer_are_ignored() -> None:
    data = EVALUATED.model_dump(mode="json")
    data["new_metric"] = 1.0
    data["lighting"]["exposure"]["new_figure"] = 2
    assert EvaluateResult.model_validate(data) == EVALUATED


def test_findings_keep_the_evaluators_json_keys() -> None:
    dumped = LightingFindings.model_validate(LIGHTING).model_dump(mode="json")
    assert dumped["exposure"]["pass"] is True
    assert "passed" not in dumped["exposure"]


def test_a_local_and_a_bria_report_are_told_apart() -> None:
    local = BRIA.model_dump(mode="json")
    report = dict.fromkeys(RenderReport.model_fields, 1)
    report.update(
        subject="portrait",
        timings=dict.fromkeys(RenderReport.model_fields["timings"].annotation.model_fields, 1.0),
    )  # type: ignore[union-attr]
    local["render_report"] = report
    assert type(GenerateResult.model_validate(local).render_report) is RenderReport
    assert type(GenerateResult.model_validate(BRIA.model_dump()).render_report) is BriaReport


def test_the_asyncapi_document_names_each_tools_params_and_results() -> None:
    document = asyncapi_document()
    message = document["components"]["messages"]["task_requested_evaluate"]
    payload = message["payload"]["allOf"][1]["properties"]["payload"]
    assert payload["allOf"][1] == {
        "properties": {"params": {"$ref": "#/components/schemas/EvaluateParams"}}
    }
    schemas = document["components"]["schemas"]
    for model in (*PARAMS.values(), *RESULTS.values()):
        assert model.__name__ in schemas
