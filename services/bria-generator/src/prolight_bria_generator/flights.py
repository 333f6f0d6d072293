"""Single flight: identical work in flight at the same time in this process runs once.

`SingleFlight.run(key, task_id, make)`: the first caller for `key` (the generator uses
`(prompt_hash, seed, model)`) is the leader and awaits `make()`; callers with the same key
while it runs are followers and wait for it instead of running their own. Everyone gets
`(value, leader_task_id)`, so a follower can tell the leader's work from its own.

The leader's failure is every follower's failure, raised again in each, except when it
belongs to the leader alone (cancelled, or one of `own_failures`, e.g. its run's budget):
then the followers try again, and one of them leads. Across processes nothing is shared.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["SingleFlight"]

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """The flights of one process (module doc); keys are forgotten as their flight lands."""

    def __init__(self) -> None:
        self._flights: dict[Hashable, asyncio.Future[tuple[T, str]]] = {}
        self._followers: Counter[Hashable] = Counter()

    def followers(self, key: Hashable) -> int:
        """How many callers wait for the flight of `key` now (tests wait on it)."""
        return self._followers[key]

    async def run(
        self,
        key: Hashable,
        task_id: str,
        make: Callable[[], Awaitable[T]],
        *,
        own_failures: tuple[type[Exception], ...] = (),
    ) -> tuple[T, str]:
        """`make()`'s value and the task id of whoever made it (`task_id` when we led)."""
        while (flight := self._flights.get(key)) is not None:
            # asyncio.wait neither cancels the shared future when this follower is cancelled
            # nor raises its exception, so the checks below see what the leader left.
            self._followers[key] += 1
            try:
                await asyncio.wait({flight})
            finally:
                self._followers[key] -= 1
                if not self._followers[key]:
                    del self._followers[key]
            if flight.cancelled():
                continue  # the leader's own failure: try again, maybe as the leader
            if (error := flight.exception()) is not None:
                raise error
            return flight.result()
        flight = asyncio.get_running_loop().create_future()
        self._flights[key] = flight
        try:
            value = await make()
        except BaseException as exc:
            if isinstance(exc, Exception) and not isinstance(exc, own_failures):
                flight.set_exception(exc)
                # Read once here, so that a flight nobody followed does not log "Future
                # exception was never retrieved" when it is collected.
                flight.exception()
            else:
                flight.cancel()
            raise
        else:
            flight.set_result((value, task_id))
            return value, task_id
        finally:
            del self._flights[key]
