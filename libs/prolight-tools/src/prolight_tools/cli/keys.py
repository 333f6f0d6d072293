"""`prolight keys new|list|revoke|rotate`: the gateway's API keys (`prolight.platform.api_keys`).

    prolight keys new OWNER        issue a key: printed once on stdout, only its hash is stored
    prolight keys list             each key's owner and fingerprint (never the key)
    prolight keys revoke WHO       remove OWNER's keys, or one key by fingerprint (sha256:…)
    prolight keys rotate OWNER     a new key for OWNER (printed once); their old ones removed

All take `--file` (default `PROLIGHT_API_KEYS_FILE`, else `.prolight/api-keys`). The gateway
requires keys as soon as `PROLIGHT_API_KEYS_FILE` names that file, and re-reads it when it
changes: a revoke or rotate applies from the gateway's next request, without a restart (in
Kubernetes, once the updated Secret reaches the pod's volume, within the kubelet's sync period).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from prolight.platform.api_keys import (
    KeyFileError,
    add_key,
    list_keys,
    revoke_keys,
    rotate_key,
)
from prolight_tools.cli.app import app

__all__ = ["keys_app"]

keys_app = typer.Typer(
    help="Issue, list, revoke and rotate API keys for the gateway.", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")

KeysFile = Annotated[
    Path,
    typer.Option(
        "--file",
        envvar="PROLIGHT_API_KEYS_FILE",
        help="The keys file the gateway reads (created 0600 if absent).",
    ),
]
DEFAULT_FILE = Path(".prolight/api-keys")


def _fail(exc: Exception, file: Path) -> NoReturn:
    if isinstance(exc, KeyFileError):
        typer.echo(f"error: {exc}", err=True)
    else:
        assert isinstance(exc, OSError)
        typer.echo(f"error: cannot write {file}: {exc.strerror}", err=True)
    raise typer.Exit(2) from exc


@keys_app.command("new")
def new_command(
    owner: Annotated[str, typer.Argument(help="Who the key is for; their runs are theirs only.")],
    file: KeysFile = DEFAULT_FILE,
) -> None:
    """Issue a key for OWNER: print it once and append its hash to the keys file."""
    try:
        key = add_key(file, owner)
    except (KeyFileError, OSError) as exc:
        _fail(exc, file)
    typer.echo(key)
    typer.echo(
        f"(key for {owner!r}; only its hash is in {file} — keep the key, it is not shown again; "
        f"start the gateway with PROLIGHT_API_KEYS_FILE={file})",
        err=True,
    )


@keys_app.command("list")
def list_command(file: KeysFile = DEFAULT_FILE) -> None:
    """Each key's owner and fingerprint (the start of its hash), one per line; never a key."""
    try:
        keys = list_keys(file)
    except KeyFileError as exc:
        _fail(exc, file)
    for key in keys:
        typer.echo(f"{key.owner}\t{key.fingerprint}")
    if not keys:
        typer.echo(f"(no keys in {file})", err=True)


@keys_app.command("revoke")
def revoke_command(
    who: Annotated[
        str,
        typer.Argument(
            help="An owner (all their keys) or one key's fingerprint, sha256:… as `list` shows."
        ),
    ],
    file: KeysFile = DEFAULT_FILE,
) -> None:
    """Remove keys from the file; the gateway refuses them from its next request on."""
    try:
        removed = revoke_keys(file, who)
        left = list_keys(file)
    except (KeyFileError, OSError) as exc:
        _fail(exc, file)
    for key in removed:
        typer.echo(f"revoked\t{key.owner}\t{key.fingerprint}")
    if not left:
        typer.echo(
            f"warning: {file} now holds no keys: the gateway refuses every request until one is "
            "issued (`prolight keys new OWNER`), and will not start with it as it is",
            err=True,
        )


@keys_app.command("rotate")
def rotate_command(
    owner: Annotated[str, typer.Argument(help="Whose key to replace.")],
    file: KeysFile = DEFAULT_FILE,
) -> None:
    """Issue OWNER a new key (printed once) and remove their old ones, in one rewrite."""
    try:
        key, removed = rotate_key(file, owner)
    except (KeyFileError, OSError) as exc:
        _fail(exc, file)
    typer.echo(key)
    olds = ", ".join(k.fingerprint for k in removed)
    typer.echo(
        f"(new key for {owner!r}, not shown again; revoked {olds}: the gateway refuses the old "
        "key from its next request on)",
        err=True,
    )
