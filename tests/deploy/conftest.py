"""The deployment checks import their helpers from deploy_kit.py beside this file (a unique
name: --import-mode=importlib puts no test directory on sys.path)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
