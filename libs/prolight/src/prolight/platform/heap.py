"""`freeze_startup_heap()`: keep Python's cyclic garbage collector off what start-up made;
`collect_old_objects_rarely()`: for a server that holds many connections open.

A service imports pydantic, FastAPI, nats-py, numpy, the renderer…: several hundred thousand
objects that live as long as the process. Every full collection walks all of them again, and
a busy server triggers one every few hundred requests: on the gateway under
`bench/bench_gateway.py` that was about 170 µs of CPU per accepted run, as much as turning the
collector off. `gc.freeze()` moves every object alive now into a permanent generation that
collections skip (what CPython's documentation advises for a server once it has started);
objects made afterwards are collected as before, so a leak is still a leak.

A full collection walks every live object, and a server's live objects are mostly its open
connections: the notifier with 1,000 WebSockets open holds ~230,000 (each connection's ASGI
call stack alone is ~30 coroutines), and a full collection of them stopped its event loop for
120–160 ms — more than its p99 budget of 100 ms for a delivery, three times in a ten-second
run of `bench/bench_fanout.py`. `collect_old_objects_rarely()` makes CPython wait 100 times as
many young collections before a full one (`OLD_GENERATION_THRESHOLD`): young objects are
collected as often as ever, and the cycles of closed connections, which live long enough to
be old, wait minutes rather than seconds to be freed.
"""

from __future__ import annotations

import gc

__all__ = ["OLD_GENERATION_THRESHOLD", "collect_old_objects_rarely", "freeze_startup_heap"]

OLD_GENERATION_THRESHOLD = 1000
"""Collections of the middle generation before a full one (CPython's default: 10)."""


def freeze_startup_heap() -> None:
    """Exempt every object alive now from future collections; call once start-up is done."""
    gc.collect()  # what start-up left as garbage is freed, not frozen
    gc.freeze()


def collect_old_objects_rarely() -> None:
    """Full collections 100 times less often than CPython's default (module doc)."""
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, OLD_GENERATION_THRESHOLD)
