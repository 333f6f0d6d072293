"""List cursors: `<ms since 1970>.<key>`, and every string of that form is a position."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from prolight.platform.store import InvalidCursorError
from prolight.platform.store.records import CURSOR_PATTERN, decode_cursor, encode_cursor


def test_a_cursor_reads_back_as_the_record_it_points_after() -> None:
    at = datetime(2026, 5, 17, 9, 30, 1, 123456, tzinfo=UTC)
    cursor = encode_cursor(at, "run_0123456789abcdef0123456789")
    assert re.fullmatch(CURSOR_PATTERN, cursor)
    assert decode_cursor(cursor) == (
        at.replace(microsecond=123000),
        "run_0123456789abcdef0123456789",
    )


@pytest.mark.parametrize(
    ("cursor", "at"),
    [
        pytest.param("0.a", datetime(1970, 1, 1, tzinfo=UTC), id="epoch"),
        pytest.param(
            "999999999999999.a",
            datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
            id="past-year-9999-is-its-end",
        ),
    ],
)
def test_every_cursor_of_the_pattern_is_a_position(cursor: str, at: datetime) -> None:
    assert decode_cursor(cursor) == (at, "a")


@pytest.mark.parametrize("cursor", ["", "not-a-cursor", "12.", ".run_1", "1.run 1", "1.run.1"])
def test_anything_else_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursorError):
        decode_cursor(cursor)


def test_a_key_that_cannot_be_in_a_cursor_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot make a cursor"):
        encode_cursor(datetime(2026, 1, 1, tzinfo=UTC), "run 1")
