"""`python -m prolight_evaluator`: run one evaluator instance until SIGTERM or SIGINT."""

from __future__ import annotations

from prolight.platform.entrypoint import run_service
from prolight_evaluator.service import serve
from prolight_evaluator.settings import EvaluatorSettings

__all__ = ["main"]


def main() -> None:
    """Load settings (exit naming the bad variable), then serve until SIGTERM or SIGINT."""
    run_service("evaluator", EvaluatorSettings, serve)


if __name__ == "__main__":
    main()
