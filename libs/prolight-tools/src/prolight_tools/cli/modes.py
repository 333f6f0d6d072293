"""The Refine and Inspire modes, and the final render, from the command line.

`prolight refine RUN_ID "one stop less fill" [--patch FILE] [--lock PATH …] [-n 1]
[-o DIR] [--watch/--no-watch]` — a child run of a completed run, changed only where the
instruction (or the RFC 6902 patch in FILE) says; prints the diff, then follows the child run
and saves its results like `prolight generate`.

`prolight final RUN_ID [--artifact ID] [-o DIR] [--watch/--no-watch]` — a completed run's
best image (or the one named) rendered again in the final quality, same prompt and seed.

`prolight inspire IMAGE [--instruction TEXT] [-n 4] [--seed N] [-o DIR] [--watch/--no-watch]`
— IMAGE is a local PNG, JPEG or WebP file (never a URL) or `artifact:ID` for a stored image;
prints the measured setup with each field's confidence, then runs the variations.

Exit status as for `prolight generate`: 0 completed, 1 failed or cancelled, 2 bad input or no
gateway.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from prolight.domain.inspire import MAX_IMAGE_BYTES
from prolight_tools.cli.app import app
from prolight_tools.cli.runs import (
    GatewayOption,
    RunView,
    _client,
    _exit_for,
    _fail,
    _follow,
    _run,
    _save,
)

__all__ = ["final_command", "inspire_command", "refine_command"]

_OutOption = Annotated[Path | None, typer.Option("-o", "--out", help="Directory for the results.")]
_WatchOption = Annotated[
    bool, typer.Option("--watch/--no-watch", help="Follow the run and save its results.")
]


async def _finish(client: Any, run_id: str, ws: str, out: Path | None, watch: bool) -> int:
    """Follow the run and save what it made; the exit status."""
    if not watch:
        typer.echo(f"  follow  prolight watch {run_id}")
        return 0
    view = RunView(run_id)
    await _follow(client, view, ws, 0)
    if view.final is not None and view.final["type"] == "run.completed":
        target = out or Path("out") / run_id
        written = await _save(client, view, target)
        typer.echo(f"wrote {len(written)} files to {target}/")
    return _exit_for(view)


def _read_patch(path: Path) -> list[dict[str, Any]]:
    try:
        patch = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(f"--patch: no such file: {path}")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(f"--patch: cannot read {path}: {exc}")
    if not isinstance(patch, list):
        _fail("--patch: a JSON patch is a list of operations")
    return patch


@app.command("refine")
def refine_command(
    run_id: Annotated[str, typer.Argument(help="A completed run whose chosen image to refine.")],
    instruction: Annotated[
        str | None, typer.Argument(help='What to change, e.g. "one stop less fill".')
    ] = None,
    patch: Annotated[
        Path | None, typer.Option("--patch", help="A JSON patch file instead of words.")
    ] = None,
    lock: Annotated[
        list[str] | None, typer.Option("--lock", help="A path to keep (repeatable).")
    ] = None,
    n: Annotated[int, typer.Option("-n", "--num-results", min=1, max=8, help="Images.")] = 1,
    out: _OutOption = None,
    watch: _WatchOption = True,
    gateway: GatewayOption = "http://127.0.0.1:8000",
) -> None:
    """Refine a run: a child run from its chosen prompt and seed, changing only what you ask."""
    if (instruction is None) == (patch is None):
        _fail("give exactly one of INSTRUCTION or --patch FILE")
    body: dict[str, Any] = {"num_results": n, "locked_fields": lock or []}
    if patch is not None:
        body["patch"] = _read_patch(patch)
    else:
        body["instruction"] = instruction

    async def refine() -> int:
        async with _client(gateway) as client:
            accepted = await client.refine(run_id, body)
            typer.echo(
                f"run {accepted.run_id} refines {accepted.parent_run_id} "
                f"(image {accepted.parent_artifact_id}, seed {accepted.seed})"
            )
            for change in accepted.changes:
                typer.echo(f"  {change.path}: {change.before} → {change.after}")
            for ignored in accepted.ignored:
                typer.echo(f"  ignored: {ignored}")
            return await _finish(client, accepted.run_id, accepted.links.ws, out, watch)

    raise typer.Exit(_run(refine(), gateway))


@app.command("final")
def final_command(
    run_id: Annotated[str, typer.Argument(help="A completed run whose image to render.")],
    artifact: Annotated[
        str | None, typer.Option("--artifact", help="One of its images; default its best.")
    ] = None,
    out: _OutOption = None,
    watch: _WatchOption = True,
    gateway: GatewayOption = "http://127.0.0.1:8000",
) -> None:
    """Render a run's chosen image again in the final quality: path traced and denoised."""

    async def final() -> int:
        async with _client(gateway) as client:
            accepted = await client.final(run_id, artifact)
            typer.echo(
                f"run {accepted.run_id} renders {accepted.parent_run_id}'s image "
                f"{accepted.parent_artifact_id} final (seed {accepted.seed})"
            )
            return await _finish(client, accepted.run_id, accepted.links.ws, out, watch)

    raise typer.Exit(_run(final(), gateway))


def _image_body(image: str) -> dict[str, Any]:
    if image.startswith("artifact:"):
        return {"artifact_id": image.removeprefix("artifact:")}
    if "://" in image:
        _fail("IMAGE is a local file or artifact:ID; URLs are never fetched")
    path = Path(image)
    try:
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            _fail(f"IMAGE is {size} bytes; at most {MAX_IMAGE_BYTES} are accepted")
        data = path.read_bytes()
    except FileNotFoundError:
        _fail(f"IMAGE: no such file: {image}")
    except OSError as exc:
        _fail(f"IMAGE: cannot read {image}: {exc}")
    return {"image_base64": base64.b64encode(data).decode()}


@app.command("inspire")
def inspire_command(
    image: Annotated[str, typer.Argument(help="A PNG, JPEG or WebP file, or artifact:ID.")],
    instruction: Annotated[
        str | None, typer.Option("--instruction", "-i", help='Then change it: "warmer key".')
    ] = None,
    n: Annotated[int, typer.Option("-n", "--num-results", min=1, max=8, help="Variations.")] = 4,
    seed: Annotated[int | None, typer.Option(min=0, help="Base seed.")] = None,
    out: _OutOption = None,
    watch: _WatchOption = True,
    gateway: GatewayOption = "http://127.0.0.1:8000",
) -> None:
    """Measure an image's lighting (with a confidence per field) and generate variations."""
    body = {**_image_body(image), "num_results": n}
    if instruction is not None:
        body["instruction"] = instruction
    if seed is not None:
        body["seed"] = seed

    async def inspire() -> int:
        async with _client(gateway) as client:
            accepted = await client.inspire(body)
            typer.echo(f"run {accepted.run_id}: variations of the measured setup")
            for name, estimate in accepted.measured.items():
                typer.echo(f"  {name}: {estimate.value} (confidence {estimate.confidence:.2f})")
            for note in accepted.instruction_notes:
                typer.echo(f"  then: {note}")
            return await _finish(client, accepted.run_id, accepted.links.ws, out, watch)

    raise typer.Exit(_run(inspire(), gateway))
