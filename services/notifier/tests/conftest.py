"""Fixtures for the notifier's tests; they live in `notifier_testkit` beside this file."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from notifier_testkit import bus, make_notifier, nats_server, notifier

__all__ = ["bus", "make_notifier", "nats_server", "notifier"]
