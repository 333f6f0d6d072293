"""`freeze_startup_heap()`: keep Python's cyclic garbage collector off what start-up made.

A service imports pydantic, FastAPI, nats-py, numpy, the renderer…: several hundred thousand
objects that live as long as the process. Every full collection walks all of them again, and
a busy server triggers one every few hundred requests: on the gateway under
`bench/bench_gateway.py` that was about 170 µs of CPU per accepted run, as much as turning the
collector off. `gc.freeze()` moves every object alive now into a permanent generation that
collections skip (what CPython's documentation advises for a server once it has started);
objects made afterwards are collected as before, so a leak is still a leak.
"""

from __future__ import annotations

import gc

__all__ = ["freeze_startup_heap"]


def freeze_startup_heap() -> None:
    """Exempt every object alive now from future collections; call once start-up is done."""
    gc.collect()  # what start-up left as garbage is freed, not frozen
    gc.freeze()
