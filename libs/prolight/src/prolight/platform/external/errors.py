"""The errors of external API calls.

    ExternalError        a call to a provider gave no usable answer (root; `retryable` says
    │                    whether asking again may help)
    ├── AuthRejected     401/403: the provider refused our key; never retried
    ├── ContentRejected  422: the provider refused this input (moderation or validation)
    ├── RequestRejected  another 4xx (400, 404, 415): our request is wrong; never retried
    ├── GenerationFailed the provider's job ended in ERROR {code, message, details}
    ├── BadResponse      the answer does not follow the documented contract
    ├── CircuitOpen      the circuit breaker is open: no call was made
    └── Unavailable      5xx, timeout, dropped connection, status UNKNOWN: may work later
        ├── RateLimited  429: `retry_after` seconds (None when the provider gave none)
        └── Unreachable  no connection was made (refused, connect timeout, no free pooled
                         connection): the request provably never reached the provider

Messages are shown to users as the reason a task failed: they never carry a secret, a
traceback or a whole provider response.
"""

from __future__ import annotations

from prolight.domain.errors import ProLightError

__all__ = [
    "AuthRejected",
    "BadResponse",
    "CircuitOpen",
    "ContentRejected",
    "ExternalError",
    "GenerationFailed",
    "RateLimited",
    "RequestRejected",
    "Unavailable",
    "Unreachable",
]


class ExternalError(ProLightError):
    """Raised when a call to an external API gives no usable answer (see the module tree)."""

    retryable = False
    status: int | None = None

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthRejected(ExternalError):
    """Raised on 401/403: the API key was refused."""


class ContentRejected(ExternalError):
    """Raised on 422: the provider refused the input (content moderation or validation)."""


class RequestRejected(ExternalError):
    """Raised on another 4xx: the request itself is wrong."""


class GenerationFailed(ExternalError):
    """Raised when the provider's job ends in ERROR."""


class BadResponse(ExternalError):
    """Raised when an answer does not follow the provider's documented contract."""


class CircuitOpen(ExternalError):
    """Raised instead of calling a provider whose circuit breaker is open (not retried here:
    the breaker's cooldown is longer than any backoff)."""


class Unavailable(ExternalError):
    """Raised on 5xx, timeouts, dropped connections and an UNKNOWN job status."""

    retryable = True


class RateLimited(Unavailable):
    """Raised on 429; `retry_after` is the provider's Retry-After in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after


class Unreachable(Unavailable):
    """Raised when no connection to the provider was made, so the request never reached it
    (connection refused, connect timeout, pool timeout): safe to send again even when the
    request starts paid work."""
