"""Fixtures for the notifier's tests; they live in `notifier_testkit` beside this file."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from notifier_testkit import bus, make_notifier, notifier

__all__ = ["bus", "make_notifier", "notifier"]
