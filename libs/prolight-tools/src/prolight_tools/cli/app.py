"""The `prolight` Typer application that every command module adds its commands to."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(
    name="prolight",
    help="ProLight: studio lighting setups made precise, comparable and reproducible.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
