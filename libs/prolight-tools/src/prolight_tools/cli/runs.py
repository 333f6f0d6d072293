"""Commands that drive a running stack: up, generate, watch.

`prolight up [--home DIR] [--only SERVICE …]` — nats-server (if none answers) and the six
services, until Ctrl-C (see `prolight_tools.stack`).

`prolight generate (--preset NAME | FILE | --describe "TEXT") [-n 4] [--seed N] [-o DIR]
[--watch/--no-watch] [--gateway URL]` — submits the run through the gateway, follows its
events (overall progress bar, a line per task and per artifact), then writes to DIR the
candidate images (`images/`), `contact_sheet.png`, `diagram.png`, `bundle.zip` and the
bundle's `manifest.json`.

`prolight watch RUN_ID [--after N] [--gateway URL]` — follows a run's live stream, resuming by
itself when the connection drops.

Commands that talk to the gateway send `PROLIGHT_API_KEY` as `X-API-Key` when it is set.

Exit status: 0 the run completed (or `up` was stopped), 1 the run failed or was cancelled (or
the stack could not start), 2 bad input or no gateway (`is make run running?`). Never a
traceback.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
import zipfile
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from prolight.domain.errors import FieldError, InvalidInput, describe_errors
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt, Metadata
from prolight_tools.cli.app import app

if TYPE_CHECKING:
    from prolight_tools.client import ProLightClient

__all__ = [
    "EXIT_FAILED",
    "EXIT_INVALID",
    "generate_command",
    "up_command",
    "watch_command",
]

EXIT_FAILED = 1
EXIT_INVALID = 2
T = TypeVar("T")

GatewayOption = Annotated[
    str,
    typer.Option(
        "--gateway",
        envvar="PROLIGHT_GATEWAY_URL",
        help="The gateway's URL.",
        show_default=True,
    ),
]


def _fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


# ------------------------------------------------------------------ up


@app.command("up")
def up_command(
    home: Annotated[
        Path,
        typer.Option(envvar="PROLIGHT_HOME", help="Where the store, blobs and logs go."),
    ] = Path(".prolight"),
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Start only this service (repeatable; for development)."),
    ] = None,
    timeout: Annotated[
        float, typer.Option(help="Seconds each service gets to answer /healthz.")
    ] = 60.0,
) -> None:
    """Start nats-server (if none answers) and the six services; Ctrl-C stops them all."""
    from prolight_tools.stack import SERVICES, Stack, StackError, default_nats_url, run_stack

    try:
        stack = Stack(
            home=home,
            nats_url=default_nats_url(),
            services=tuple(only) if only else SERVICES,
            say=lambda line: typer.echo(line),
            health_timeout_s=timeout,
        )
    except StackError as exc:
        _fail(str(exc))
    raise typer.Exit(run_stack(stack))


# ------------------------------------------------------------------ rendering a run


class RunView:
    """Prints a run's events as they come: an overall bar on a terminal, lines otherwise."""

    def __init__(self, run_id: str, *, stream: Any = None) -> None:
        self.run_id = run_id
        self.out = stream or sys.stdout
        self.tty = bool(getattr(self.out, "isatty", lambda: False)())
        self.progress = 0.0
        self.artifacts: list[dict[str, Any]] = []
        self.final: dict[str, Any] | None = None
        self._bar_drawn = False

    def _line(self, text: str) -> None:
        if self._bar_drawn:
            self.out.write("\r\x1b[2K")  # erase the bar, print the line, redraw the bar below
        self.out.write(text + "\n")
        self._draw_bar()

    def _draw_bar(self) -> None:
        if not self.tty:
            return
        width = 30
        filled = round(self.progress * width)
        bar = "█" * filled + "░" * (width - filled)
        self.out.write(f"\r{self.run_id} [{bar}] {self.progress * 100:5.1f}%")
        self.out.flush()
        self._bar_drawn = True

    def reconnecting(self, last: int, why: str) -> None:
        """Told by the client when it resumes the stream."""
        self._line(f"  … stream interrupted ({why}); resuming after event {last}")

    def show(self, message: dict[str, Any]) -> None:
        """Render one event message (see prolight_notifier.messages)."""
        self.progress = float(message.get("progress", self.progress))
        kind = message["type"]
        payload: dict[str, Any] = message.get("payload", {})
        task = message.get("task_id") or ""
        pct = f"{self.progress * 100:5.1f}%"
        if kind == "run.created":
            options = payload.get("options", {})
            self._line(f"{pct}  run {self.run_id}: {options.get('num_results', '?')} candidates")
        elif kind == "task.started":
            self._line(f"{pct}  ▸ {payload.get('tool', '?'):<8} {task} started")
        elif kind == "task.completed":
            status = payload.get("status", "completed")
            took = payload.get("duration_ms")
            timing = f" in {took:.0f} ms" if isinstance(took, int | float) else ""
            self._line(f"{pct}  ✓ {payload.get('tool', '?'):<8} {task} {status}{timing}")
        elif kind == "task.failed":
            self._line(
                f"{pct}  ✗ {payload.get('tool', '?'):<8} {task} failed: {payload.get('reason')}"
            )
        elif kind == "artifact.ready":
            self.artifacts.append(message)
            size = ""
            if payload.get("width") and payload.get("height"):
                size = f" {payload['width']}×{payload['height']}"
            seed = f" seed {payload['seed']}" if payload.get("seed") is not None else ""
            url = message.get("artifact_url", payload.get("url", ""))
            self._line(f"{pct}  ▣ {payload.get('kind', 'artifact'):<13}{size}{seed}  {url}")
        elif kind == "run.completed":
            self.final = message
            score = payload.get("best_score")
            best = f", best {payload.get('best_artifact_id')}" + (
                f" (score {score:.3f})" if isinstance(score, int | float) else ""
            )
            self._line(f"{pct}  run completed{best}")
        elif kind in ("run.failed", "run.cancelled"):
            self.final = message
            self._line(f"{pct}  {kind.replace('.', ' ')}: {payload.get('reason', '')}")
        if self.tty and message["type"] in ("run.completed", "run.failed", "run.cancelled"):
            self.out.write("\n")
            self._bar_drawn = False


def _client(gateway: str) -> ProLightClient:
    try:
        from prolight_tools.client import ProLightClient
    except ImportError as exc:  # pragma: no cover - the services install both
        _fail(f"this command needs httpx and websockets ({exc.name} is missing)")
    return ProLightClient(gateway, api_key=os.environ.get("PROLIGHT_API_KEY") or None)


def _run(coro: Awaitable[T], gateway: str) -> T:
    """Run `coro`, turning the client's errors into one line and an exit status."""
    from prolight_tools.client import GatewayUnavailable, RequestRejected, StreamUnavailable

    async def main() -> T:
        return await coro

    try:
        return asyncio.run(main())
    except GatewayUnavailable:
        _fail(f"is `make run` running? no gateway at {gateway}")
    except RequestRejected as exc:
        _fail(f"the gateway refused the request: {exc}")
    except StreamUnavailable as exc:
        _fail(str(exc), EXIT_FAILED)
    except KeyboardInterrupt:
        _fail("interrupted", 130)


async def _follow(client: ProLightClient, view: RunView, ws_url: str | None, after: int) -> None:
    async for message in client.events(
        view.run_id, after=after, ws_url=ws_url, on_reconnect=view.reconnecting
    ):
        view.show(message)


def _exit_for(view: RunView) -> int:
    if view.final is None or view.final["type"] != "run.completed":
        return EXIT_FAILED
    return 0


# ------------------------------------------------------------------ watch


@app.command("watch")
def watch_command(
    run_id: Annotated[str, typer.Argument(help="The run to follow.")],
    gateway: GatewayOption = "http://127.0.0.1:8000",
    after: Annotated[int, typer.Option(min=0, help="Start after this event sequence.")] = 0,
) -> None:
    """Follow a run's live events (resumes by itself if the connection drops)."""
    view = RunView(run_id)

    async def watch() -> None:
        async with _client(gateway) as client:
            await _follow(client, view, None, after)

    _run(watch(), gateway)
    raise typer.Exit(_exit_for(view))


# ------------------------------------------------------------------ generate


def _body(
    source: str | None, preset: str | None, describe: str | None, n: int | None, seed: int | None
) -> tuple[dict[str, Any], bool]:
    """The request body and whether it goes to the natural-language endpoint (a FILE holding
    a `lighting_description` does, as the original README's natural-language body)."""
    given = [x for x in (source, preset, describe) if x is not None]
    if len(given) != 1:
        _fail("give exactly one of FILE, --preset NAME or --describe TEXT")
    options: dict[str, Any] = {}  # what the flags say; unset, the body's own (or the default)
    if n is not None:
        options["num_results"] = n
    if seed is not None:
        options["seed"] = seed
    if describe is not None:
        return {"lighting_description": describe, **options}, True
    try:
        if preset is not None:
            prompt = FiboPrompt(scene=get_preset(preset).setup, metadata=Metadata(seed=seed or 0))
            return {**prompt.model_dump(mode="json"), **options}, False
        assert source is not None
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        body = json.loads(text)
    except InvalidInput as exc:
        for error in describe_errors(exc):
            typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    except FileNotFoundError:
        _fail(str(FieldError("FILE", f"no such file: {source}")))
    except (OSError, UnicodeDecodeError) as exc:
        _fail(str(FieldError("FILE", f"cannot read {source}: {exc}")))
    except json.JSONDecodeError as exc:
        _fail(str(FieldError("FILE", f"not valid JSON: {exc.msg} (line {exc.lineno})")))
    if not isinstance(body, dict):
        _fail(str(FieldError("FILE", "expected a JSON object")))
    return {**body, **options}, "lighting_description" in body


async def _save(client: ProLightClient, view: RunView, out: Path) -> list[Path]:
    """Download the run's images and exports into `out`; the paths written."""
    written: list[Path] = []
    names = {"contact_sheet": "contact_sheet.png", "diagram": "diagram.png", "bundle": "bundle.zip"}
    images = 0
    for message in view.artifacts:
        payload = message["payload"]
        kind = payload.get("kind", "image")
        if kind == "image":
            images += 1
            seed = payload.get("seed")
            name = f"images/candidate-{images}" + (f"-seed-{seed}" if seed is not None else "")
            path = out / f"{name}.png"
        elif kind in names:
            path = out / names[kind]
        else:
            continue
        data = await client.artifact(payload["artifact_id"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
        if kind == "bundle":
            with zipfile.ZipFile(io.BytesIO(data)) as bundle:
                for member in ("manifest.json", "contact_sheet.png", "diagram.png"):
                    target = out / member
                    if member in bundle.namelist() and not target.exists():
                        target.write_bytes(bundle.read(member))
                        written.append(target)
    return written


@app.command("generate")
def generate_command(
    source: Annotated[
        str | None,
        typer.Argument(metavar="[FILE|-]", help="A JSON prompt or setup file, or - for stdin."),
    ] = None,
    preset: Annotated[
        str | None, typer.Option("--preset", "-p", help="A preset name instead of FILE.")
    ] = None,
    describe: Annotated[
        str | None, typer.Option("--describe", "-d", help="Describe the light in words.")
    ] = None,
    n: Annotated[
        int | None,
        typer.Option("-n", "--num-results", min=1, max=8, help="Candidates (default 4)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Base seed.")] = None,
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Directory for the results.")
    ] = None,
    watch: Annotated[
        bool, typer.Option("--watch/--no-watch", help="Follow the run and save its results.")
    ] = True,
    gateway: GatewayOption = "http://127.0.0.1:8000",
) -> None:
    """Start a run through the gateway, follow it, and save its images and bundle."""
    body, natural = _body(source, preset, describe, n, seed)

    async def generate() -> tuple[str, RunView | None, list[Path]]:
        async with _client(gateway) as client:
            accepted = await client.generate(body, natural_language=natural)
            typer.echo(f"run {accepted.run_id} accepted ({accepted.queued_steps} steps queued)")
            for note in accepted.notes:
                typer.echo(f"  note: {note}")
            if not watch:
                typer.echo(f"  status  {gateway}/api/status/{accepted.run_id}")
                typer.echo(f"  follow  prolight watch {accepted.run_id}")
                return accepted.run_id, None, []
            view = RunView(accepted.run_id)
            await _follow(client, view, accepted.links.ws, 0)
            if view.final is None or view.final["type"] != "run.completed":
                return accepted.run_id, view, []
            target = out or Path("out") / accepted.run_id
            return accepted.run_id, view, await _save(client, view, target)

    run_id, view, written = _run(generate(), gateway)
    if view is None:
        raise typer.Exit(0)
    if written:
        target = out or Path("out") / run_id
        typer.echo(f"wrote {len(written)} files to {target}/")
        for path in written:
            typer.echo(f"  {path.relative_to(target)}")
    raise typer.Exit(_exit_for(view))
