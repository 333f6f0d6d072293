"""The manifest, contact-sheet cells and the bundle zip, without the bus."""

from __future__ import annotations

import io
import json
import zipfile

from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import (
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
from prolight.domain.schema import FiboPrompt
from prolight.platform.store import ArtifactRecord, RunRecord, TaskRecord, TaskStatus
from prolight_storage.bundle import build_manifest, manifest_bytes, sheet_items, zip_bundle

SHA = "b" * 64


def fixture_run() -> tuple[
    RunRecord, dict[str, TaskRecord], dict[str, ArtifactRecord], ExportParams
]:
    prompt = FiboPrompt(scene=get_preset("loop").setup)
    run = RunRecord(run_id="r", prompt=prompt.model_dump(mode="json"), parent_run_id="r0")
    candidates, tasks, images, ranking = [], {}, {}, []
    for i, score in enumerate([0.4, 0.8]):
        gen, ev, art = f"r-i1-generate-{i}", f"r-i1-evaluate-{i}", f"r-i1-generate-{i}-image"
        candidate = Candidate(
            index=i,
            seed=10 + i,
            delta="as asked",
            prompt=prompt,
            prompt_hash="h",
            generate_task_id=gen,
            evaluate_task_id=ev,
        )
        candidates.append(candidate)
        report = BriaReport(request_id="q", seed=10 + i, timings=ReportTimings(total_ms=4.0))
        tasks[gen] = TaskRecord(
            task_id=gen,
            run_id="r",
            tool=Tool.GENERATE,
            params=GenerateParams(prompt=prompt, seed=10 + i, index=i),
            status=TaskStatus.CACHED,
            result=GenerateResult(
                artifact_key=SHA,
                sha256=SHA,
                url="file:///x",
                width=96,
                height=120,
                seed=10 + i,
                prompt_hash="h",
                model="m",
                render_report=report,
                duration_ms=5.0,
            ),
        )
        tasks[ev] = TaskRecord(
            task_id=ev,
            run_id="r",
            tool=Tool.EVALUATE,
            params=EvaluateParams(artifact_id=art, sha256=SHA, prompt=prompt, seed=10 + i, index=i),
            status=TaskStatus.COMPLETED,
            result=EvaluateResult(
                artifact_id=art,
                index=i,
                seed=10 + i,
                scores={"lighting": score},
                final=score,
                duration_ms=2.0,
                lighting=LightingFindings(weights={"exposure": 1.0}),
            ),
        )
        images[art] = ArtifactRecord(
            artifact_id=art,
            run_id="r",
            task_id=gen,
            sha256=SHA,
            url="file:///x",
            size_bytes=1,
            seed=10 + i,
            model="m",
            width=96,
            height=120,
        )
        ranking.append(Ranked(index=i, artifact_id=art, score=score))
    ranking.sort(key=lambda r: -r.score)
    params = ExportParams(
        iteration=1,
        best_artifact_id=ranking[0].artifact_id,
        ranking=ranking,
        candidates=candidates,
        stop_reason="max_iterations",
    )
    return run, tasks, images, params


def test_the_manifest_lists_every_candidate_with_prompt_seed_model_score_and_timings() -> None:
    run, tasks, images, params = fixture_run()
    manifest = build_manifest(run, tasks, images, params)
    assert manifest["parent_run_id"] == "r0"
    assert manifest["best_artifact_id"] == "r-i1-generate-1-image"
    assert manifest["best_score"] == 0.8
    first, second = manifest["candidates"]
    assert (first["seed"], first["rank"], first["score"]) == (10, 2, 0.4)
    assert (second["seed"], second["rank"], second["score"]) == (11, 1, 0.8)
    assert first["model"] == "m"
    assert first["prompt_hash"] == "h"
    assert run.prompt is not None
    assert first["prompt"] == run.prompt.model_dump(mode="json")
    assert first["generate_status"] == "cached"
    assert first["timings_ms"] == {"generate": 5.0, "render": 4.0, "evaluate": 2.0}
    assert first["lighting"]["weights"] == {"exposure": 1.0}
    assert manifest["stop_reason"] == "max_iterations"
    json.loads(manifest_bytes(manifest))  # serialisable


def test_contact_sheet_cells_are_best_first_with_seed_and_score() -> None:
    _, _, images, params = fixture_run()
    items = sheet_items(params.ranking, images, dict.fromkeys(images, b"png"))
    assert [i.seed for i in items] == [11, 10]
    assert items[0].label == "#1 (chosen)"
    assert items[0].scores == {"score": 0.8}


def test_the_bundle_zip_is_byte_for_byte_reproducible() -> None:
    files = {"manifest.json": b"{}", "chosen.png": b"\x89PNG"}
    one, two = zip_bundle(files), zip_bundle(dict(files))
    assert one == two
    with zipfile.ZipFile(io.BytesIO(one)) as zf:
        assert zf.namelist() == ["manifest.json", "chosen.png"]
