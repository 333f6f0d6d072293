"""The /eval endpoints over ASGI: the answers' shapes, images by upload, artifact id and own
artifact URL, no URL ever fetched, and every way a request is refused."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from evaluator_testkit import (
    GATEWAY,
    MAX_UPLOAD,
    Harness,
    TinyWeights,
    harness_for,
    noise,
    png,
    upload,
)

from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight_evaluator.ensemble import LPIPS_SCALE, metric_score
from prolight_evaluator.models import Models, load_models


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


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every name look-up or outgoing connection attempted, recorded and refused."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("the network is off in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


PROMPT = FiboPrompt(scene=get_preset("rembrandt").setup)
RENDER = render(PROMPT, 3, 96, 120)
REFERENCE = render(PROMPT, 4, 96, 120).png


def own_url(artifact_id: str) -> str:
    return f"{GATEWAY}/api/artifacts/{artifact_id}"


def assert_error(response: httpx.Response, status: int, code: str, field: str | None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert (body["code"], body.get("field")) == (code, field), body
    assert body["message"]
    assert set(body) <= {"code", "message", "field"}


# ------------------------------------------------------------------ /eval/clip


async def test_clip_answers_a_list_of_url_and_score_in_request_order(api: Harness) -> None:
    await api.artifact("art-1", RENDER.png)
    response = await api.post(
        "/eval/clip",
        [upload("a.png", RENDER.png), upload("b.png", REFERENCE)],
        artifact_id="art-1",
        url=own_url("art-1"),
        text="a moody portrait",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, list)
    # Text fields come before files in httpx's multipart body: id, url, then the uploads.
    assert [r["url"] for r in body] == [own_url("art-1"), own_url("art-1"), "upload:0", "upload:1"]
    assert [r["filename"] for r in body] == [None, None, "a.png", "b.png"]
    assert [r["artifact_id"] for r in body] == ["art-1", "art-1", None, None]
    for r in body:
        assert {"url", "score"} <= set(r)
        assert 0.0 <= r["score"] <= 1.0
        assert r["score"] == pytest.approx(metric_score("clip", r["clip"]))
        assert r["caption"] == "a moody portrait"
    # The same picture scores the same, however it was given.
    assert body[0]["clip"] == pytest.approx(body[2]["clip"], abs=1e-5)
    assert body[1]["clip"] == pytest.approx(body[0]["clip"], abs=1e-5)
    assert body[3]["clip"] != pytest.approx(body[0]["clip"], abs=1e-5)


async def test_clip_compares_with_a_text_or_the_prompts_caption(api: Harness) -> None:
    image = upload("a.png", RENDER.png)
    [by_text] = (await api.post("/eval/clip", [image], text="a portrait")).json()
    [by_words] = (await api.post("/eval/clip", [image], prompt="a portrait")).json()
    [by_prompt] = (await api.post("/eval/clip", [image], prompt=PROMPT.model_dump_json())).json()
    assert by_text["caption"] == by_words["caption"] == "a portrait"
    assert by_words["clip"] == by_text["clip"]
    assert "Rembrandt lighting" in by_prompt["caption"]
    assert by_text["clip"] != by_prompt["clip"]


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(own_url("art-1"), id="gateway-url"),
        pytest.param("/api/artifacts/art-1", id="path-only"),
        pytest.param("HTTP://Gateway.Test:8000/api/artifacts/art-1", id="case-insensitive-host"),
    ],
)
async def test_an_own_artifact_url_is_read_from_the_stores_and_echoed(
    api: Harness, url: str, no_network: list[Any]
) -> None:
    await api.artifact("art-1", RENDER.png)
    by_id = (await api.post("/eval/clip", artifact_id="art-1", text="a portrait")).json()
    response = await api.post("/eval/clip", url=url, text="a portrait")
    assert response.status_code == 200, response.text
    [by_url] = response.json()
    assert by_url["url"] == url
    assert by_url["artifact_id"] == "art-1"
    assert by_url["sha256"] == by_id[0]["sha256"]
    assert by_url["clip"] == pytest.approx(by_id[0]["clip"], abs=1e-5)
    assert no_network == []


async def test_an_own_url_to_a_missing_artifact_is_404_naming_the_field(api: Harness) -> None:
    response = await api.post("/eval/clip", url=own_url("gone"), text="a portrait")
    assert_error(response, 404, "not_found", "url")


# ------------------------------------------------------------------ no URL is ever fetched


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"url": "https://example.com/a.png"}, "url", id="outside-url"),
        pytest.param(
            {"url": "http://169.254.169.254/latest/meta-data/"}, "url", id="cloud-metadata"
        ),
        pytest.param(
            {"url": "http://169.254.169.254/api/artifacts/art-1"}, "url", id="metadata-artifact"
        ),
        pytest.param({"url": "file:///etc/passwd"}, "url", id="file-scheme"),
        pytest.param({"url": "http://evil.test:8000/api/artifacts/art-1"}, "url", id="other-host"),
        pytest.param({"url": "http://gateway.test:8001/api/artifacts/art-1"}, "url", id="port"),
        pytest.param({"url": "https://gateway.test:8000/api/artifacts/art-1"}, "url", id="scheme"),
        pytest.param(
            {"url": "http://gateway.test:8000@evil.test/api/artifacts/art-1"}, "url", id="userinfo"
        ),
        pytest.param({"url": "//evil.test/api/artifacts/art-1"}, "url", id="scheme-relative"),
        pytest.param({"url": "ftp://gateway.test:8000/api/artifacts/art-1"}, "url", id="ftp"),
        pytest.param({"url": f"{GATEWAY}/api/artifacts/art-1?size=256"}, "url", id="thumbnail"),
        pytest.param({"url": f"{GATEWAY}/api/artifacts/%2e%2e"}, "url", id="escape"),
        pytest.param({"url": f"{GATEWAY}/api/artifacts/../runs/r1"}, "url", id="dot-segment"),
        pytest.param({"url": f"{GATEWAY}/api/runs/r1"}, "url", id="other-route"),
        pytest.param({"url": "http://gateway.test:8000\\@evil.test/"}, "url", id="backslash"),
        pytest.param({"urls": "http://127.0.0.1:8013/eval/models"}, "urls", id="urls-loopback"),
        pytest.param(
            {"reference_url": "http://10.0.0.1/api/artifacts/art-1"}, "reference_url", id="ref"
        ),
        pytest.param({"image_url": own_url("art-1")}, "image_url", id="unknown-url-field"),
        pytest.param({"artifact_id": "https://example.com/a.png"}, "artifact_id", id="id-url"),
        pytest.param({"artifact_id": own_url("art-1")}, "artifact_id", id="id-own-url"),
        pytest.param({"image": "http://169.254.169.254/latest"}, "image", id="image-as-url"),
        pytest.param(
            {"reference_artifact_id": "file:///etc/passwd"}, "reference_artifact_id", id="ref-id"
        ),
    ],
)
@pytest.mark.parametrize("path", ["/eval/clip", "/eval/lpips", "/eval/ensemble"])
async def test_urls_that_are_not_own_artifact_urls_are_refused_and_never_fetched(
    api: Harness, no_network: list[Any], path: str, fields: dict[str, str], field: str
) -> None:
    await api.artifact("art-1", RENDER.png)
    files = [upload("a.png", RENDER.png), upload("r.png", REFERENCE, "reference")]
    response = await api.post(path, files, text="a portrait", **fields)
    assert_error(response, 422, "url_refused", field)
    assert no_network == []


async def test_a_refused_url_in_a_json_body_names_its_field(api: Harness) -> None:
    body = {"url": [own_url("art-1"), "http://169.254.169.254/"], "text": "a portrait"}
    response = await api.client.post("/eval/clip", json=body)
    assert_error(response, 422, "url_refused", "url")


# ------------------------------------------------------------------ /eval/lpips


async def test_lpips_answers_distances_per_url_against_the_reference(api: Harness) -> None:
    await api.artifact("ref-1", REFERENCE)
    response = await api.post(
        "/eval/lpips",
        [upload("a.png", RENDER.png), upload("r.png", REFERENCE)],
        reference_url=own_url("ref-1"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["url"] for r in body] == ["upload:0", "upload:1"]
    assert {r["reference"] for r in body} == {own_url("ref-1")}
    changed, same = body
    assert same["lpips"] == 0.0
    assert same["score"] == 1.0
    assert changed["lpips"] > 0.0
    assert changed["lpips_norm"] == pytest.approx(min(changed["lpips"] / LPIPS_SCALE, 1.0))
    assert changed["score"] == pytest.approx(1.0 - changed["lpips_norm"])


async def test_lpips_of_an_image_against_itself_is_zero(api: Harness) -> None:
    response = await api.post(
        "/eval/lpips", [upload("a.png", RENDER.png), upload("r.png", RENDER.png, "reference")]
    )
    assert response.status_code == 200, response.text
    assert response.json()[0]["lpips"] == 0.0
    assert response.json()[0]["reference"] == "upload:reference"


# ------------------------------------------------------------------ bodies and limits


async def test_a_json_body_takes_the_same_fields(api: Harness) -> None:
    await api.artifact("art-1", RENDER.png)
    await api.artifact("ref-1", REFERENCE)
    form = await api.post(
        "/eval/ensemble",
        artifact_id="art-1",
        reference_artifact_id="ref-1",
        prompt=PROMPT.model_dump_json(),
    )
    body = {
        "url": [own_url("art-1")],
        "reference_url": own_url("ref-1"),
        "prompt": PROMPT.model_dump(mode="json"),
        "metrics": ["lighting", "clip", "lpips"],
    }
    response = await api.client.post("/eval/ensemble", json=body)
    assert response.status_code == 200, response.text
    by_json, by_form = response.json()["scores"][0], form.json()["scores"][0]
    assert by_json["url"] == by_form["url"] == own_url("art-1")
    assert by_json["final"] == by_form["final"]
    assert by_json["lighting"] == by_form["lighting"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        pytest.param(b"{not json", "application/json", id="bad-json"),
        pytest.param(b"[1, 2]", "application/json", id="json-list"),
        pytest.param(b"--x\r\nnot a part", "multipart/form-data; boundary=x", id="bad-multipart"),
        pytest.param(b"--x--", "multipart/form-data", id="no-boundary"),
    ],
)
async def test_a_body_that_does_not_parse_is_422(
    api: Harness, content: bytes, content_type: str
) -> None:
    response = await api.client.post(
        "/eval/ensemble", content=content, headers={"content-type": content_type}
    )
    assert_error(response, 422, "invalid_input", "body")


async def test_gif_is_415(api: Harness) -> None:
    gif = png(noise(16, 16, seed=1), "GIF")
    response = await api.post("/eval/clip", [upload("a.png", gif)], text="a portrait")
    assert_error(response, 415, "unsupported_media_type", "image")


async def test_an_undecodable_png_is_422_naming_the_image(api: Harness) -> None:
    broken = RENDER.png[:200]
    response = await api.post("/eval/clip", [upload("a.png", broken)], text="a portrait")
    assert_error(response, 422, "unreadable_image", "image")
    assert "upload:0" in response.json()["message"]


async def test_an_image_over_the_limit_is_413(api: Harness) -> None:
    big = png(noise(400, 300, seed=1))
    assert MAX_UPLOAD < len(big) < 4 * MAX_UPLOAD
    response = await api.post(
        "/eval/lpips", [upload("a.png", RENDER.png), upload("r.png", big, "reference")]
    )
    assert_error(response, 413, "image_too_large", "reference")


async def test_a_body_over_the_limit_is_413_before_it_is_read(api: Harness) -> None:
    response = await api.client.post(
        "/eval/clip",
        content=b"x" * 10,
        headers={"content-type": "multipart/form-data; boundary=x", "content-length": str(10**9)},
    )
    assert_error(response, 413, "body_too_large", None)


async def test_an_unknown_artifact_is_404_and_a_bundle_is_not_an_image(api: Harness) -> None:
    await api.artifact("bundle-1", b"PK\x03\x04", kind="bundle")
    prompt = PROMPT.model_dump_json()
    missing = await api.post("/eval/ensemble", artifact_id="nope", prompt=prompt)
    assert_error(missing, 404, "not_found", "artifact_id")
    bundle = await api.post("/eval/ensemble", artifact_id="bundle-1", prompt=prompt)
    assert_error(bundle, 422, "not_an_image", "artifact_id")


@pytest.mark.parametrize(
    ("path", "fields", "field"),
    [
        pytest.param("/eval/ensemble", {}, "prompt", id="ensemble-without-prompt-or-image"),
        pytest.param("/eval/ensemble", {"prompt": '{"scene": 1}'}, "prompt", id="bad-prompt"),
        pytest.param("/eval/ensemble", {"text": "x" * 2001}, "text", id="text-too-long"),
        pytest.param(
            "/eval/ensemble", {"text": "a", "metrics": "clip,sharpness"}, "metrics", id="metric"
        ),
        pytest.param("/eval/ensemble", {"text": "a", "metrics": "lpips"}, "metrics", id="no-ref"),
        pytest.param(
            "/eval/ensemble",
            {"prompt": PROMPT.model_dump_json(), "measured_ratio_stops": "nan"},
            "measured_ratio_stops",
            id="ratio-nan",
        ),
        pytest.param(
            "/eval/ensemble",
            {"text": "a portrait", "measured_ratio_stops": "1.5"},
            "measured_ratio_stops",
            id="ratio-without-fibo-prompt",
        ),
        pytest.param(
            "/eval/ensemble",
            {"text": "a portrait", "candidate_prompt": PROMPT.model_dump_json()},
            "candidate_prompt",
            id="candidate-without-fibo-prompt",
        ),
        pytest.param("/eval/ensemble", {"text": "a", "artifact_id": " "}, "artifact_id", id="id"),
        pytest.param("/eval/clip", {}, "prompt", id="clip-without-text"),
        pytest.param("/eval/lpips", {}, "reference", id="lpips-without-reference"),
    ],
)
async def test_incomplete_requests_are_422_naming_the_field(
    api: Harness, path: str, fields: dict[str, str], field: str
) -> None:
    response = await api.post(path, [upload("a.png", RENDER.png)], **fields)
    assert_error(response, 422, "invalid_input", field)


async def test_two_references_are_422(api: Harness) -> None:
    await api.artifact("ref-1", REFERENCE)
    response = await api.post(
        "/eval/lpips",
        [upload("a.png", RENDER.png), upload("r.png", REFERENCE, "reference")],
        reference_artifact_id="ref-1",
    )
    assert_error(response, 422, "invalid_input", "reference")


async def test_no_image_at_all_is_422(api: Harness) -> None:
    response = await api.post("/eval/ensemble", prompt=PROMPT.model_dump_json())
    assert_error(response, 422, "invalid_input", "image")


async def test_an_unloaded_model_is_503_and_the_ensemble_says_why(bare_api: Harness) -> None:
    image = upload("a.png", RENDER.png)
    clip = await bare_api.post("/eval/clip", [image], text="a portrait")
    assert_error(clip, 503, "metric_unavailable", None)
    assert "PROLIGHT_EVALUATOR_CLIP_CHECKPOINT" in clip.json()["message"]
    ensemble = await bare_api.post("/eval/ensemble", [image], prompt=PROMPT.model_dump_json())
    result = ensemble.json()["scores"][0]
    assert result["available"] == ["lighting"]
    assert set(result["unavailable"]) == {"clip", "lpips"}
    only_clip = await bare_api.post("/eval/ensemble", [image], text="a", metrics="clip")
    assert_error(only_clip, 503, "metric_unavailable", None)
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
