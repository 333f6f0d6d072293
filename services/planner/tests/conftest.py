"""The planner's tests import their result factories from `planner_testkit` beside this file
(--import-mode=importlib puts no test directory on sys.path)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
