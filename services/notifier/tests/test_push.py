"""The frame push fast path's pieces: the pre-encoded frame and the scope lookup."""

from __future__ import annotations

from typing import Any

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from prolight.contracts.subjects import EventType
from prolight_notifier.messages import Message
from prolight_notifier.push import PUSH_EXTENSION, frame_push


def parse(data: bytes) -> Frame:
    reader = StreamReader()
    reader.feed_data(data)
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        frame: Frame = done.value
        return frame
    raise AssertionError("incomplete frame")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("x" * 10, id="short"),
        pytest.param("x" * 125, id="longest-7-bit-length"),
        pytest.param("x" * 126, id="shortest-16-bit-length"),
        pytest.param("x" * 65_535, id="longest-16-bit-length"),
        pytest.param("é" * 100, id="16-bit-length"),
        pytest.param("y" * 70_000, id="64-bit-length"),
    ],
)
def test_a_message_frame_is_one_unmasked_final_text_frame(text: str) -> None:
    frame = parse(Message.of(7, EventType.TASK_COMPLETED, text).frame)
    assert frame.opcode is Opcode.TEXT
    assert frame.fin
    assert bytes(frame.data).decode() == text


@pytest.mark.parametrize(
    "scope",
    [
        pytest.param({"extensions": {"websocket.http.response": {}}}, id="other-server"),
        pytest.param({"extensions": None}, id="no-extensions"),
        pytest.param({"extensions": {PUSH_EXTENSION: object()}}, id="not-a-push"),
    ],
)
def test_without_a_push_in_the_scope_there_is_no_fast_path(scope: dict[str, Any]) -> None:
    assert frame_push(scope) is None
