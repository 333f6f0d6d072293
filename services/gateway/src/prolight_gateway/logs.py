"""Structured logging: one JSON object per line, with the run id and trace id of the request.

A route that handles a run calls `bind_run(run_id)`; every line logged afterwards in that
request carries `run_id` (the request's context is its own, so nothing leaks between requests).
`trace_id` comes from the current OpenTelemetry span (FastAPI opens one per request).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from opentelemetry import trace

__all__ = [
    "ContextFilter",
    "JsonFormatter",
    "bind_run",
    "configure_logging",
    "current_run_id",
    "request_scope",
]

_run_id: ContextVar[str | None] = ContextVar("prolight_gateway_run_id", default=None)


def bind_run(run_id: str) -> None:
    """Tag every later log line of this request with `run_id`."""
    _run_id.set(run_id)


@contextmanager
def request_scope() -> Iterator[None]:
    """One request: no run bound at the start, none left bound at the end (in-process
    clients such as tests share the caller's context)."""
    token = _run_id.set(None)
    try:
        yield
    finally:
        _run_id.reset(token)


def current_run_id() -> str | None:
    """The run this request is about, if a route said so."""
    return _run_id.get()


class ContextFilter(logging.Filter):
    """Adds `run_id` and `trace_id` (32 hex, or None) to every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "run_id"):
            record.run_id = _run_id.get()
        ctx = trace.get_current_span().get_span_context()
        record.trace_id = format(ctx.trace_id, "032x") if ctx.is_valid else None
        return True


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "msg", "run_id", "trace_id"[, "exc"]}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "run_id": getattr(record, "run_id", None),
            "trace_id": getattr(record, "trace_id", None),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str) -> None:
    """Send every logger's records, as JSON lines with context, to stderr at `level`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
