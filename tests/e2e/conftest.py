"""End-to-end tests: `stack` (the six services as OS processes) comes from the prolight_testing
plugin; this directory's helpers (`e2e_kit`) are importable by name from the tests."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
