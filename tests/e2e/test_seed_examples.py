"""The original README's example bodies through the six services, as a client of that README
sends them, over HTTP and through the CLI: each is accepted and its run completes. Then a table
of boundary bodies: each is refused at the door (422 naming the field) or completes — never
accepted and then failed."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_kit import finished, prolight

from prolight.contracts.examples import SEED_EXAMPLES, SeedExample
from prolight.domain.schema import ShotType
from prolight_tools.stack import Stack

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EXAMPLES = [pytest.param(e, id=e.name) for e in SEED_EXAMPLES]


async def _status(client: httpx.AsyncClient, run_id: str) -> dict[str, Any]:
    r = await client.get(f"/api/status/{run_id}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.mark.parametrize("example", EXAMPLES)
async def test_each_seed_example_runs_to_completed(stack: Stack, example: SeedExample) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        r = await client.post(example.path, json=example.body)
        assert r.status_code == 202, r.text
        accepted = r.json()
        assert (accepted["status"], accepted["queued_steps"]) == ("created", 9)
        final = await finished(accepted["links"]["ws"])
        assert final["type"] == "run.completed", final
        status = await _status(client, accepted["run_id"])

    assert (status["status"], status["state"], status["progress"]) == ("completed", "completed", 1)
    images = [a for a in status["artifacts"] if a["kind"] == "image"]
    assert len(images) == 4  # num_results is not in the body: the default
    for image in images:
        assert image["type"] == "png"
        assert image["url"] == f"{stack.gateway_url}/api/artifacts/{image['id']}"
        assert isinstance(image["seed"], int)
    if "fov" in json.dumps(example.body):
        assert any(
            n.startswith("camera.fov 85 read as a focal length of 85 mm") for n in accepted["notes"]
        )
        assert status["prompt"]["scene"]["camera"]["focal_length_mm"] == 85


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_seed_example_runs_through_the_cli(
    stack: Stack, tmp_path: Path, example: SeedExample
) -> None:
    source = tmp_path / f"{example.name}.json"
    source.write_text(json.dumps(example.body))
    out = tmp_path / "out"
    args = ("generate", str(source), "-n", "1", "-o", str(out), "--gateway", stack.gateway_url)
    done = prolight(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "run completed" in done.stdout
    assert len(list((out / "images").glob("*.png"))) == 1


# ----------------------------------------------------------------------- the boundary table


def _prompt(scene: dict[str, Any] | None = None, **camera: Any) -> dict[str, Any]:
    """A small fibo_v1 body (one candidate, 256×320) with `camera` and `scene` changes."""
    base: dict[str, Any] = {
        "lighting": {"key": {"direction": "45 degrees camera-right", "intensity": 0.8}},
        "camera": camera,
    }
    return {
        "schema_version": "fibo_v1",
        "scene": {**base, **(scene or {})},
        "output": {"resolution": [256, 320]},
        "num_results": 1,
    }


LENSES_MM = ("8mm", "24mm", "50mm", "85mm", "200mm", "800mm")

# (id, body, the field a 422 names — or None: the run completes)
BOUNDARIES: list[tuple[str, dict[str, Any], str | None]] = [
    ("camera-too-near", _prompt(distance_m=0.34), "scene.camera.distance_m"),
    ("camera-nearest", _prompt(distance_m=0.35), None),
    ("camera-farthest", _prompt(distance_m=30), None),
    ("camera-too-far", _prompt(distance_m=30.5), "scene.camera.distance_m"),
    ("fov-narrowest", _prompt(fov="2.6°"), None),
    ("fov-too-narrow", _prompt(fov="2°"), "scene.camera.fov"),
    ("fov-widest", _prompt(fov="132°"), None),
    ("fov-too-wide", _prompt(fov="140°"), "scene.camera.fov"),
    ("lens-too-short", _prompt(focal_length_mm=7), "scene.camera.focal_length_mm"),
    ("lens-too-long", _prompt(focal_length_mm=900), "scene.camera.focal_length_mm"),
    (
        "key-in-head",
        _prompt({"lighting": {"key": {"distance": 0.29}}}),
        "scene.lighting.key.distance",
    ),
    ("key-nearest", _prompt({"lighting": {"key": {"distance": 0.3}}}), None),
    ("backdrop-in-head", _prompt({"background": {"distance_m": 0.25}}), "scene.background"),
    ("backdrop-nearest", _prompt({"background": {"distance_m": 0.26}}), None),
    (
        "backdrop-behind-product",
        _prompt({"background": {"distance_m": 0.1}, "subject": {"kind": "product"}}),
        None,
    ),
    ("no-light", _prompt({"lighting": {"key": {"intensity": 0}}}), "scene.lighting"),
    ("over-full-power", _prompt({"lighting": {"key": {"intensity": 2}}}), None),
    (
        "past-the-ceiling",
        _prompt({"lighting": {"key": {"intensity": 2.1}}}),
        "scene.lighting.key.intensity",
    ),
    ("empty-subject", _prompt({"subject": {"description": ""}}), "scene.subject.description"),
    (
        "size-not-its-aspect",
        {**_prompt(), "output": {"aspect_ratio": "16:9", "resolution": [320, 320]}},
        "output",
    ),
    ("thin-strip", {**_prompt(), "output": {"resolution": [1024, 64]}}, "output"),
    ("wide-strip", {**_prompt(), "output": {"resolution": [1024, 576]}}, None),
]
BOUNDARIES += [
    (f"{shot.value}-{lens}", _prompt(shot_type=shot.value, fov=lens), None)
    for shot in ShotType
    for lens in LENSES_MM
]


async def test_boundary_bodies_are_refused_at_the_door_or_complete(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        accepted: dict[str, dict[str, Any]] = {}
        for name, body, field in BOUNDARIES:
            r = await client.post("/api/generate/lighting-setup", json=body)
            if field is None:
                assert r.status_code == 202, (name, r.text)
                accepted[name] = r.json()
            else:
                assert r.status_code == 422, (name, r.text)
                fields = [e["field"] for e in r.json().get("errors") or [r.json()]]
                assert fields == [field], (name, r.json())
        finals = await asyncio.gather(
            *(finished(a["links"]["ws"], timeout=300) for a in accepted.values())
        )
    failed = {
        name: final.get("payload")
        for name, final in zip(accepted, finals, strict=True)
        if final.get("type") != "run.completed"
    }
    assert not failed, failed
