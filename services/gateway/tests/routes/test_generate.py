"""POST /api/generate/lighting-setup and /natural-language against a real nats-server."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from gateway_utils.app import SECRET
from gateway_utils.bodies import fibo_body, readme_body
from gateway_utils.waiting import wait_until

from prolight.contracts.events import RunCreated
from prolight.contracts.subjects import RUN_ID_PATTERN, EventType
from prolight.platform.bus import BusUnavailableError
from prolight.platform.store import created_run
from prolight.platform.tokens import verify_stream_token
from prolight_gateway.resources import Resources

pytestmark = pytest.mark.integration


async def test_readme_body_is_accepted_and_published_as_the_runs_record(gateway: Any) -> None:
    r = await gateway.client.post("/api/generate/lighting-setup", json=readme_body(num_results=3))

    assert r.status_code == 202, r.text
    body = r.json()
    run_id = body["run_id"]
    assert re.fullmatch(r"run_[0-9a-f]{26}", run_id)
    assert re.match(RUN_ID_PATTERN, run_id)
    assert body["status"] == "created"
    assert body["queued_steps"] == 3 + 3 + 1  # (2n + 1) × max_iterations(1)
    assert verify_stream_token(body["stream_token"], run_id, SECRET)["run_id"] == run_id
    token = body["stream_token"]
    assert body["links"] == {
        "status": f"http://gateway.test/api/status/{run_id}",
        "stream": f"http://notifier.test:8001/api/stream/{run_id}?token={token}",
        "ws": f"ws://notifier.test:8001/ws/runs/{run_id}?token={token}",
    }

    events = await gateway.resources.bus.history(run_id, timeout=5)
    assert [e.type for e in events] == [EventType.RUN_CREATED]
    payload = events[0].payload
    assert isinstance(payload, RunCreated)
    assert payload.options.num_results == 3
    assert payload.prompt.scene.subject.description == "professional model in studio"
    # No planner runs here to record it, and the run is known all the same: from its event.
    assert await gateway.resources.store.get_run(run_id) is None
    status = await gateway.client.get(f"/api/status/{run_id}")
    assert status.status_code == 200, status.text
    assert status.json()["status"] == "created"
    assert status.json()["progress"] == 0
    assert status.json()["prompt"] == payload.prompt.model_dump(mode="json")
    assert status.json()["created_at"] == created_run(events[0]).created_at.isoformat().replace(
        "+00:00", "Z"
    )


async def test_canonical_prompt_with_options(gateway: Any) -> None:
    body = fibo_body(num_results=2, seed=40, max_iterations=2, score_threshold=0.8, budget_usd=1.5)
    r = await gateway.client.post("/api/generate/lighting-setup", json=body)

    assert r.status_code == 202, r.text
    run_id = r.json()["run_id"]
    assert r.json()["queued_steps"] == (2 * 2 + 1) * 2
    [event] = await gateway.resources.bus.history(run_id, timeout=5)
    assert isinstance(event.payload, RunCreated)
    options = event.payload.options
    assert (options.num_results, options.seed, options.max_iterations) == (2, 40, 2)
    assert (options.score_threshold, options.budget_usd) == (0.8, 1.5)
    assert event.payload.prompt.metadata.seed == 7
    assert event.payload.prompt.output.resolution == (512, 640)


async def test_legacy_fibo_json_is_accepted(gateway: Any) -> None:
    legacy = {
        "subject": {"main_entity": "photographer", "attributes": ["focused"]},
        "environment": {"setting": "professional studio"},
        "lighting": {
            "main_light": {"direction": "45 degrees camera-right", "intensity": 0.8},
            "fill_light": {"direction": "30 degrees camera-left", "intensity": 0.4},
        },
        "style_medium": "photograph",
    }
    r = await gateway.client.post("/api/generate/lighting-setup", json=legacy)
    assert r.status_code == 202, r.text


async def test_defaults_queue_nine_steps(gateway: Any) -> None:
    r = await gateway.client.post("/api/generate/lighting-setup", json=readme_body())
    assert r.status_code == 202
    assert r.json()["queued_steps"] == 9


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"num_results": 9}, "num_results", id="too-many-results"),
        pytest.param({"num_results": 0}, "num_results", id="no-results"),
        pytest.param({"seed": -1}, "seed", id="negative-seed"),
        pytest.param({"score_threshold": 1.5}, "score_threshold", id="threshold-over-1"),
        pytest.param({"budget_usd": -2}, "budget_usd", id="negative-budget"),
        pytest.param({"colour": "red"}, "colour", id="unknown-top-level-field"),
        pytest.param({"lighting_setup": []}, "lighting_setup", id="lights-not-an-object"),
    ],
)
async def test_bad_fields_are_422_named(gateway: Any, change: dict[str, Any], field: str) -> None:
    r = await gateway.client.post("/api/generate/lighting-setup", json=readme_body(**change))

    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_input"
    assert r.json()["field"] == field


async def test_deep_field_named_as_typed(gateway: Any) -> None:
    body = readme_body()
    body["lighting_setup"]["fill"]["intensity"] = "bright"
    body["lighting_setup"]["key"]["wattage"] = 500

    r = await gateway.client.post("/api/generate/lighting-setup", json=body)

    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert "lighting_setup.key.wattage" in fields
    assert any(f.startswith("lighting_setup.fill.intensity") for f in fields)


async def test_malformed_json_is_422(gateway: Any) -> None:
    r = await gateway.client.post(
        "/api/generate/lighting-setup",
        content=b'{"lighting_setup": {',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["code"] == "malformed_json"
    assert "malformed JSON" in r.json()["message"]


async def test_non_object_body_is_422(gateway: Any) -> None:
    r = await gateway.client.post("/api/generate/lighting-setup", json=[1, 2])
    assert r.status_code == 422
    assert r.json()["field"] == ""


class _DownBus:
    """A bus that looks connected but whose publish fails, as when NATS drops mid-request."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.is_connected = True
        self.published = 0

    async def publish(self, event: Any, *, timeout: float = 5.0) -> Any:
        self.published += 1
        raise BusUnavailableError(f"publish {event.type}: NATS unavailable (test)")


async def test_publish_failure_is_503_and_nothing_runs(gateway: Any) -> None:
    res: Resources = gateway.resources
    down = _DownBus(res.bus)
    gateway.app.state.resources = dataclasses.replace(res, bus=down)  # type: ignore[arg-type]

    r = await gateway.client.post("/api/generate/lighting-setup", json=readme_body())

    assert r.status_code == 503
    assert r.json()["code"] == "bus_unavailable"
    assert down.published == 1  # unavailable is not retried: only a lost ack is
    assert (await res.store.list_runs()).items == []


async def test_nats_down_is_503_and_nothing_is_stored(gateway_on_stoppable: Any) -> None:
    gateway, nats = gateway_on_stoppable
    nats.stop()
    await wait_until(lambda: not gateway.resources.bus.is_connected, timeout=5)

    r = await gateway.client.post("/api/generate/lighting-setup", json=readme_body())

    assert r.status_code == 503
    assert r.json()["code"] == "bus_unavailable"
    assert (await gateway.resources.store.list_runs()).items == []


async def test_natural_language(gateway: Any) -> None:
    body = {
        "scene_description": "a professional model in a studio",
        "lighting_description": "soft butterfly lighting with warm tones",
        "subject": "fashion model",
        "style_intent": "professional portrait",
        "num_results": 2,
        "seed": 11,
    }
    r = await gateway.client.post("/api/generate/natural-language", json=body)

    assert r.status_code == 202, r.text
    out = r.json()
    assert out["status"] == "created"
    assert out["queued_steps"] == 5
    assert out["translation"]["preset"] == "butterfly"
    assert out["translation"]["notes"]
    scene = out["prompt"]["scene"]
    assert scene["subject"]["description"] == "fashion model"
    assert scene["environment"] == "a professional model in a studio"
    assert scene["style"] == "professional portrait"
    [event] = await gateway.resources.bus.history(out["run_id"], timeout=5)
    assert isinstance(event.payload, RunCreated)
    assert event.payload.prompt.model_dump(mode="json") == out["prompt"]
    assert event.payload.options.seed == 11


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({}, "lighting_description", id="missing-description"),
        pytest.param({"lighting_description": ""}, "lighting_description", id="empty"),
        pytest.param(
            {"lighting_description": "soft", "mood": "x"}, "mood", id="unknown-field-named"
        ),
        pytest.param({"lighting_description": "soft", "num_results": 99}, "num_results", id="n"),
    ],
)
async def test_natural_language_422(gateway: Any, body: dict[str, Any], field: str) -> None:
    r = await gateway.client.post("/api/generate/natural-language", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
