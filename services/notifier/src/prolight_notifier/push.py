"""The WebSocket fast path: write a run's pre-encoded frames straight to each client's socket.

The fan-out writes every event to every socket of its run: 20,000 writes a second for 1,000
clients at 2,000 events/s. Through ASGI each write costs a task wake-up per client (the sender
waits on its queue), a `websocket.send` dict, Starlette's and uvicorn's send coroutines and a
frame built again for every client: ~80 µs a message, which saturated a core far below that
rate. Here the hub's dispatch calls the socket's flush synchronously and it writes the frame
that `Message.frame` encoded once for the run — a `transport.write` per client and nothing else.

`PushProtocol` is uvicorn's own websockets-sansio protocol (the handshake, pings, close
handshake and 1012 at shutdown stay uvicorn's) that also puts a `FramePush` for the socket in
the ASGI scope, under `scope["extensions"][PUSH_EXTENSION]`. The endpoint uses it when it is
there and the plain ASGI send otherwise (another server, or the test client), so the app stays
a correct ASGI app either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

__all__ = ["PUSH_EXTENSION", "FramePush", "PushProtocol", "frame_push"]

PUSH_EXTENSION = "prolight.frame_push"
"""The ASGI scope extension that carries the socket's `FramePush`."""


class FramePush:
    """Synchronous writes of complete, pre-encoded frames to one accepted socket."""

    def __init__(self, protocol: PushProtocol) -> None:
        self._protocol = protocol
        self.on_writable: Callable[[], None] | None = None
        """Called when a socket that stopped taking writes (`writable` False) drains again."""

    @property
    def writable(self) -> bool:
        """True when a frame may be written now: the socket is open, no close was sent and its
        write buffer is under the high-water mark (else the frame waits in the client's queue,
        which is what makes a slow client's queue fill up and get it evicted)."""
        p = self._protocol
        return (
            p.writable.is_set()
            and not p.close_sent
            and not p.disconnected
            and p.conn.state is State.OPEN
        )

    def write(self, frame: bytes) -> None:
        """Write one complete frame (check `writable` first)."""
        self._protocol.transport.write(frame)


class PushProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets-sansio protocol plus a `FramePush` in the ASGI scope (module doc)."""

    push: FramePush | None = None

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # Refused handshakes and negotiated extensions (compression would need every frame
        # rebuilt per socket) get no fast path. The app task is created but has not run yet,
        # so the scope can still be completed.
        scope: Any = getattr(self, "scope", None)
        if scope is not None and not self.conn.extensions:
            self.push = FramePush(self)
            scope["extensions"][PUSH_EXTENSION] = self.push

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.push is not None and self.push.on_writable is not None:
            self.push.on_writable()


def frame_push(scope: Any) -> FramePush | None:
    """The socket's `FramePush` when the server offers one (see `PushProtocol`), else None."""
    extensions = scope.get("extensions") or {}
    push = extensions.get(PUSH_EXTENSION)
    return push if isinstance(push, FramePush) else None
