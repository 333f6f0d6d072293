"""`AsyncClosing`: `async with thing:` closes the thing, for every resource with a `close()`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

__all__ = ["AsyncClosing"]


class AsyncClosing(ABC):
    """Base of resources that are used as `async with x:` and closed on the way out."""

    @abstractmethod
    async def close(self) -> None:
        """Release the resource; safe to call twice."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
