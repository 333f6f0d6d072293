"""Refine and Inspire through the six services as separate processes, over real HTTP and
WebSocket, and through the CLI as a user runs it (`prolight refine`, `prolight inspire`)."""

from __future__ import annotations

import base64
import io
import json
import math
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_kit import finished, prolight

from prolight.domain.hashing import prompt_hash
from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.schema import Direction, FiboPrompt, Role
from prolight_tools.stack import Stack

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def completed_run(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> Any:
    r = await client.post(path, json=body)
    assert r.status_code == 202, r.text
    accepted = r.json()
    final = await finished(accepted["links"]["ws"])
    assert final["type"] == "run.completed", final
    return accepted, final["payload"]


async def test_refine_changes_only_what_the_instruction_addresses(stack: Stack) -> None:
    parent_prompt = FiboPrompt(scene=get_preset("rembrandt").setup)
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        parent, parent_done = await completed_run(
            client,
            "/api/generate/lighting-setup",
            {**parent_prompt.model_dump(mode="json"), "num_results": 2, "seed": 21},
        )
        best = parent_done["best_artifact_id"]
        child, child_done = await completed_run(
            client,
            f"/api/runs/{parent['run_id']}/refine",
            {"instruction": "one stop less fill", "locked_fields": ["camera"]},
        )
        assert child["parent_run_id"] == parent["run_id"]
        assert child["parent_artifact_id"] == best
        assert [c["path"] for c in child["changes"]] == ["lighting.fill.intensity"]

        status = (await client.get(f"/api/status/{child['run_id']}")).json()
        assert status["parent_run_id"] == parent["run_id"]
        (generated,) = [s for s in status["steps"] if s["tool"] == "generate"]
        assert generated["result"]["seed"] == child["seed"]
        # Scored against the parent's image: one changed light keeps it close, not identical.
        (evaluated,) = [s for s in status["steps"] if s["tool"] == "evaluate"]
        assert {"ssim", "lighting"} <= set(evaluated["result"]["available"])
        assert 0.5 < evaluated["result"]["ssim"] < 1.0

        # The child's image differs from the parent's choice only by the fill: its refined
        # prompt and seed render the child's image, and the same with the parent's fill put
        # back render the parent's choice, byte for byte.
        refined = FiboPrompt.model_validate(child["prompt"])
        assert generated["result"]["prompt_hash"] == prompt_hash(refined)
        parent_png = (await client.get(f"/api/artifacts/{best}")).content
        child_id = child_done["best_artifact_id"]
        child_png = (await client.get(f"/api/artifacts/{child_id}")).content
        assert child_png != parent_png
        art = next(a for a in status["artifacts"] if a["id"] == child_id)
        size = (art["width"], art["height"])
        assert render(refined, child["seed"], *size).png == child_png
        fill = refined.scene.lighting[Role.FILL].model_copy(
            update={"intensity": child["changes"][0]["before"]}
        )
        original = refined.model_copy(
            update={
                "scene": refined.scene.model_copy(
                    update={"lighting": {**refined.scene.lighting, Role.FILL: fill}}
                )
            }
        )
        assert render(original, child["seed"], *size).png == parent_png

        # The bundle records the lineage.
        bundle = (await client.get(f"/api/artifacts/{child_done['bundle_artifact_id']}")).content
        with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
            manifest = json.loads(archive.read("manifest.json"))
        assert manifest["parent_run_id"] == parent["run_id"]
    before, after = child["changes"][0]["before"], child["changes"][0]["after"]
    assert before == pytest.approx(parent_prompt.scene.lighting[Role.FILL].intensity, rel=0.06)
    assert after == pytest.approx(before / 2, abs=1e-4)


async def test_the_chosen_draft_is_rendered_again_in_the_final_quality(stack: Stack) -> None:
    asked = FiboPrompt(scene=get_preset("loop").setup)
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=60) as client:
        draft, draft_done = await completed_run(
            client,
            "/api/generate/lighting-setup",
            {**asked.model_dump(mode="json"), "num_results": 2, "seed": 7},
        )
        best = draft_done["best_artifact_id"]
        final, final_done = await completed_run(client, f"/api/runs/{draft['run_id']}/final", {})
        assert (final["parent_run_id"], final["parent_artifact_id"]) == (draft["run_id"], best)
        status = (await client.get(f"/api/status/{final['run_id']}")).json()
        (generated,) = [s for s in status["steps"] if s["tool"] == "generate"]
        assert generated["result"]["seed"] == final["seed"]
        # The same shot without the draft's grain: close to the draft, not the same picture.
        (evaluated,) = [s for s in status["steps"] if s["tool"] == "evaluate"]
        assert 0.5 < evaluated["result"]["ssim"] < 1.0
        prompt = FiboPrompt.model_validate(final["prompt"])
        assert prompt.output.quality == "final"
        png = (await client.get(f"/api/artifacts/{final_done['best_artifact_id']}")).content
        art = next(a for a in status["artifacts"] if a["id"] == final_done["best_artifact_id"])
        assert render(prompt, final["seed"], art["width"], art["height"]).png == png


def _angle(a: Direction, b: Direction) -> float:
    dot = sum(x * y for x, y in zip(a.vector(), b.vector(), strict=True))
    return math.degrees(math.acos(max(-1.0, min(1.0, dot))))


async def test_inspire_from_an_upload_and_from_an_artifact(stack: Stack) -> None:
    loop = get_preset("loop").setup
    png = render(FiboPrompt(scene=loop), 9, 256, 320).png
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=60) as client:
        accepted, done = await completed_run(
            client,
            "/api/generate/inspire",
            {"image_base64": base64.b64encode(png).decode(), "num_results": 2, "seed": 3},
        )
        key = Direction.model_validate(accepted["measured"]["key_direction"]["value"])
        assert _angle(key, loop.lighting[Role.KEY].direction) <= 20
        assert len(done["artifact_ids"]) == 2

        # A stored image of that run inspires the next one, which records its parent.
        again, _ = await completed_run(
            client,
            "/api/generate/inspire",
            {"artifact_id": done["best_artifact_id"], "num_results": 1, "instruction": "warmer"},
        )
        assert again["parent_run_id"] == accepted["run_id"]
        status = (await client.get(f"/api/status/{again['run_id']}")).json()
        assert status["parent_run_id"] == accepted["run_id"]


def test_the_cli_refines_and_inspires(stack: Stack, tmp_path: Path) -> None:
    made = prolight(
        "generate",
        "--preset",
        "loop",
        "-n",
        "2",
        "--seed",
        "8",
        "-o",
        str(tmp_path / "gen"),
        "--gateway",
        stack.gateway_url,
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    run_id = made.stdout.split()[1]

    refined = prolight(
        "refine",
        run_id,
        "make the key light cooler",
        "-o",
        str(tmp_path / "ref"),
        "--gateway",
        stack.gateway_url,
        cwd=tmp_path,
    )
    assert refined.returncode == 0, refined.stdout + refined.stderr
    assert f"refines {run_id}" in refined.stdout

    final = prolight(
        "final", run_id, "-o", str(tmp_path / "final"), "--gateway", stack.gateway_url, cwd=tmp_path
    )
    assert final.returncode == 0, final.stdout + final.stderr
    assert f"renders {run_id}'s image" in final.stdout
    assert list((tmp_path / "final" / "images").glob("*.png"))
    assert "lighting.key.kelvin: 5600.0 →" in refined.stdout
    assert (tmp_path / "ref" / "manifest.json").exists()

    image = tmp_path / "gen" / "images" / "candidate-1-seed-8.png"
    inspired = prolight(
        "inspire",
        str(image),
        "-n",
        "1",
        "-o",
        str(tmp_path / "insp"),
        "--gateway",
        stack.gateway_url,
        cwd=tmp_path,
    )
    assert inspired.returncode == 0, inspired.stdout + inspired.stderr
    assert "key_direction" in inspired.stdout
    assert "confidence" in inspired.stdout

    refused = prolight(
        "inspire", "https://example.com/x.png", "--gateway", stack.gateway_url, cwd=tmp_path
    )
    assert refused.returncode == 2
    assert "never fetched" in refused.stderr
