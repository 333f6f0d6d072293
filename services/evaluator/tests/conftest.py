"""Fixtures for the evaluator's tests; they live in `evaluator_testkit` beside this file."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from evaluator_testkit import tiny_models, tiny_weights

__all__ = ["tiny_models", "tiny_weights"]
