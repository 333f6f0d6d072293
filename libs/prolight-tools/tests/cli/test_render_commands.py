"""`prolight render`, `prolight diagram`, `prolight gallery`: outputs, and exit 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from prolight_tools.cli import app

runner = CliRunner()


def test_render_a_preset_with_a_report(tmp_path: Path) -> None:
    out = tmp_path / "out.png"
    result = runner.invoke(
        app,
        [
            "render",
            "--preset",
            "loop",
            "--size",
            "96x120",
            "--seed",
            "3",
            "-o",
            str(out),
            "--report",
        ],
    )
    assert result.exit_code == 0, result.output
    with Image.open(out) as im:
        assert im.size == (96, 120)
    report = json.loads(result.stdout)
    assert report["seed"] == 3
    assert report["measured_ratio_stops"] is not None


def test_render_a_prompt_file(tmp_path: Path) -> None:
    src = tmp_path / "setup.json"
    src.write_text(json.dumps({"lighting": {"key": {"direction": "45 degrees left and above"}}}))
    out = tmp_path / "out.png"
    result = runner.invoke(app, ["render", str(src), "--size", "64x80", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["render", "-o", "x.png"], "exactly one", id="no-source"),
        pytest.param(["render", "--preset", "nope"], "unknown preset", id="unknown-preset"),
        pytest.param(
            ["render", "--preset", "loop", "--size", "big"], "WIDTHxHEIGHT", id="bad-size"
        ),
        pytest.param(["render", "--preset", "loop", "--size", "9000x100"], "4096", id="too-big"),
        pytest.param(["render", "missing.json"], "no such file", id="missing-file"),
        pytest.param(["diagram"], "exactly one", id="diagram-no-source"),
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str], message: str, tmp_path: Path) -> None:
    result = runner.invoke(
        app, [*args, "-o", str(tmp_path / "x.png")] if "-o" not in args else args
    )
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_diagram_writes_png_and_svg(tmp_path: Path) -> None:
    for name in ("d.png", "d.svg"):
        result = runner.invoke(app, ["diagram", "--preset", "split", "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "d.png") as im:
        assert im.size == (1024, 1024)
    assert (tmp_path / "d.svg").read_text().startswith("<svg")


def test_render_quality_final_is_another_picture_and_a_bad_quality_exits_2(
    tmp_path: Path,
) -> None:
    made = {}
    for quality in ("draft", "final"):
        out = tmp_path / f"{quality}.png"
        args = ["render", "--preset", "loop", "--size", "64x80", "--quality", quality]
        result = runner.invoke(app, [*args, "-o", str(out)])
        assert result.exit_code == 0, result.output
        made[quality] = out.read_bytes()
    assert made["draft"] != made["final"]
    bad = runner.invoke(app, ["render", "--preset", "loop", "--quality", "best", "-o", "x.png"])
    assert bad.exit_code == 2
    assert "quality is draft or final" in bad.stderr


def test_gallery_renders_every_preset_in_both_qualities_with_the_ratio_table(
    tmp_path: Path,
) -> None:
    result = runner.invoke(app, ["gallery", str(tmp_path), "--size", "64x80"])
    assert result.exit_code == 0, result.output
    from prolight.domain.presets import PRESETS

    for name in PRESETS:
        for quality in ("draft", "final"):
            assert (tmp_path / quality / f"{name}.png").exists()
        assert (tmp_path / f"{name}_diagram.png").exists()
    for quality in ("draft", "final"):
        assert (tmp_path / f"contact_sheet_{quality}.png").exists()
    table = (tmp_path / "ratios.md").read_text().splitlines()
    assert table[0] == "| preset | predicted | draft | final |"
    assert len(table) == 2 + len(PRESETS)
