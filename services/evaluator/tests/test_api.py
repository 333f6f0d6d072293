"""The /eval endpoints over ASGI: uploads and artifact ids, the same numbers as the bus path,
and every way a request is refused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from evaluator_testkit import TinyWeights, noise, png

from prolight.blobs import ArtifactStore, open_blobs
from prolight.health import HealthServer
from prolight.presets import get_preset
from prolight.render import render
from prolight.schema import FiboPrompt
from prolight.store import ArtifactRecord, RunRecord, RunStore, open_store
from prolight_evaluator.api import EvalContext, create_app
from prolight_evaluator.batcher import MicroBatcher
from prolight_evaluator.models import Models, load_models
from prolight_evaluator.scoring import Scorer
from prolight_evaluator.worker import evaluate

MAX_UPLOAD = 200_000


class Harness:
    def __init__(
        self,
        client: httpx.AsyncClient,
        store: RunStore,
        blobs: ArtifactStore,
        batcher: MicroBatcher,
    ) -> None:
        self.client, self.store, self.blobs, self.batcher = client, store, blobs, batcher

    async def artifact(self, artifact_id: str, data: bytes, kind: str = "image") -> ArtifactRecord:
        info = await self.blobs.put(data, "image/png")
        return await self.store.put_artifact(
            ArtifactRecord(
                artifact_id=artifact_id,
                run_id="r1",
                sha256=info.key,
                url=f"/artifacts/{artifact_id}",
                size_bytes=len(data),
                kind=kind,
            )
        )

    async def post(
        self, path: str, files: list[tuple[str, tuple[str, bytes, str]]] | None = None, **data: Any
    ) -> httpx.Response:
        return await self.client.post(
            path, files=files or [("_", ("", b"", "text/plain"))], data=data
        )


async def harness_for(models: Models, tmp_path: Path) -> AsyncIterator[Harness]:
    async with (
        await open_store(f"sqlite:///{tmp_path / 'store.db'}") as store,
        await open_blobs(f"file://{tmp_path / 'blobs'}") as blobs,
        MicroBatcher(Scorer(models), max_items=8, window_s=0.01) as batcher,
    ):
        ctx = EvalContext(batcher, models, store, blobs, MAX_UPLOAD, HealthServer(0, {}))
        transport = httpx.ASGITransport(app=create_app(ctx))
        async with httpx.AsyncClient(transport=transport, base_url="http://evaluator") as client:
            yield Harness(client, store, blobs, batcher)


@pytest.fixture
async def api(tiny_models: Models, tmp_path: Path) -> AsyncIterator[Harness]:
    async for h in harness_for(tiny_models, tmp_path):
        yield h


@pytest.fixture
async def bare_api(tmp_path: Path) -> AsyncIterator[Harness]:
    """The API with no CLIP or LPIPS weights configured."""
    settings = TinyWeights(Path(), Path(), Path()).settings(
        evaluator_clip_checkpoint=None, evaluator_clip_config=None, evaluator_lpips_backbone=None
    )
    async for h in harness_for(load_models(settings), tmp_path):
        yield h


PROMPT = FiboPrompt(scene=get_preset("rembrandt").setup)
RENDER = render(PROMPT, 3, 96, 120)
REFERENCE = render(PROMPT, 4, 96, 120).png


def upload(name: str, data: bytes, field: str = "image", kind: str = "image/png") -> Any:
    return (field, (name, data, kind))


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
    )
    assert response.status_code == 200, response.text
    body = response.json()
    by_artifact, by_upload = body["scores"]
    assert by_artifact["artifact_id"] == "art-1"
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
    bus = await evaluate(run, params, api.blobs, api.batcher, api.store)
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
    assert response.json()["scores"][0]["unavailable"] == {
        "lpips": "no reference image to compare with",
        "ssim": "no reference image to compare with",
    }


async def test_clip_compares_with_a_text_or_the_prompts_caption(api: Harness) -> None:
    image = upload("a.png", RENDER.png)
    by_text = (await api.post("/eval/clip", [image], text="a portrait")).json()
    by_prompt = (await api.post("/eval/clip", [image], prompt=PROMPT.model_dump_json())).json()
    assert by_text["caption"] == "a portrait"
    assert "Rembrandt lighting" in by_prompt["caption"]
    assert by_text["scores"][0]["clip"] != by_prompt["scores"][0]["clip"]
    assert 0.0 <= by_text["scores"][0]["score"] <= 1.0


async def test_lpips_of_an_image_against_itself_is_zero(api: Harness) -> None:
    response = await api.post(
        "/eval/lpips", [upload("a.png", RENDER.png), upload("r.png", RENDER.png, "reference")]
    )
    assert response.status_code == 200, response.text
    assert response.json()["scores"][0]["lpips"] == 0.0


async def test_gif_is_415(api: Harness) -> None:
    gif = png(noise(16, 16, seed=1), "GIF")
    response = await api.post(
        "/eval/ensemble", [upload("a.png", gif)], prompt=PROMPT.model_dump_json()
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


async def test_an_image_over_the_limit_is_413(api: Harness) -> None:
    big = png(noise(400, 300, seed=1))
    assert MAX_UPLOAD < len(big) < 4 * MAX_UPLOAD
    response = await api.post(
        "/eval/lpips", [upload("a.png", RENDER.png), upload("r.png", big, "reference")]
    )
    assert response.status_code == 413
    assert response.json()["code"] == "image_too_large"


async def test_a_body_over_the_limit_is_413_before_it_is_read(api: Harness) -> None:
    response = await api.client.post(
        "/eval/clip",
        content=b"x" * 10,
        headers={"content-type": "multipart/form-data; boundary=x", "content-length": str(10**9)},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"artifact_id": "https://example.com/a.png"}, id="artifact-id-url"),
        pytest.param({"url": "https://example.com/a.png"}, id="url-field"),
        pytest.param({"image": "http://169.254.169.254/latest"}, id="image-as-url"),
        pytest.param({"reference_artifact_id": "file:///etc/passwd"}, id="reference-url"),
    ],
)
async def test_urls_are_refused_and_never_fetched(api: Harness, fields: dict[str, str]) -> None:
    response = await api.post(
        "/eval/ensemble", [upload("a.png", RENDER.png)], prompt=PROMPT.model_dump_json(), **fields
    )
    assert response.status_code == 422
    assert response.json()["code"] == "url_refused"


async def test_an_unknown_artifact_is_404_and_a_bundle_is_not_an_image(api: Harness) -> None:
    await api.artifact("bundle-1", b"PK\x03\x04", kind="bundle")
    prompt = PROMPT.model_dump_json()
    missing = await api.post("/eval/ensemble", artifact_id="nope", prompt=prompt)
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    bundle = await api.post("/eval/ensemble", artifact_id="bundle-1", prompt=prompt)
    assert (bundle.status_code, bundle.json()["code"]) == (422, "not_an_image")


@pytest.mark.parametrize(
    ("path", "fields", "field"),
    [
        pytest.param("/eval/ensemble", {}, "prompt", id="ensemble-without-prompt"),
        pytest.param("/eval/ensemble", {"prompt": '{"scene": 1}'}, "prompt", id="bad-prompt"),
        pytest.param("/eval/clip", {}, "prompt", id="clip-without-text"),
        pytest.param("/eval/lpips", {}, "reference", id="lpips-without-reference"),
    ],
)
async def test_incomplete_requests_are_422_naming_the_field(
    api: Harness, path: str, fields: dict[str, str], field: str
) -> None:
    response = await api.post(path, [upload("a.png", RENDER.png)], **fields)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


async def test_no_image_at_all_is_422(api: Harness) -> None:
    response = await api.post("/eval/ensemble", prompt=PROMPT.model_dump_json())
    assert (response.status_code, response.json()["field"]) == (422, "image")


async def test_an_unloaded_model_is_503_and_the_ensemble_says_why(bare_api: Harness) -> None:
    image = upload("a.png", RENDER.png)
    clip = await bare_api.post("/eval/clip", [image], text="a portrait")
    assert (clip.status_code, clip.json()["code"]) == (503, "metric_unavailable")
    assert "PROLIGHT_EVALUATOR_CLIP_CHECKPOINT" in clip.json()["message"]
    ensemble = await bare_api.post("/eval/ensemble", [image], prompt=PROMPT.model_dump_json())
    result = ensemble.json()["scores"][0]
    assert result["available"] == ["lighting"]
    assert set(result["unavailable"]) == {"clip", "lpips", "ssim"}
    models = (await bare_api.client.get("/eval/models")).json()
    assert models["device"] == "cpu"
    assert "PROLIGHT_EVALUATOR_LPIPS_BACKBONE" in models["lpips"]


async def test_health_routes(api: Harness) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    ready = await api.client.get("/readyz")
    assert (ready.status_code, ready.json()["status"]) == (200, "ready")


def test_prompt_json_round_trips() -> None:
    assert json.loads(PROMPT.model_dump_json())["scene"]


async def test_metrics_count_the_batches_and_the_requests(api: Harness) -> None:
    await api.post(
        "/eval/lpips", [upload("a.png", RENDER.png), upload("r.png", REFERENCE, "reference")]
    )
    text = (await api.client.get("/metrics")).text
    assert 'prolight_evaluator_images_total{device="cpu"}' in text
    assert 'prolight_http_requests_total{code="2xx",service="evaluator"}' in text
