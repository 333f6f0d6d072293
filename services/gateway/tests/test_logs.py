"""JSON log lines carry the run id bound in the request."""

from __future__ import annotations

import json
import logging

from prolight_gateway.logs import ContextFilter, JsonFormatter, bind_run, request_scope


def test_line_has_run_id_and_no_leak_between_requests() -> None:
    record = logging.LogRecord(
        "prolight_gateway.runs", logging.INFO, __file__, 1, "hi %s", ("x",), None
    )
    with request_scope():
        bind_run("run_abc")
        ContextFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["run_id"] == "run_abc"
    assert line["msg"] == "hi x"
    assert line["level"] == "INFO"

    later = logging.LogRecord("prolight_gateway.runs", logging.INFO, __file__, 1, "next", (), None)
    with request_scope():
        ContextFilter().filter(later)
    assert json.loads(JsonFormatter().format(later))["run_id"] is None
