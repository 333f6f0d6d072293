"""POST /api/generate/inspire: an upload or a stored artifact → measured setup → a run."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from gateway_utils.runs import accepted_run
from PIL import Image

from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.store import ArtifactRecord, RunRecord

pytestmark = pytest.mark.integration


def preset_png(name: str = "rembrandt") -> bytes:
    return render(FiboPrompt(scene=get_preset(name).setup), 3, 160, 200).png


async def test_an_upload_is_measured_and_its_variations_queued(gateway: Any) -> None:
    png = preset_png()
    r = await gateway.client.post(
        "/api/generate/inspire",
        json={"image_base64": base64.b64encode(png).decode(), "num_results": 3},
    )
    assert r.status_code == 202, r.text
    body = r.json()
    measured = body["measured"]
    assert set(measured) >= {"key_direction", "ratio_stops", "kelvin", "framing"}
    for estimate in measured.values():
        assert 0 <= estimate["confidence"] <= 1
    assert measured["key_direction"]["value"]["azimuth"] > 20  # camera-right, as in rembrandt
    assert body["parent_run_id"] is None
    run = await accepted_run(gateway.resources, body["run_id"])
    assert run.options.num_results == 3
    assert run.prompt == FiboPrompt.model_validate(body["prompt"])


async def test_a_stored_artifact_is_inspired_from_and_becomes_the_parent(gateway: Any) -> None:
    store, blobs = gateway.resources.store, gateway.resources.blobs
    info = await blobs.put(preset_png("loop"), "image/png")
    await store.create_run(RunRecord(run_id="run_src"))
    await store.put_artifact(
        ArtifactRecord(
            artifact_id="art_src",
            run_id="run_src",
            sha256=info.key,
            url=info.url,
            size_bytes=info.size,
            content_type="image/png",
        )
    )
    r = await gateway.client.post(
        "/api/generate/inspire", json={"artifact_id": "art_src", "instruction": "warmer key"}
    )
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["parent_run_id"] == "run_src"
    assert body["instruction_notes"]
    assert "key" in body["instruction_notes"][0]
    assert (await accepted_run(gateway.resources, body["run_id"])).parent_run_id == "run_src"


def encoded(fmt: str) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (90, 90, 90)).save(buf, format=fmt)
    return base64.b64encode(buf.getvalue()).decode()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param({"image_base64": encoded("GIF")}, 422, "image_base64", id="gif"),
        pytest.param({"image_base64": "not base64!"}, 422, "image_base64", id="not-base64"),
        pytest.param(
            {"image_base64": base64.b64encode(b"https://example.com/x.png").decode()},
            422,
            "image_base64",
            id="a-url-is-never-fetched",
        ),
        pytest.param({"artifact_id": "art_missing"}, 404, "artifact_id", id="unknown-artifact"),
        pytest.param({}, 422, None, id="neither"),
        pytest.param({"artifact_id": "a", "image_base64": "AA=="}, 422, None, id="both"),
        pytest.param({"url": "https://example.com/x.png"}, 422, None, id="url-field-refused"),
    ],
)
async def test_unusable_images_are_refused(
    gateway: Any, body: dict[str, Any], status: int, field: str | None
) -> None:
    r = await gateway.client.post("/api/generate/inspire", json=body)
    assert r.status_code == status, r.text
    if field is not None:
        error = r.json()
        assert field in [error.get("field"), *[e["field"] for e in error.get("errors") or []]]


async def test_an_upload_over_the_body_limit_is_413(gateway: Any) -> None:
    big = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * gateway.settings.gateway_max_body_bytes)
    r = await gateway.client.post("/api/generate/inspire", json={"image_base64": big.decode()})
    assert r.status_code == 413
