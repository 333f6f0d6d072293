"""/eval/ensemble over ASGI: against a prompt, an image or both, the original README's
0.6·clip + 0.4·(1 − lpips_norm), the lighting checks, and the same numbers as the bus path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from evaluator_testkit import GATEWAY, Harness, harness_for, noise, png, upload

from prolight.contracts.tasks import EvaluateParams
from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.store import RunRecord
from prolight_evaluator.ensemble import CLIP_SCALE, LPIPS_SCALE
from prolight_evaluator.models import Models
from prolight_evaluator.scoring import NO_REFERENCE
from prolight_evaluator.worker import evaluate


@pytest.fixture
async def api(tiny_models: Models, tmp_path: Path) -> AsyncIterator[Harness]:
    async for h in harness_for(tiny_models, tmp_path):
        yield h


PROMPT = FiboPrompt(scene=get_preset("rembrandt").setup)
RENDER = render(PROMPT, 3, 96, 120)
REFERENCE = render(PROMPT, 4, 96, 120).png
NO_PROMPT = "no prompt or text to compare with"


def candidates() -> list[Any]:
    return [
        upload("render.png", RENDER.png),
        upload("noise-1.png", png(noise(120, 96, seed=1))),
        upload("noise-2.png", png(noise(120, 96, seed=2))),
    ]


def seed_final(result: dict[str, Any]) -> float:
    """The original README's final from the raw cosine and distance."""
    clip = min(1.0, max(0.0, CLIP_SCALE * result["clip"]))
    lpips_norm = min(result["lpips"] / LPIPS_SCALE, 1.0)
    return round(0.6 * clip + 0.4 * (1 - lpips_norm), 4)


async def test_the_answer_has_scores_with_urls_and_the_top(api: Harness) -> None:
    await api.artifact("ref-1", REFERENCE)
    response = await api.post(
        "/eval/ensemble",
        candidates(),
        prompt=PROMPT.model_dump_json(),
        reference_url=f"{GATEWAY}/api/artifacts/ref-1",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [s["url"] for s in body["scores"]] == ["upload:0", "upload:1", "upload:2"]
    for s in body["scores"]:
        assert {"url", "clip", "lpips", "final", "lighting", "scores"} <= set(s)
        assert isinstance(s["clip"], float)
        assert isinstance(s["lpips"], float)
    best = max(body["scores"], key=lambda s: s["final"])
    assert body["top"]["url"] == best["url"] == body["ranking"][0]["url"]
    assert body["top"]["score"] == best["final"]
    assert body["reference"] == f"{GATEWAY}/api/artifacts/ref-1"


async def clip_and_lpips_only(api: Harness, **reference_prompt: str) -> list[dict[str, Any]]:
    response = await api.post(
        "/eval/ensemble",
        [*candidates(), upload("ref.png", REFERENCE, "reference")],
        metrics="clip,lpips",
        **reference_prompt,
    )
    assert response.status_code == 200, response.text
    scores: list[dict[str, Any]] = response.json()["scores"]
    for s in scores:
        assert s["available"] == ["clip", "lpips"]
        assert s["weights"] == pytest.approx({"clip": 0.6, "lpips": 0.4})
        assert "lighting" not in s
        assert s["ssim"] is None
        assert s["final"] == pytest.approx(seed_final(s), abs=1e-9)
    return scores


@pytest.mark.parametrize(
    "reference_prompt",
    [
        pytest.param({"text": "a moody portrait"}, id="text"),
        pytest.param({"prompt": "a moody portrait"}, id="prompt-words"),
    ],
)
async def test_only_clip_and_lpips_give_the_original_readmes_formula_exactly(
    api: Harness, reference_prompt: dict[str, str]
) -> None:
    scores = await clip_and_lpips_only(api, **reference_prompt)
    # Neither term is pinned to 0 or 1 here, so both weights are really exercised.
    assert all(0.0 < CLIP_SCALE * s["clip"] < 1.0 for s in scores), [s["clip"] for s in scores]
    assert all(0.0 < s["lpips"] < LPIPS_SCALE for s in scores), [s["lpips"] for s in scores]


async def test_a_fibo_prompt_with_only_clip_and_lpips_is_the_same_formula(api: Harness) -> None:
    await clip_and_lpips_only(api, prompt=PROMPT.model_dump_json())


async def test_a_prompt_alone_scores_clip_and_the_lighting_checks(api: Harness) -> None:
    response = await api.post("/eval/ensemble", candidates(), prompt=PROMPT.model_dump_json())
    assert response.status_code == 200, response.text
    for s in response.json()["scores"]:
        assert s["available"] == ["lighting", "clip"]
        assert s["unavailable"] == {"lpips": NO_REFERENCE}
        assert s["lpips"] is None
        assert s["weights"] == pytest.approx({"lighting": 4 / 7, "clip": 3 / 7})
        expected = (4 * s["scores"]["lighting"] + 3 * s["scores"]["clip"]) / 7
        assert s["final"] == pytest.approx(expected, abs=1e-4)
        assert s["lighting"]["colour"]["against"] == "prompt"
        assert {"exposure", "saturation", "colour", "ratio"} <= set(s["lighting"])


async def test_words_alone_judge_the_pixels_only(api: Harness) -> None:
    response = await api.post("/eval/ensemble", [upload("a.png", RENDER.png)], text="a portrait")
    assert response.status_code == 200, response.text
    [s] = response.json()["scores"]
    assert s["available"] == ["lighting", "clip"]
    lighting = s["lighting"]
    assert lighting["ratio"] is None  # no setup, no target
    assert lighting["colour"] is None  # no setup and no reference to drift from
    assert lighting["exposure"]["pass"] is True
    assert lighting["saturation"]["pass"] is True


async def test_an_image_alone_scores_lpips_and_the_lighting_checks(api: Harness) -> None:
    await api.artifact("ref-1", REFERENCE)
    response = await api.post("/eval/ensemble", candidates(), reference_artifact_id="ref-1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reference"] == f"{GATEWAY}/api/artifacts/ref-1"
    for s in body["scores"]:
        assert s["available"] == ["lighting", "lpips"]
        assert s["unavailable"] == {"clip": NO_PROMPT}
        assert s["clip"] is None
        assert s["weights"] == pytest.approx({"lighting": 2 / 3, "lpips": 1 / 3})
        expected = (2 * s["scores"]["lighting"] + s["scores"]["lpips"]) / 3
        assert s["final"] == pytest.approx(expected, abs=1e-4)
        assert s["lighting"]["ratio"] is None
        assert s["lighting"]["colour"]["against"] == "reference"


async def test_a_prompt_and_an_image_score_all_three(api: Harness) -> None:
    response = await api.post(
        "/eval/ensemble",
        [*candidates(), upload("ref.png", REFERENCE, "reference")],
        prompt=PROMPT.model_dump_json(),
    )
    assert response.status_code == 200, response.text
    for s in response.json()["scores"]:
        assert s["available"] == ["lighting", "clip", "lpips"]
        assert s["unavailable"] == {}
        assert s["weights"] == pytest.approx({"lighting": 4 / 9, "clip": 3 / 9, "lpips": 2 / 9})
        sc = s["scores"]
        expected = (4 * sc["lighting"] + 3 * sc["clip"] + 2 * sc["lpips"]) / 9
        assert s["final"] == pytest.approx(expected, abs=1e-4)
        assert s["lighting"]["colour"]["against"] == "prompt"  # the prompt wins


def primaries(height: int = 120, width: int = 96) -> np.ndarray:
    """Bands of pure red, green, blue, yellow, magenta and cyan: over-saturated everywhere."""
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (230, 230, 0), (200, 0, 200), (0, 180, 180)]
    bands = np.repeat(np.array(colours, dtype=np.uint8), -(-height // len(colours)), axis=0)
    return np.repeat(bands[:height, None, :], width, axis=1)


def greys(height: int = 120, width: int = 96) -> np.ndarray:
    ramp = np.linspace(20, 235, width, dtype=np.uint8)
    return np.repeat(np.repeat(ramp[None, :, None], height, axis=0), 3, axis=2)


async def test_the_saturation_check_fires_on_an_over_saturated_image_only(api: Harness) -> None:
    response = await api.post(
        "/eval/ensemble",
        [
            upload("vivid.png", png(primaries())),
            upload("grey.png", png(greys())),
            upload("render.png", RENDER.png),
        ],
        prompt=PROMPT.model_dump_json(),
    )
    assert response.status_code == 200, response.text
    vivid, grey, rendered = (s["lighting"]["saturation"] for s in response.json()["scores"])
    assert vivid["saturated_pct"] == 100.0
    assert (vivid["score"], vivid["pass"]) == (0.0, False)
    for neutral in (grey, rendered):
        assert neutral["saturated_pct"] == 0.0
        assert (neutral["score"], neutral["pass"]) == (1.0, True)
    assert response.json()["top"]["url"] != "upload:0"


async def test_ensemble_scores_an_upload_and_an_artifact_like_the_bus_path(api: Harness) -> None:
    await api.artifact("art-1", RENDER.png)
    await api.artifact("ref-1", REFERENCE)
    ratio = RENDER.report.measured_ratio_stops
    response = await api.post(
        "/eval/ensemble",
        [upload("mine.png", RENDER.png)],
        artifact_id="art-1",
        reference_artifact_id="ref-1",
        prompt=PROMPT.model_dump_json(),
        measured_ratio_stops=str(ratio),
        metrics="lighting,clip,lpips,ssim",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    by_artifact, by_upload = body["scores"]
    assert by_artifact["artifact_id"] == "art-1"
    assert by_artifact["url"] == f"{GATEWAY}/api/artifacts/art-1"
    assert by_upload["filename"] == "mine.png"
    assert by_upload["sha256"] == by_artifact["sha256"]

    run = RunRecord(run_id="r1", prompt=PROMPT.model_dump(mode="json"))
    params = {
        "artifact_id": "art-1",
        "sha256": by_artifact["sha256"],
        "prompt": PROMPT.model_dump(mode="json"),
        "measured_ratio_stops": ratio,
        "reference_artifact_id": "ref-1",
        "index": 0,
        "seed": 3,
    }
    result = await evaluate(
        run, EvaluateParams.model_validate(params), api.blobs, api.batcher, api.store
    )
    bus = result.model_dump(mode="json")
    for http in (by_artifact, by_upload):
        assert http["available"] == bus["available"] == ["lighting", "clip", "lpips", "ssim"]
        assert http["lighting"] == bus["lighting"]
        for metric in ("clip", "lpips", "ssim"):
            assert http[metric] == pytest.approx(bus[metric], abs=1e-5)
        assert http["final"] == pytest.approx(bus["final"], abs=2e-4)
    assert [r["rank"] for r in body["ranking"]] == [1, 2]
    assert body["top"]["score"] == body["ranking"][0]["final"]


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [pytest.param("JPEG", "image/jpeg", id="jpeg"), pytest.param("WEBP", "image/webp", id="webp")],
)
async def test_jpeg_and_webp_uploads_are_scored(api: Harness, fmt: str, kind: str) -> None:
    data = png(noise(64, 48, seed=1), fmt)
    response = await api.post(
        "/eval/ensemble", [upload("x", data, kind=kind)], prompt=PROMPT.model_dump_json()
    )
    assert response.status_code == 200, response.text
    assert response.json()["scores"][0]["unavailable"] == {"lpips": NO_REFERENCE}
