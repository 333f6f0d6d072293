"""`prolight keys new OWNER [--file PATH]`: issue an API key (see `prolight.platform.api_keys`).

The key is printed once, on stdout; only its hash is written to the keys file. The gateway
requires keys as soon as `PROLIGHT_API_KEYS_FILE` names that file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from prolight.platform.api_keys import KeyFileError, add_key
from prolight_tools.cli.app import app

__all__ = ["keys_app"]

keys_app = typer.Typer(help="Issue API keys for the gateway.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("new")
def new_command(
    owner: Annotated[str, typer.Argument(help="Who the key is for; their runs are theirs only.")],
    file: Annotated[
        Path,
        typer.Option(
            "--file",
            envvar="PROLIGHT_API_KEYS_FILE",
            help="The keys file the gateway reads (created 0600 if absent).",
        ),
    ] = Path(".prolight/api-keys"),
) -> None:
    """Issue a key for OWNER: print it once and append its hash to the keys file."""
    try:
        key = add_key(file, owner)
    except KeyFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except OSError as exc:
        typer.echo(f"error: cannot write {file}: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(key)
    typer.echo(
        f"(key for {owner!r}; only its hash is in {file} — keep the key, it is not shown again; "
        f"start the gateway with PROLIGHT_API_KEYS_FILE={file})",
        err=True,
    )
