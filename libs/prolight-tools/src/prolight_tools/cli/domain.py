"""Commands on lighting setups: presets, analyze, translate, hash.

Each command prints plain-text tables for people and, with `--json`, one JSON document on
stdout for machines. FILE is a path or `-` for stdin and may hold any shape `load_prompt`
reads (the canonical prompt, the original API body, the older FIBO JSON, a bare setup).
Bad input — unreadable file, invalid JSON, a validation error — prints one `field: message`
line per problem on stderr and exits with status 2; never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from prolight.domain.analysis import Analysis, analyze
from prolight.domain.errors import FieldError, InvalidInput
from prolight.domain.hashing import prompt_hash
from prolight.domain.presets import PRESETS
from prolight.domain.schema import FiboPrompt, LightingSetup, load_prompt
from prolight.domain.translator import Translation, translate
from prolight_tools.cli.app import app

__all__ = [
    "EXIT_INVALID",
    "analyze_command",
    "hash_command",
    "presets_command",
    "translate_command",
]

EXIT_INVALID = 2
"""Exit status for input that cannot be used (the usage-error status, as click uses it)."""

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document for machines.")]
FileArgument = Annotated[
    str, typer.Argument(metavar="FILE|-", help="A JSON prompt or setup file, or - for stdin.")
]


def _fail(errors: Iterable[FieldError]) -> NoReturn:
    for error in errors:
        typer.echo(f"error: {error}", err=True)
    raise typer.Exit(EXIT_INVALID)


def _read_prompt(source: str) -> FiboPrompt:
    """The prompt in FILE (or stdin for '-'), or exit 2 with what is wrong."""
    try:
        if source == "-":
            text = sys.stdin.read()
            name = "stdin"
        else:
            text = Path(source).read_text(encoding="utf-8")
            name = source
    except FileNotFoundError:
        _fail([FieldError("", f"no such file: {source}")])
    except IsADirectoryError:
        _fail([FieldError("", f"{source} is a folder, not a JSON file")])
    except (OSError, UnicodeDecodeError) as exc:
        _fail([FieldError("", f"cannot read {source}: {exc}")])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(
            [
                FieldError(
                    "",
                    f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                )
            ]
        )
    try:
        return load_prompt(data)
    except InvalidInput as exc:
        _fail(exc.errors)


def _dump(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False))


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain-text table: columns padded to the widest cell, readable in a pipe."""
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _lights_table(setup: LightingSetup) -> str:
    rows = []
    for role, light in setup.lighting.items():
        rows.append(
            (
                role.value,
                "on" if light.enabled else "off",
                f"{light.intensity:g}",
                f"{light.effective_kelvin:,.0f} K",
                f"{light.softness:g}",
                light.modifier.value,
                f"{light.distance:g} m",
                light.direction.describe(),
            )
        )
    return _table(
        ("light", "state", "power", "colour", "softness", "modifier", "distance", "direction"), rows
    )


@app.command("presets")
def presets_command(as_json: JsonOption = False) -> None:
    """List the named lighting presets."""
    if as_json:
        _dump([p.model_dump(mode="json") for p in PRESETS.values()])
        return
    rows = [(p.name, p.title, p.description) for p in PRESETS.values()]
    typer.echo(_table(("name", "title", "description"), rows))


@app.command("analyze")
def analyze_command(file: FileArgument, as_json: JsonOption = False) -> None:
    """Analyse a lighting setup: ratio, meter readings, pattern, rating, colour, advice."""
    prompt = _read_prompt(file)
    result = analyze(prompt.scene)
    if as_json:
        _dump(result.model_dump(mode="json"))
        return
    typer.echo(_analysis_text(prompt.scene, result))


def _analysis_text(setup: LightingSetup, a: Analysis) -> str:
    kf = a.ratios.key_fill
    out = [
        _lights_table(setup),
        "",
        f"pattern: {a.pattern.title} (confidence {a.pattern.confidence:.2f}) — {a.pattern.reason}",
        f"key:fill: {kf.label} — {kf.explanation}",
        f"intent: {a.intent.name} — {a.intent.source}",
        f"colour: {a.colour.mood}, face {a.colour.face_kelvin:,.0f} K, "
        f"spread {a.colour.mired_spread:.0f} mired",
        "",
        _table(
            ("meter", "reading", "lux"),
            [(role.value, m.display, f"{m.lux:,.0f}") for role, m in a.meter.items()],
        ),
        "",
        f"rating: {a.rating.score:.1f}/10",
        _table(
            ("component", "score", "reason"),
            [(c.name, f"{c.score:.1f}", c.reason) for c in a.rating.components],
        ),
    ]
    if a.recommendations:
        out += ["", "recommendations:", *(f"- {r.message}" for r in a.recommendations)]
    if a.warnings or a.colour.warnings:
        out += ["", "warnings:", *(f"- {w}" for w in [*a.warnings, *a.colour.warnings])]
    return "\n".join(out)


@app.command("translate")
def translate_command(
    text: Annotated[str, typer.Argument(help="A plain-language lighting description.")],
    as_json: JsonOption = False,
) -> None:
    """Turn a plain-language description into a lighting setup."""
    try:
        result = translate(text)
    except InvalidInput as exc:
        _fail(exc.errors)
    if as_json:
        _dump(result.model_dump(mode="json"))
        return
    typer.echo(_translation_text(result))


def _translation_text(t: Translation) -> str:
    out = [f"base preset: {t.preset or 'none named (default)'}", "", _lights_table(t.setup), ""]
    out += [f"backdrop: {t.setup.background.color}", f"aperture: f/{t.setup.camera.aperture:g}"]
    for title, items in (("understood", t.notes), ("resolved", t.resolved), ("ignored", t.ignored)):
        if items:
            out += ["", f"{title}:", *(f"- {item}" for item in items)]
    return "\n".join(out)


@app.command("hash")
def hash_command(file: FileArgument, as_json: JsonOption = False) -> None:
    """Print the prompt_hash (SHA-256 of the canonical JSON) of a prompt or setup."""
    prompt = _read_prompt(file)
    digest = prompt_hash(prompt)
    if as_json:
        _dump({"prompt_hash": digest, "schema_version": prompt.schema_version})
        return
    typer.echo(digest)
