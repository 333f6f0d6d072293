"""`python -m prolight_planner`: run one planner instance until SIGTERM or SIGINT."""

from __future__ import annotations

from prolight.platform.entrypoint import run_service
from prolight_planner.service import serve
from prolight_planner.settings import PlannerSettings

__all__ = ["main"]


def main() -> None:
    """Load settings (exit naming the bad variable), then serve until SIGTERM or SIGINT."""
    run_service("planner", PlannerSettings, serve)


if __name__ == "__main__":
    main()
