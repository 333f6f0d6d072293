"""Structured logging for every service: one JSON object per line on stderr.

    {"ts": "2026-…", "level": "INFO", "logger": "prolight_planner.planner", "msg": "step 'plan'",
     "service": "planner", "run_id": "run_…", "task_id": null, "trace_id": "…"}

`run_id` and `task_id` are fields, never part of the message: a worker handling a delivery
runs in `log_scope(run_id, task_id)` (the bus worker opens it for every message), a gateway
request in `log_scope()` with `bind_run(run_id)` once a route knows its run. The scope is the
asyncio task's own context, so nothing leaks between messages or requests. `trace_id` is the
current OpenTelemetry span's. Fields passed in `extra=` become keys too.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

__all__ = [
    "JsonFormatter",
    "bind_run",
    "configure_logging",
    "current_run_id",
    "log_scope",
]

_run_id: ContextVar[str | None] = ContextVar("prolight_log_run_id", default=None)
_task_id: ContextVar[str | None] = ContextVar("prolight_log_task_id", default=None)
_STANDARD = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


@contextmanager
def log_scope(run_id: str | None = None, task_id: str | None = None) -> Iterator[None]:
    """Every line logged inside carries `run_id` and `task_id`; both are restored after."""
    run_token, task_token = _run_id.set(run_id), _task_id.set(task_id)
    try:
        yield
    finally:
        _run_id.reset(run_token)
        _task_id.reset(task_token)


def bind_run(run_id: str) -> None:
    """Tag every later line of the current scope with `run_id`."""
    _run_id.set(run_id)


def current_run_id() -> str | None:
    """The run the current scope is about, if any."""
    return _run_id.get()


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line (module doc)."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        span = trace.get_current_span().get_span_context()
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "service": self.service,
            "run_id": _run_id.get(),
            "task_id": _task_id.get(),
            "trace_id": format(span.trace_id, "032x") if span.is_valid else None,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value  # extra= fields, a run_id given explicitly included
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


def configure_logging(level: str, service: str) -> None:
    """Send every logger (uvicorn's included) to stderr as JSON lines at `level`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
