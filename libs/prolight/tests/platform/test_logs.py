"""JSON log lines carry the run and task ids of their scope as fields, and nothing leaks."""

from __future__ import annotations

import json
import logging

from prolight.platform.logs import JsonFormatter, bind_run, log_scope


def _line(message: str = "hi %s", *args: object, **extra: object) -> dict[str, object]:
    record = logging.LogRecord("prolight.test", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    line: dict[str, object] = json.loads(JsonFormatter("planner").format(record))
    return line


def test_a_line_carries_its_scope_as_fields_not_in_the_message() -> None:
    with log_scope("run_abc", "run_abc-t1"):
        line = _line("hi %s", "x")
    assert (line["run_id"], line["task_id"]) == ("run_abc", "run_abc-t1")
    assert (line["msg"], line["level"], line["service"]) == ("hi x", "INFO", "planner")


def test_nothing_leaks_out_of_a_scope_or_between_scopes() -> None:
    with log_scope():
        bind_run("run_abc")  # a gateway route learning its run
        assert _line()["run_id"] == "run_abc"
    assert (_line()["run_id"], _line()["task_id"]) == (None, None)
    with log_scope():
        assert _line()["run_id"] is None


def test_extra_fields_become_keys() -> None:
    assert _line("client joined", after=12)["after"] == 12
