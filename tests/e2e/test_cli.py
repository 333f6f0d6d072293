"""`prolight generate` and `prolight watch` as a user runs them, against the running stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_kit import free_port, prolight

from prolight_tools.stack import Stack

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_generate_follows_the_run_and_writes_its_results(stack: Stack, tmp_path: Path) -> None:
    out = tmp_path / "result"
    done = prolight(
        "generate",
        "--preset",
        "loop",
        "-n",
        "2",
        "--seed",
        "5",
        "-o",
        str(out),
        "--gateway",
        stack.gateway_url,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "run completed" in done.stdout
    assert "100.0%" in done.stdout
    images = sorted(p.name for p in (out / "images").iterdir())
    assert images == ["candidate-1-seed-5.png", "candidate-2-seed-6.png"]
    for name in ("contact_sheet.png", "diagram.png", "bundle.zip", "manifest.json"):
        assert (out / name).stat().st_size > 0, name
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["candidates"]) == 2

    run_id = done.stdout.split()[1]
    watched = prolight("watch", run_id, "--gateway", stack.gateway_url, cwd=tmp_path)
    assert watched.returncode == 0, watched.stderr
    assert watched.stdout.count("▣ image") == 2
    assert "run completed" in watched.stdout


def test_generate_from_a_description_without_watching(stack: Stack, tmp_path: Path) -> None:
    done = prolight(
        "generate",
        "--describe",
        "soft butterfly light, warm tones",
        "-n",
        "1",
        "--no-watch",
        "--gateway",
        stack.gateway_url,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "accepted" in done.stdout
    assert "prolight watch run_" in done.stdout


def test_no_gateway_is_a_clear_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = prolight("generate", "--preset", "loop", "--gateway", url, cwd=tmp_path)
    assert done.returncode == 2
    assert f"is `make run` running? no gateway at {url}" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_refused_request_is_one_line(stack: Stack, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"lighting_setup": {"key": {"intensity": 7}}}))
    done = prolight("generate", str(bad), "--gateway", stack.gateway_url, cwd=tmp_path)
    assert done.returncode == 2
    assert "the gateway refused the request" in done.stderr
    assert "Traceback" not in done.stderr


def test_watch_of_an_unknown_run_is_a_clear_error(stack: Stack, tmp_path: Path) -> None:
    done = prolight("watch", "run_doesnotexist", "--gateway", stack.gateway_url, cwd=tmp_path)
    assert done.returncode == 2
    assert "404" in done.stderr
    assert "Traceback" not in done.stderr
