"""Clients of the paid external APIs (BRIA FIBO, Gemini): what they share, and fakes of both.

errors.py   the exception tree; every httpx error and HTTP status is mapped onto it
retry.py    `RetryPolicy`: bounded retries, capped exponential backoff with jitter, Retry-After
breaker.py  `CircuitBreaker`: stop calling a provider after repeated failures, for a while
calls.py    `CallRecord` (one call, as the audit log keeps it), `send` (one HTTP exchange,
            timed and mapped), `scrub` (secrets out of text we pass on)
gemini.py   Gemini's generateContent with a response schema: plain language → lighting setup
translation.py  the configured translator (rules or Gemini) and the audit of its calls
fakes/      local fake BRIA and Gemini servers following the documented contracts (tests only)

Secrets (BRIA_API_TOKEN, GEMINI_API_KEY) travel only in request headers: never in a URL, a log
line, an audit record, an event or an error message (`scrub` removes them from provider text).
"""

from prolight.platform.external.breaker import CircuitBreaker
from prolight.platform.external.calls import CallRecord, scrub, send
from prolight.platform.external.errors import (
    AuthRejected,
    BadResponse,
    CircuitOpen,
    ContentRejected,
    ExternalError,
    GenerationFailed,
    RateLimited,
    RequestRejected,
    Unavailable,
    Unreachable,
)
from prolight.platform.external.retry import RetryPolicy, parse_retry_after

__all__ = [
    "AuthRejected",
    "BadResponse",
    "CallRecord",
    "CircuitBreaker",
    "CircuitOpen",
    "ContentRejected",
    "ExternalError",
    "GenerationFailed",
    "RateLimited",
    "RequestRejected",
    "RetryPolicy",
    "Unavailable",
    "Unreachable",
    "parse_retry_after",
    "scrub",
    "send",
]
