"""The exceptions the bus raises; nats-py's own errors never cross this package's boundary.

    ProLightError
    └── BusError                anything the message bus could not do
        ├── BusUnavailableError NATS cannot be reached, JetStream is off, or the link dropped
        ├── BusTimeoutError     the server did not answer in time (publish ack, API call)
        ├── BusConfigError      a stream or consumer cannot be declared as asked
        └── MalformedEventError a message body is not a valid `Event` (never redelivered)

`translate` maps one nats-py exception to the most specific of these; `nats_errors` is the
context manager every call into nats-py runs under.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import nats.errors
import nats.js.errors

from prolight.domain.errors import ProLightError

__all__ = [
    "BusConfigError",
    "BusError",
    "BusTimeoutError",
    "BusUnavailableError",
    "MalformedEventError",
    "nats_errors",
    "translate",
]


class BusError(ProLightError):
    """Root of every message-bus error."""


class BusUnavailableError(BusError):
    """Raised when NATS cannot be reached, JetStream is not enabled, or the connection closed."""


class BusTimeoutError(BusError, TimeoutError):
    """Raised when the server does not answer a request (publish ack, API call) in time."""


class BusConfigError(BusError):
    """Raised when a stream or consumer cannot be declared as asked (conflicting settings)."""


class MalformedEventError(BusError, ValueError):
    """Raised when a body is not a valid event; such a message is terminated, never retried."""


_UNAVAILABLE: tuple[type[BaseException], ...] = (
    nats.errors.NoServersError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionDrainingError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.StaleConnectionError,
    nats.errors.NoRespondersError,
    nats.errors.AuthorizationError,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.ServiceUnavailableError,
    ConnectionError,
    OSError,
)


def translate(exc: BaseException, action: str) -> BusError:
    """The `BusError` for a nats-py (or socket) exception raised while doing `action`."""
    if isinstance(exc, BusError):
        return exc
    try:
        detail = str(exc) or type(exc).__name__
    except Exception:  # some nats-py errors cannot format themselves without their fields
        detail = type(exc).__name__
    if isinstance(exc, nats.errors.TimeoutError | asyncio.TimeoutError | TimeoutError):
        return BusTimeoutError(f"{action}: no answer from NATS in time ({detail})")
    if isinstance(exc, nats.js.errors.ServiceUnavailableError):
        return BusUnavailableError(f"{action}: JetStream is not available ({detail})")
    if isinstance(exc, _UNAVAILABLE):
        return BusUnavailableError(f"{action}: NATS unavailable ({detail})")
    if isinstance(exc, nats.js.errors.APIError):
        description = getattr(exc, "description", None) or detail
        code = getattr(exc, "err_code", None)
        return BusConfigError(f"{action}: {description} (err_code {code})")
    return BusError(f"{action}: {detail}")


@contextmanager
def nats_errors(action: str) -> Iterator[None]:
    """Run a block of nats-py calls, re-raising any nats error as the matching `BusError`."""
    try:
        yield
    except (TimeoutError, nats.errors.Error, OSError) as exc:
        raise translate(exc, action) from exc
