"""Stream tokens: standard HS256 JWTs that open exactly one run for a short time."""

from __future__ import annotations

import jwt
import pytest

from prolight.platform.tokens import StreamTokenError, issue_stream_token, verify_stream_token

SECRET = "a-test-secret-that-is-at-least-32-bytes-long"


def _issue(run_id: str, *, secret: str = SECRET, now: float | None = None) -> str:
    return issue_stream_token(run_id, secret, now=now)


def test_a_token_is_a_standard_jwt_with_the_run_and_expiry() -> None:
    token = issue_stream_token("run_a", SECRET, ttl_s=60, now=1_000_000)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {"run_id": "run_a", "iat": 1_000_000, "exp": 1_000_060}
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_a_fresh_token_opens_its_run() -> None:
    token = issue_stream_token("run_a", SECRET)
    assert verify_stream_token(token, "run_a", SECRET)["run_id"] == "run_a"


@pytest.mark.parametrize(
    ("make_token", "run_id", "status"),
    [
        pytest.param(lambda: None, "run_a", 401, id="missing"),
        pytest.param(lambda: "not.a.jwt", "run_a", 401, id="malformed"),
        pytest.param(
            lambda: issue_stream_token("run_a", SECRET)[:-2] + "xx", "run_a", 401, id="tampered"
        ),
        pytest.param(
            lambda: issue_stream_token("run_a", "x" * 40), "run_a", 401, id="other-secret"
        ),
        pytest.param(
            lambda: issue_stream_token("run_a", SECRET, now=0), "run_a", 401, id="expired"
        ),
        pytest.param(lambda: issue_stream_token("run_b", SECRET), "run_a", 403, id="other-run"),
    ],
)
def test_a_token_that_does_not_open_the_run_is_refused(make_token, run_id, status) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StreamTokenError) as info:
        verify_stream_token(make_token(), run_id, SECRET)
    assert info.value.status == status
    assert info.value.reason
