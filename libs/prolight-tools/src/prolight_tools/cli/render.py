"""Commands that draw: render, diagram, gallery.

`prolight render (FILE|--preset NAME) [--seed N] [--size 512x640] [--quality draft|final]
-o out.png [--report]`
`prolight diagram (FILE|--preset NAME) -o diagram.png` (or `.svg`)
`prolight gallery DIR [--quality draft|final]` — every preset rendered in each quality (both
unless one is named), with its diagram, a contact sheet per quality, and the ratio table.

FILE is a path or `-` for stdin holding any shape `load_prompt` reads. Bad input (no or two
sources, an unknown preset, an unreadable file, a bad size, a set the renderer cannot draw)
prints `error: field: message` lines on stderr and exits with status 2; never a traceback.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated, NoReturn, get_args

import typer

from prolight.domain.errors import FieldError, InvalidInput, ProLightError, describe_errors
from prolight.domain.photoreal import Quality, render
from prolight.domain.presets import PRESETS, get_preset
from prolight.domain.render import SheetItem, contact_sheet, diagram, diagram_svg
from prolight.domain.schema import FiboPrompt, Metadata, load_prompt
from prolight_tools.cli.app import app

__all__ = ["DEFAULT_SIZE", "EXIT_INVALID", "diagram_command", "gallery_command", "render_command"]

EXIT_INVALID = 2
"""Exit status for input that cannot be used (as the other commands use it)."""

DEFAULT_SIZE = "512x640"
"""Preview size when --size is not given: fast (well under a second) and enough to judge light."""

SourceArgument = Annotated[
    str | None,
    typer.Argument(metavar="[FILE|-]", help="A JSON prompt or setup file, or - for stdin."),
]
PresetOption = Annotated[
    str | None, typer.Option("--preset", "-p", help="A preset name instead of FILE.")
]
QUALITIES: tuple[Quality, ...] = get_args(Quality)


def _fail(errors: list[FieldError]) -> NoReturn:
    for error in errors:
        typer.echo(f"error: {error}", err=True)
    raise typer.Exit(EXIT_INVALID)


def _prompt(source: str | None, preset: str | None, seed: int | None) -> FiboPrompt:
    """The prompt from FILE or a preset (exactly one), or exit 2 saying what is wrong."""
    if (source is None) == (preset is None):
        _fail([FieldError("", "give exactly one of FILE or --preset NAME")])
    try:
        if preset is not None:
            return FiboPrompt(scene=get_preset(preset).setup, metadata=Metadata(seed=seed or 0))
        assert source is not None
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        return load_prompt(json.loads(text), seed=seed)
    except InvalidInput as exc:
        _fail(describe_errors(exc))
    except FileNotFoundError:
        _fail([FieldError("FILE", f"no such file: {source}")])
    except (OSError, UnicodeDecodeError) as exc:
        _fail([FieldError("FILE", f"cannot read {source}: {exc}")])
    except json.JSONDecodeError as exc:
        _fail([FieldError("FILE", f"not valid JSON: {exc.msg} (line {exc.lineno})")])


def _quality(value: str) -> Quality:
    """`--quality`, checked: one of `QUALITIES`, or exit 2 saying so."""
    for quality in QUALITIES:
        if value == quality:
            return quality
    _fail([FieldError("quality", f"quality is draft or final; got {value!r}")])


def _with_quality(prompt: FiboPrompt, quality: Quality) -> FiboPrompt:
    output = prompt.output.model_copy(update={"quality": quality})
    return prompt.model_copy(update={"output": output})


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*", text)
    if not m:
        _fail([FieldError("size", f"size is WIDTHxHEIGHT in pixels, e.g. 512x640; got {text!r}")])
    return int(m.group(1)), int(m.group(2))


def _write(path: Path, data: bytes | str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
    except OSError as exc:
        _fail([FieldError("output", f"cannot write {path}: {exc}")])


@app.command("render")
def render_command(
    source: SourceArgument = None,
    preset: PresetOption = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="PNG file to write.")] = Path(
        "out.png"
    ),
    seed: Annotated[int | None, typer.Option(help="Seed (default: the prompt's).")] = None,
    size: Annotated[str, typer.Option(help="WIDTHxHEIGHT in pixels.")] = DEFAULT_SIZE,
    report: Annotated[bool, typer.Option("--report", help="Print the render report JSON.")] = False,
    quality: Annotated[
        str | None,
        typer.Option(
            help="draft (about half a second) or final (path traced, a few seconds); "
            "default: the prompt's output.quality, else draft."
        ),
    ] = None,
) -> None:
    """Render a setup with the local physically based renderer."""
    prompt = _prompt(source, preset, seed)
    if quality is not None:
        prompt = _with_quality(prompt, _quality(quality))
    width, height = _size(size)
    try:
        result = render(prompt, prompt.metadata.seed, width, height)
    except InvalidInput as exc:
        _fail(describe_errors(exc))
    except ProLightError as exc:
        _fail([FieldError("", str(exc))])
    _write(output, result.png)
    if report:
        typer.echo(result.report.model_dump_json(indent=2))
    else:
        r = result.report
        ratio = "n/a" if r.measured_ratio_stops is None else f"{r.measured_ratio_stops:.2f} stops"
        typer.echo(
            f"wrote {output} ({width}×{height}, seed {r.seed}, face ratio {ratio}, "
            f"{r.timings.total_ms:.0f} ms)"
        )


@app.command("diagram")
def diagram_command(
    source: SourceArgument = None,
    preset: PresetOption = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="PNG (or .svg) file to write.")
    ] = Path("diagram.png"),
) -> None:
    """Draw the top-down studio diagram of a setup (PNG, or SVG for a .svg output)."""
    setup = _prompt(source, preset, None).scene
    if output.suffix.lower() == ".svg":
        _write(output, diagram_svg(setup))
    else:
        _write(output, diagram(setup))
    typer.echo(f"wrote {output}")


@app.command("gallery")
def gallery_command(
    directory: Annotated[Path, typer.Argument(help="Directory to fill (created if missing).")],
    seed: Annotated[int, typer.Option(help="Seed for every render.")] = 0,
    size: Annotated[str, typer.Option(help="WIDTHxHEIGHT in pixels.")] = DEFAULT_SIZE,
    quality: Annotated[
        str | None, typer.Option(help="Only this quality (draft or final); default both.")
    ] = None,
) -> None:
    """Render every preset with its diagram into DIRECTORY/<quality>/, a contact sheet per
    quality, and ratios.md: the analysis's key:fill prediction against each quality's meter."""
    width, height = _size(size)
    qualities = QUALITIES if quality is None else (_quality(quality),)
    measured: dict[str, dict[str, float | None]] = {name: {} for name in PRESETS}
    for q in qualities:
        items = []
        for name, preset in PRESETS.items():
            prompt = _with_quality(FiboPrompt(scene=preset.setup), q)
            try:
                result = render(prompt, seed, width, height)
            except ProLightError as exc:
                _fail([FieldError(f"preset {name}", str(exc))])
            folder = directory / q
            _write(folder / f"{name}.png", result.png)
            _write(folder / f"{name}_report.json", result.report.model_dump_json(indent=2))
            r = result.report
            measured[name]["predicted"] = r.predicted_ratio_stops
            measured[name][q] = r.measured_ratio_stops
            scores = {"clip%": r.clipped_highlights_pct, "crush%": r.crushed_shadows_pct}
            if r.measured_ratio_stops is not None:
                scores["ratio"] = r.measured_ratio_stops
            items.append(SheetItem(png=result.png, seed=seed, scores=scores, label=preset.title))
            typer.echo(f"{q} {name}: {r.timings.total_ms:.0f} ms")
        _write(directory / f"contact_sheet_{q}.png", contact_sheet(items, columns=4))
    for name, preset in PRESETS.items():
        _write(directory / f"{name}_diagram.png", diagram(preset.setup))
        _write(directory / f"{name}_diagram.svg", diagram_svg(preset.setup))
    _write(directory / "ratios.md", _ratio_table(measured, qualities))
    typer.echo(f"wrote {len(PRESETS)} presets × {len(qualities)} qualities to {directory}")


def _ratio_table(measured: dict[str, dict[str, float | None]], qualities: tuple[str, ...]) -> str:
    """Markdown: per preset, the predicted key:fill ratio and each quality's, in stops."""

    def cell(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    head = "| preset | predicted | " + " | ".join(qualities) + " |"
    rule = "|---|---:|" + "---:|" * len(qualities)
    rows = [
        f"| {name} | {cell(m.get('predicted'))} | "
        + " | ".join(cell(m.get(q)) for q in qualities)
        + " |"
        for name, m in measured.items()
    ]
    return "\n".join([head, rule, *rows]) + "\n"
