"""The shared infrastructure fixtures of libs/prolight/tests/conftest.py (a real nats-server on a
free port), loaded from that file by path, since conftest modules are not importable by name."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_LIB_CONFTEST = Path(__file__).resolve().parents[4] / "libs" / "prolight" / "tests" / "conftest.py"
_spec = importlib.util.spec_from_file_location("prolight_lib_test_fixtures", _LIB_CONFTEST)
assert _spec is not None
assert _spec.loader is not None
_infra = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _infra  # dataclasses look their module up while it executes
_spec.loader.exec_module(_infra)

NATS_SERVER_BINARY: str = _infra.NATS_SERVER_BINARY
NatsServer = _infra.NatsServer
free_port = _infra.free_port
nats_server = _infra.nats_server
wait_for_port = _infra.wait_for_port

__all__ = ["NATS_SERVER_BINARY", "NatsServer", "free_port", "nats_server", "wait_for_port"]
