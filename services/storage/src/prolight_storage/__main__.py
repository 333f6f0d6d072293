"""`python -m prolight_storage`: run one storage instance until SIGTERM or SIGINT."""

from __future__ import annotations

from prolight.platform.entrypoint import run_service
from prolight_storage.service import serve
from prolight_storage.settings import StorageSettings

__all__ = ["main"]


def main() -> None:
    """Load settings (exit naming the bad variable), then serve until SIGTERM or SIGINT."""
    run_service("storage", StorageSettings, serve)


if __name__ == "__main__":
    main()
