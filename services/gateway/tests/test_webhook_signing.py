"""Webhook signatures (`webhook_signing`) and the settings that turn webhooks on."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from prolight_gateway.settings import GatewaySettings
from prolight_gateway.webhook_signing import owner_secret, sign, signed_headers
from prolight_testing.webhooks import verified

GATEWAY_SECRET = "a-gateway-webhook-secret-of-32-bytes-or-more"


def test_the_signature_is_the_standard_webhooks_one() -> None:
    # The Standard Webhooks specification's example: any of its libraries verifies ours.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    signature = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_receiver_verifies_with_its_owners_secret_only(monkeypatch: Any) -> None:
    ana, ben = owner_secret(GATEWAY_SECRET, "ana"), owner_secret(GATEWAY_SECRET, "ben")
    body = b'{"run_id": "run_1"}'
    headers = {k.lower(): v for k, v in signed_headers(ana, "whd_1", 1_700_000_000, body).items()}
    monkeypatch.setattr("time.time", lambda: 1_700_000_100.0)
    assert verified(ana, headers, body)
    assert not verified(ben, headers, body)
    assert not verified(ana, {**headers, "prolight-webhook-id": "whd_2"}, body)
    assert not verified(ana, headers, body.replace(b"1", b"2"))
    monkeypatch.setattr("time.time", lambda: 1_700_000_000.0 + 301)
    assert not verified(ana, headers, body)  # too old: a replay


def test_owner_secrets_are_derived_and_stable() -> None:
    assert owner_secret(GATEWAY_SECRET, "ana") == owner_secret(GATEWAY_SECRET, "ana")
    assert owner_secret(GATEWAY_SECRET, "ana") != owner_secret(GATEWAY_SECRET + "x", "ana")
    assert owner_secret(GATEWAY_SECRET, "ana").startswith("whsec_")
    assert GATEWAY_SECRET not in owner_secret(GATEWAY_SECRET, "ana")


def _settings(**values: Any) -> GatewaySettings:
    base = {"stream_token_secret": "s" * 32, "local_dev": True}
    return GatewaySettings(**{**base, **values})


def test_webhooks_are_off_by_default() -> None:
    settings = _settings()
    assert not settings.webhooks_on
    assert settings.webhook_secret is None
    assert not settings.webhook_allow_http


@pytest.mark.parametrize(
    ("values", "says"),
    [
        pytest.param({"webhook_allowed_hosts": "*"}, "turns webhooks on", id="no-secret"),
        pytest.param(
            {"webhook_allowed_hosts": "*", "webhook_secret": ""}, "turns webhooks on", id="empty"
        ),
        pytest.param(
            {"webhook_allowed_hosts": "*", "webhook_secret": "short"}, "32 bytes", id="short"
        ),
        pytest.param(
            {"webhook_allowed_hosts": "https://x.test", "webhook_secret": GATEWAY_SECRET},
            "not a host name",
            id="url-as-host",
        ),
    ],
)
def test_bad_webhook_settings_stop_the_gateway(values: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        _settings(**values)


def test_webhooks_on_with_hosts_and_a_secret() -> None:
    settings = _settings(
        webhook_allowed_hosts="Hooks.Example.com, *", webhook_secret=GATEWAY_SECRET
    )
    assert settings.webhooks_on
    assert settings.webhook_allowed_hosts == "hooks.example.com,*"
