"""The boundary: every httpx failure and every error status becomes the right ExternalError,
with a message that names the provider and never the key."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from prolight.platform.external import (
    AuthRejected,
    CallRecord,
    ContentRejected,
    ExternalError,
    RateLimited,
    RequestRejected,
    Unavailable,
    parse_retry_after,
    scrub,
    send,
)
from prolight.platform.external.calls import raise_for_status, url_summary
from prolight.platform.external.errors import Unreachable
from prolight_testing.fakes import free_port

KEY = "key-0123456789abcdef"


@pytest.mark.parametrize(
    ("error", "never_sent"),
    [
        pytest.param(httpx.ConnectTimeout("t"), True, id="connect-timeout"),
        pytest.param(httpx.ReadTimeout("t"), False, id="read-timeout"),
        pytest.param(httpx.PoolTimeout("t"), True, id="pool-timeout"),
        pytest.param(httpx.ConnectError("refused"), True, id="connect"),
        pytest.param(httpx.RemoteProtocolError("peer closed"), False, id="dropped"),
        pytest.param(httpx.ReadError("reset"), False, id="read"),
        pytest.param(httpx.WriteError("reset"), False, id="write"),
        pytest.param(httpx.WriteTimeout("t"), False, id="write-timeout"),
        pytest.param(httpx.ProxyError("proxy"), False, id="proxy"),
    ],
)
async def test_every_transport_failure_is_unavailable(
    error: httpx.TransportError, never_sent: bool
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error

    async with httpx.AsyncClient(transport=httpx.MockTransport(fail)) as http:
        with pytest.raises(Unavailable, match=r"^BRIA ") as caught:
            await send(http, "GET", "http://x.test/a", provider="BRIA", headers={"api_token": KEY})
    assert caught.value.retryable
    # Only a failure before any byte was written proves the provider never saw the request.
    assert isinstance(caught.value, Unreachable) is never_sent
    assert KEY not in str(caught.value)


async def test_a_refused_connection_is_unreachable() -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(Unreachable, match=r"^BRIA could not be reached \(ConnectError\)$"):
            await send(http, "POST", f"http://127.0.0.1:{free_port()}/x", provider="BRIA")


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [
        pytest.param(401, AuthRejected, False, id="401"),
        pytest.param(403, AuthRejected, False, id="403"),
        pytest.param(400, RequestRejected, False, id="400"),
        pytest.param(404, RequestRejected, False, id="404"),
        pytest.param(415, RequestRejected, False, id="415"),
        pytest.param(422, ContentRejected, False, id="422"),
        pytest.param(429, RateLimited, True, id="429"),
        pytest.param(408, Unavailable, True, id="408"),
        pytest.param(500, Unavailable, True, id="500"),
        pytest.param(503, Unavailable, True, id="503"),
    ],
)
def test_every_error_status_is_mapped(
    status: int, kind: type[ExternalError], retryable: bool
) -> None:
    response = httpx.Response(status, json={"message": f"bad key {KEY}"})
    with pytest.raises(kind) as caught:
        raise_for_status(response, "BRIA", [KEY])
    assert type(caught.value) is kind
    assert caught.value.retryable is retryable
    assert KEY not in str(caught.value)


def test_a_2xx_raises_nothing() -> None:
    raise_for_status(httpx.Response(202, json={}), "BRIA")


def test_401_says_the_token_was_rejected_and_nothing_else() -> None:
    with pytest.raises(AuthRejected) as caught:
        raise_for_status(httpx.Response(401, text="no"), "BRIA")
    assert str(caught.value) == "BRIA rejected the API token"


def test_429_carries_retry_after() -> None:
    with pytest.raises(RateLimited) as caught:
        raise_for_status(httpx.Response(429, headers={"Retry-After": "7"}), "BRIA")
    assert caught.value.retry_after == 7


def test_retry_after_reads_seconds_and_dates() -> None:
    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3
    assert parse_retry_after("Wed, 25 Nov 2026 12:00:30 GMT", now=now) == 30
    assert parse_retry_after("Wed, 25 Nov 2026 11:00:00 GMT", now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_scrub_and_summaries_keep_secrets_out() -> None:
    assert scrub(f"invalid key {KEY}!", [KEY, None, "ab"]) == "invalid key [redacted]!"
    assert url_summary("https://cdn.test/i.png?X-Amz-Signature=abc#f") == "https://cdn.test/i.png"
    record = CallRecord(
        "BRIA",
        "POST /image/generate",
        request={"api_token": KEY, "note": f"echo {KEY}"},
        response={"Authorization": "Bearer abc.def"},
    )
    details = record.details([KEY])
    assert KEY not in repr(details)
    assert details.request["api_token"] == "[redacted]"
    assert details.response["Authorization"] == "[redacted]"
