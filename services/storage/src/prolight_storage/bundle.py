"""The run bundle: `manifest.json`, the chosen image, a contact sheet and the lighting diagram.

`build_manifest` is pure: from the run, its tasks and artifacts, and the export request's
params (`ranking` best first, `candidates` as planned), it lists every candidate with its
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


def _ms(result: Mapping[str, Any] | None, *path: str) -> float | None:
    value: Any = result or {}
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return float(value) if isinstance(value, int | float) else None


def build_manifest(
    run: RunRecord,
    tasks: Mapping[str, TaskRecord],
    images: Mapping[str, ArtifactRecord],
    params: Mapping[str, Any],
) -> dict[str, Any]:
    """The manifest of a run's export (module doc); `images` are the image artifacts by id."""
    scores = {r["artifact_id"]: (rank, r["score"]) for rank, r in enumerate(params["ranking"], 1)}
    candidates = []
    for c in params["candidates"]:
        generated = tasks.get(c["generate_task_id"])
        evaluated = tasks.get(c["evaluate_task_id"])
        evaluation = (evaluated.result if evaluated else None) or {}
        artifact = images.get(str(evaluation.get("artifact_id", "")))
        rank, score = scores.get(artifact.artifact_id if artifact else "", (None, None))
        candidates.append(
            {
                "iteration": c.get("iteration", 1),
                "index": c["index"],
                "rank": rank,
                "seed": c["seed"],
                "delta": c["delta"],
                "prompt": c["prompt"],
                "prompt_hash": c["prompt_hash"],
                "model": artifact.model if artifact else None,
                "artifact_id": artifact.artifact_id if artifact else None,
                "sha256": artifact.sha256 if artifact else None,
                "width": artifact.width if artifact else None,
                "height": artifact.height if artifact else None,
                "generate_status": generated.status.value if generated else None,
                "score": score,
                "lighting": evaluation.get("lighting"),
                "timings_ms": {
                    "generate": _ms(generated.result if generated else None, "duration_ms"),
                    "render": _ms(
                        generated.result if generated else None,
                        "render_report",
                        "timings",
                        "total_ms",
                    ),
                    "evaluate": _ms(evaluation, "duration_ms"),
                },
            }
        )
    best = params["ranking"][0] if params["ranking"] else {}
    return {
        "schema": MANIFEST_SCHEMA,
        "run_id": run.run_id,
        "parent_run_id": run.parent_run_id,
        "owner": run.owner,
        "created_at": run.created_at.isoformat(),
        "options": run.options,
        "prompt": run.prompt,
        "iteration": params.get("iteration", 1),
        "stop_reason": params.get("stop_reason"),
        "refine": params.get("refine", []),
        "best_artifact_id": best.get("artifact_id"),
        "best_score": best.get("score"),
        "candidates": candidates,
        "files": BUNDLE_FILES,
    }


def sheet_items(
    ranking: Sequence[Mapping[str, Any]],
    images: Mapping[str, ArtifactRecord],
    pngs: Mapping[str, bytes],
) -> list[SheetItem]:
    """Contact-sheet cells, best first: each image with its seed, score and rank."""
    items = []
    for rank, r in enumerate(ranking, 1):
        artifact = images[r["artifact_id"]]
        items.append(
            SheetItem(
                png=pngs[artifact.artifact_id],
                seed=artifact.seed if artifact.seed is not None else 0,
                scores={"score": float(r["score"])},
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
