"""Task params and results for tests that need one of a tool and care about none of its values."""

from __future__ import annotations

from typing import Any

from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import (
    EvaluateParams,
    EvaluateResult,
    ExportParams,
    ExportResult,
    GenerateParams,
    GenerateResult,
    TaskParams,
    TaskResult,
)
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt

__all__ = ["sample_params", "sample_result"]

_SHA = "0" * 64


def sample_params(tool: Tool) -> TaskParams:
    """Valid params of a `tool` task."""
    if tool == Tool.EXPORT:
        return ExportParams(
            iteration=1,
            best_artifact_id="a",
            ranking=[],
            candidates=[],
            stop_reason="threshold",
        )
    prompt = FiboPrompt(scene=get_preset("loop").setup)
    if tool == Tool.GENERATE:
        return GenerateParams(prompt=prompt, seed=0, index=0)
    return EvaluateParams(artifact_id="a", sha256=_SHA, prompt=prompt, seed=0, index=0)


def sample_result(tool: Tool, **update: Any) -> TaskResult:
    """A valid result of a `tool` task, with `update` applied (e.g. a long `url` as padding)."""
    result: TaskResult
    if tool == Tool.GENERATE:
        result = GenerateResult(artifact_key=_SHA, sha256=_SHA, url="/blobs/a", width=64,
                                height=80, seed=0, prompt_hash="h", model="m")  # fmt: skip
    elif tool == Tool.EVALUATE:
        result = EvaluateResult(artifact_id="a", index=0, seed=0, scores={}, final=0.0)
    else:
        result = ExportResult(bundle_artifact_id="b", bundle_sha256=_SHA, bundle_url="/blobs/b",
                              contact_sheet_artifact_id="c", diagram_artifact_id="d",
                              chosen_artifact_id="a", files=[])  # fmt: skip
    return result.model_copy(update=update)
