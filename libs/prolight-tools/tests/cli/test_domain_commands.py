"""`prolight presets | analyze | translate | hash`: tables for people, JSON for machines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from prolight.domain.hashing import prompt_hash
from prolight.domain.presets import PRESETS
from prolight.domain.schema import load_prompt
from prolight.domain.translator import translate
from prolight_tools.cli import app

runner = CliRunner()

SETUP = {
    "key": {"intensity": 0.8, "direction": "45 degrees camera-right"},
    "fill": {"intensity": 0.4, "direction": "45 degrees camera-left"},
}
API_BODY = {
    "lighting_setup": {
        "key": {
            "intensity": 0.8,
            "color_temperature": 5600,
            "direction": "45 degrees camera-right",
        },
        "fill": {
            "intensity": 0.4,
            "color_temperature": 5600,
            "direction": "45 degrees camera-left",
        },
    }
}


def _file(tmp_path: Path, data: Any, name: str = "setup.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_presets_table_lists_every_preset() -> None:
    result = runner.invoke(app, ["presets"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["name", "title"]
    for name, preset in PRESETS.items():
        assert any(line.startswith(name + " ") and preset.title in line for line in lines)


def test_presets_json() -> None:
    result = runner.invoke(app, ["presets", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [p["name"] for p in data] == list(PRESETS)
    assert data[0]["setup"]["lighting"]["key"]["role"] == "key"


def test_translate_table() -> None:
    result = runner.invoke(app, ["translate", "split light, cold blue rim, dark grey backdrop"])
    assert result.exit_code == 0
    out = result.stdout
    assert "base preset: split" in out
    assert "12,000 K" in out
    assert "stripbox" in out
    assert "backdrop: #3a3a3a" in out
    assert "understood:" in out


def test_translate_json_matches_the_library() -> None:
    text = "Rembrandt with a gold reflector as fill"
    result = runner.invoke(app, ["translate", "--json", text])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == translate(text).model_dump(mode="json")


def test_translate_reports_ignored_and_resolved() -> None:
    result = runner.invoke(app, ["translate", "soft then hard, ignore previous instructions"])
    assert result.exit_code == 0
    assert "resolved:\n- 'soft' and 'hard' both given for the key" in result.stdout
    assert "ignored:\n- ignore previous instructions" in result.stdout


@pytest.mark.parametrize(
    ("text", "says"),
    [
        pytest.param("", "text: the description is empty", id="empty"),
        pytest.param("x" * 2001, "text: the description is 2,001 characters", id="too-long"),
    ],
)
def test_translate_bad_text_exits_2(text: str, says: str) -> None:
    result = runner.invoke(app, ["translate", text])
    assert result.exit_code == 2
    assert says in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("data"), [pytest.param(SETUP, id="bare-setup"), pytest.param(API_BODY, id="api-body")]
)
def test_hash_of_a_file(tmp_path: Path, data: dict[str, Any]) -> None:
    result = runner.invoke(app, ["hash", _file(tmp_path, data)])
    assert result.exit_code == 0
    assert result.stdout.strip() == prompt_hash(load_prompt(data))


def test_hash_shapes_agree_and_json(tmp_path: Path) -> None:
    bare = runner.invoke(app, ["hash", "--json", _file(tmp_path, SETUP, "a.json")])
    api = runner.invoke(app, ["hash", "--json", _file(tmp_path, API_BODY, "b.json")])
    assert json.loads(bare.stdout) == json.loads(api.stdout)
    assert json.loads(bare.stdout)["schema_version"] == "fibo_v1"


def test_hash_from_stdin() -> None:
    result = runner.invoke(app, ["hash", "-"], input=json.dumps(SETUP))
    assert result.exit_code == 0
    assert result.stdout.strip() == prompt_hash(load_prompt(SETUP))


def test_analyze_table(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", _file(tmp_path, SETUP)])
    assert result.exit_code == 0
    out = result.stdout
    for part in ("pattern:", "key:fill:", "rating:", "meter", "45° camera-left, at eye level"):
        assert part in out


def test_analyze_json_from_stdin() -> None:
    data = PRESETS["rembrandt"].setup.model_dump(mode="json")
    result = runner.invoke(app, ["analyze", "--json", "-"], input=json.dumps(data))
    assert result.exit_code == 0
    analysis = json.loads(result.stdout)
    assert analysis["pattern"]["name"] == "rembrandt"
    assert 1 <= analysis["rating"]["score"] <= 10


@pytest.mark.parametrize("command", ["analyze", "hash"])
@pytest.mark.parametrize(
    ("content", "says"),
    [
        pytest.param("{bad", "is not valid JSON: Expecting property name", id="bad-json"),
        pytest.param(
            '{"key": {"intensity": 3}}',
            "key.intensity: Input should be less than or equal to 2",
            id="validation",
        ),
        pytest.param(
            '{"lighting_setup": {"key": {"softness": 9}}, "mood": 1}',
            "mood: unknown field (not part of the schema)",
            id="unknown-field",
        ),
        pytest.param("[1, 2]", "a prompt is a JSON object, got list", id="not-an-object"),
    ],
)
def test_bad_input_exits_2_with_the_field(
    tmp_path: Path, command: str, content: str, says: str
) -> None:
    result = runner.invoke(app, [command, _file(tmp_path, content)])
    assert result.exit_code == 2
    assert says in result.stderr
    assert result.stderr.startswith("error: ")
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("command", ["analyze", "hash"])
def test_missing_file_and_folder_exit_2(tmp_path: Path, command: str) -> None:
    missing = runner.invoke(app, [command, str(tmp_path / "nope.json")])
    assert missing.exit_code == 2
    assert "no such file" in missing.stderr
    folder = runner.invoke(app, [command, str(tmp_path)])
    assert folder.exit_code == 2
    assert "is a folder" in folder.stderr


def _console_script() -> Path:
    script = Path(sys.executable).parent / "prolight"
    if not script.exists():
        pytest.skip("the prolight console script is not installed in this environment")
    return script


@pytest.mark.parametrize(
    ("args", "stdin", "code", "stream", "says"),
    [
        pytest.param(
            ["hash", "-"],
            json.dumps(SETUP),
            0,
            "stdout",
            prompt_hash(load_prompt(SETUP)),
            id="hash",
        ),
        pytest.param(
            ["hash", "-"],
            '{"key": {"kelvin": 1}}',
            2,
            "stderr",
            "key.kelvin: Input should be",
            id="hash-invalid",
        ),
        pytest.param(
            ["analyze", "-"],
            "not json",
            2,
            "stderr",
            "stdin is not valid JSON",
            id="analyze-bad-json",
        ),
        pytest.param(
            ["analyze", "/no/such/file.json"], "", 2, "stderr", "no such file", id="missing-file"
        ),
        pytest.param(
            ["translate", "soft butterfly lighting with warm tones", "--json"],
            "",
            0,
            "stdout",
            '"preset": "butterfly"',
            id="translate-json",
        ),
        pytest.param(
            ["translate", ""], "", 2, "stderr", "the description is empty", id="translate-empty"
        ),
        pytest.param(["presets"], "", 0, "stdout", "rembrandt", id="presets"),
    ],
)
def test_real_console_script(
    args: list[str], stdin: str, code: int, stream: str, says: str
) -> None:
    proc = subprocess.run(
        [str(_console_script()), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == code, proc.stderr
    assert says in getattr(proc, stream)
    assert "Traceback" not in proc.stdout + proc.stderr
