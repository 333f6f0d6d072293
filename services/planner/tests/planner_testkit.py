"""Task results as the workers would store them, with only what a planner test cares about."""

from __future__ import annotations

from typing import Any

from prolight.contracts.tasks import EvaluateResult, ExportResult, GenerateResult, LightingFindings
from prolight.domain.render_report import RenderReport

SHA = "a" * 64


def render_report(measured_ratio_stops: float | None) -> RenderReport:
    """A local render report whose face meter read `measured_ratio_stops`."""
    timings = dict.fromkeys(RenderReport.model_fields["timings"].annotation.model_fields, 1.0)  # type: ignore[union-attr]
    return RenderReport(
        width=64, height=80, seed=0, subject="portrait",
        measured_ratio_stops=measured_ratio_stops, predicted_ratio_stops=None,
        lit_cheek_value=None, shadow_cheek_value=None, lit_probe_pixels=0,
        shadow_probe_pixels=0, clipped_highlights_pct=0.0, crushed_shadows_pct=0.0,
        subject_pixels_pct=50.0, exposure_lux=100.0, timings=timings,  # type: ignore[arg-type]
    )  # fmt: skip


def generated(
    seed: int = 0, *, cost_usd: float | None = None, ratio: float | None = None
) -> GenerateResult:
    """A generate task's result; with `ratio`, from the local renderer's report."""
    return GenerateResult(
        artifact_key=SHA, sha256=SHA, url="file:///x", width=64, height=80, seed=seed,
        prompt_hash="h", model="m", cost_usd=cost_usd,
        render_report=render_report(ratio) if ratio is not None else None,
    )  # fmt: skip


def evaluated(artifact_id: str, final: float, lighting: Any = None) -> EvaluateResult:
    """An evaluate task's result scoring `artifact_id` `final`, with `lighting` findings."""
    findings = None if lighting is None else LightingFindings.model_validate(lighting)
    return EvaluateResult(
        artifact_id=artifact_id, index=0, seed=0, scores={"lighting": final}, final=final,
        lighting=findings,
    )  # fmt: skip


def exported(bundle: str = "bundle") -> ExportResult:
    """An export task's result that wrote `bundle`."""
    return ExportResult(
        bundle_artifact_id=bundle, bundle_sha256=SHA, bundle_url="file:///b",
        contact_sheet_artifact_id="sheet", diagram_artifact_id="diagram",
        chosen_artifact_id="chosen", files=["manifest.json"],
    )  # fmt: skip
