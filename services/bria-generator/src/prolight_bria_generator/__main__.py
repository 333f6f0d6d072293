"""`python -m prolight_bria_generator`: run one generator instance until SIGTERM or SIGINT."""

from __future__ import annotations

from prolight.platform.entrypoint import run_service
from prolight_bria_generator.service import serve
from prolight_bria_generator.settings import GeneratorSettings

__all__ = ["main"]


def main() -> None:
    """Load settings (exit naming the bad variable), then serve until SIGTERM or SIGINT."""
    run_service("bria-generator", GeneratorSettings, serve)


if __name__ == "__main__":
    main()
