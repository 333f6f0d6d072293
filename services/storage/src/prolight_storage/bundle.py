"""The run bundle: `manifest.json`, the chosen image, a contact sheet and the lighting diagram.

`build_manifest` is pure: from the run, its tasks and artifacts, and the export request's
`ExportParams` (`ranking` best first, `candidates` as planned), it lists every candidate with its
prompt, seed, model, prompt hash, score (with the named lighting components) and timings.
`zip_bundle` writes the files into a zip with fixed timestamps, so the same run always gives
the same bytes and hence the same content key (a redelivered export stores nothing new).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

from prolight.contracts.tasks import EvaluateResult, ExportParams, GenerateResult, Ranked
from prolight.domain.render import SheetItem
from prolight.platform.store import ArtifactRecord, RunRecord, TaskRecord

__all__ = [
    "BUNDLE_FILES",
    "MANIFEST_SCHEMA",
    "build_manifest",
    "manifest_bytes",
    "sheet_items",
    "zip_bundle",
]

MANIFEST_SCHEMA = "prolight.bundle/v1"

BUNDLE_FILES = {
    "manifest": "manifest.json",
    "chosen": "chosen.png",
    "contact_sheet": "contact_sheet.png",
    "diagram": "diagram.png",
}
"""The files of every bundle, by role."""

_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def _generated(task: TaskRecord | None) -> GenerateResult | None:
    return task.result if task and isinstance(task.result, GenerateResult) else None


def _evaluated(task: TaskRecord | None) -> EvaluateResult | None:
    return task.result if task and isinstance(task.result, EvaluateResult) else None


def build_manifest(
    run: RunRecord,
    tasks: Mapping[str, TaskRecord],
    images: Mapping[str, ArtifactRecord],
    params: ExportParams,
) -> dict[str, Any]:
    """The manifest of a run's export (module doc); `images` are the image artifacts by id."""
    scores = {r.artifact_id: (rank, r.score) for rank, r in enumerate(params.ranking, 1)}
    candidates = []
    for c in params.candidates:
        generate_task = tasks.get(c.generate_task_id)
        generated = _generated(generate_task)
        evaluation = _evaluated(tasks.get(c.evaluate_task_id))
        artifact = images.get(evaluation.artifact_id) if evaluation else None
        rank, score = scores.get(artifact.artifact_id if artifact else "", (None, None))
        report = generated.render_report if generated else None
        lighting = evaluation.lighting if evaluation else None
        candidates.append(
            {
                "iteration": c.iteration,
                "index": c.index,
                "rank": rank,
                "seed": c.seed,
                "delta": c.delta,
                "prompt": c.prompt.model_dump(mode="json"),
                "prompt_hash": c.prompt_hash,
                "model": artifact.model if artifact else None,
                "artifact_id": artifact.artifact_id if artifact else None,
                "sha256": artifact.sha256 if artifact else None,
                "width": artifact.width if artifact else None,
                "height": artifact.height if artifact else None,
                "generate_status": generate_task.status.value if generate_task else None,
                "score": score,
                "lighting": lighting.model_dump(mode="json") if lighting else None,
                "timings_ms": {
                    "generate": generated.duration_ms if generated else None,
                    "render": report.timings.total_ms if report else None,
                    "evaluate": evaluation.duration_ms if evaluation else None,
                },
            }
        )
    best = params.ranking[0] if params.ranking else None
    return {
        "schema": MANIFEST_SCHEMA,
        "run_id": run.run_id,
        "parent_run_id": run.parent_run_id,
        "owner": run.owner,
        "created_at": run.created_at.isoformat(),
        "options": run.options.model_dump(mode="json"),
        "prompt": run.prompt.model_dump(mode="json") if run.prompt else None,
        "iteration": params.iteration,
        "stop_reason": params.stop_reason,
        "refine": [r.model_dump(mode="json") for r in params.refine],
        "best_artifact_id": best.artifact_id if best else None,
        "best_score": best.score if best else None,
        "candidates": candidates,
        "files": BUNDLE_FILES,
    }


def sheet_items(
    ranking: Sequence[Ranked],
    images: Mapping[str, ArtifactRecord],
    pngs: Mapping[str, bytes],
) -> list[SheetItem]:
    """Contact-sheet cells, best first: each image with its seed, score and rank."""
    items = []
    for rank, r in enumerate(ranking, 1):
        artifact = images[r.artifact_id]
        items.append(
            SheetItem(
                png=pngs[artifact.artifact_id],
                seed=artifact.seed if artifact.seed is not None else 0,
                scores={"score": r.score},
                label=f"#{rank}" + (" (chosen)" if rank == 1 else ""),
            )
        )
    return items


def zip_bundle(files: Mapping[str, bytes]) -> bytes:
    """A zip of `files` (name → bytes), in the given order, with fixed timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The manifest as indented UTF-8 JSON with sorted keys (stable bytes)."""
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
