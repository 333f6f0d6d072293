"""GatewaySettings and `main()`: bad configuration stops the start with the variable named."""

from __future__ import annotations

import pytest

from prolight.platform.settings import ConfigurationError
from prolight_gateway.__main__ import main
from prolight_gateway.settings import GatewaySettings

SECRET = "test-stream-token-secret-of-at-least-32-bytes"


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("PROLIGHT_STREAM_TOKEN_SECRET", SECRET)
    monkeypatch.setenv("PROLIGHT_LOCAL_DEV", "true")  # keys off (test_secure_defaults.py)
    settings = GatewaySettings.load()
    assert (settings.gateway_host, settings.gateway_port) == ("127.0.0.1", 8000)
    assert settings.notifier_public_url == "http://127.0.0.1:8001"
    assert settings.notifier_ws_url == "ws://127.0.0.1:8001"
    assert settings.gateway_max_body_bytes == 1024 * 1024
    assert SECRET not in repr(settings)


def test_https_notifier_gives_wss(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("PROLIGHT_STREAM_TOKEN_SECRET", SECRET)
    monkeypatch.setenv("PROLIGHT_NOTIFIER_PUBLIC_URL", "https://events.example/")
    monkeypatch.setenv("PROLIGHT_LOCAL_DEV", "true")
    assert GatewaySettings.load().notifier_ws_url == "wss://events.example"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        pytest.param({}, "PROLIGHT_STREAM_TOKEN_SECRET", id="secret-missing"),
        pytest.param(
            {"PROLIGHT_STREAM_TOKEN_SECRET": "short"}, "PROLIGHT_STREAM_TOKEN_SECRET", id="short"
        ),
        pytest.param(
            {"PROLIGHT_STREAM_TOKEN_SECRET": SECRET, "PROLIGHT_GATEWAY_PORT": "70000"},
            "PROLIGHT_GATEWAY_PORT",
            id="port",
        ),
        pytest.param(
            {"PROLIGHT_STREAM_TOKEN_SECRET": SECRET, "PROLIGHT_NOTIFIER_PUBLIC_URL": "ftp://x"},
            "PROLIGHT_NOTIFIER_PUBLIC_URL",
            id="notifier-url",
        ),
        pytest.param({"SECRET_KEY": "short"}, "SECRET_KEY", id="seed-name-short"),
        pytest.param(
            {"PROLIGHT_STREAM_TOKEN_SECRET": SECRET, "SECRET_KEY": "short" + SECRET},
            "PROLIGHT_STREAM_TOKEN_SECRET and SECRET_KEY are both set",
            id="both-names-differ",
        ),
    ],
)
def test_bad_configuration_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], variable: str
) -> None:
    monkeypatch.delenv("PROLIGHT_STREAM_TOKEN_SECRET", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=variable) as caught:
        GatewaySettings.load()
    assert "short" not in str(caught.value)  # the secret's value is never echoed


def test_the_seed_secret_key_is_the_stream_token_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROLIGHT_STREAM_TOKEN_SECRET", raising=False)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("PROLIGHT_LOCAL_DEV", "true")
    assert GatewaySettings.load().stream_token_secret.get_secret_value() == SECRET


def test_main_exits_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("PROLIGHT_STREAM_TOKEN_SECRET", "too-short")
    with pytest.raises(SystemExit) as caught:
        main()
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "PROLIGHT_STREAM_TOKEN_SECRET" in err
    assert "too-short" not in err
