"""The `prolight` console script. Each module below adds its own commands to `app`."""

from __future__ import annotations

from prolight_tools.cli import db, domain, keys, modes, render, runs  # noqa: F401  (importing registers their commands)
from prolight_tools.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the `prolight` console script."""
    app()
