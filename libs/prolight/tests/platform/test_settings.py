"""ServiceSettings: defaults, PROLIGHT_ variables, and errors that name the variable."""

from __future__ import annotations

import pytest

from prolight.platform.settings import ConfigurationError, ServiceSettings


class WorkerSettings(ServiceSettings):
    port: int = 8000


def test_defaults_are_the_embedded_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NATS_URL", "STORE_URL", "BLOB_URL", "LOG_LEVEL"):
        monkeypatch.delenv(f"PROLIGHT_{name}", raising=False)
    s = ServiceSettings.load()
    assert s.nats_url == "nats://127.0.0.1:4222"
    assert s.store_url == "sqlite:///.prolight/prolight.db"
    assert s.blob_url == "file://.prolight/blobs"
    assert s.log_level == "INFO"


def test_variables_are_read_with_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROLIGHT_STORE_URL", "mongodb://db:27017/prolight")
    monkeypatch.setenv("PROLIGHT_LOG_LEVEL", "debug")
    monkeypatch.setenv("PROLIGHT_PORT", "9001")
    s = WorkerSettings.load()
    assert (s.store_url, s.log_level, s.port) == ("mongodb://db:27017/prolight", "DEBUG", 9001)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        pytest.param("PROLIGHT_STORE_URL", "redis://db/x", id="store"),
        pytest.param("PROLIGHT_NATS_URL", "http://127.0.0.1:4222", id="nats"),
        pytest.param("PROLIGHT_BLOB_URL", "ftp://x", id="blob"),
        pytest.param("PROLIGHT_LOG_LEVEL", "loud", id="log-level"),
        pytest.param("PROLIGHT_PORT", "eighty", id="subclass-field"),
    ],
)
def test_a_bad_value_fails_fast_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=variable):
        WorkerSettings.load()


def test_the_message_does_not_echo_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROLIGHT_STORE_URL", "redis://user:s3cret@db/x")
    with pytest.raises(ConfigurationError) as info:
        ServiceSettings.load()
    assert "s3cret" not in str(info.value)
