"""GeneratorSettings reads BRIA's token under our name or the original README's BRIA_API_KEY."""

from __future__ import annotations

import pytest

from prolight.platform.settings import ConfigurationError
from prolight_bria_generator.settings import GeneratorSettings


@pytest.fixture(autouse=True)
def _bria_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRIA_API_TOKEN", raising=False)
    monkeypatch.delenv("BRIA_API_KEY", raising=False)
    monkeypatch.setenv("PROLIGHT_GENERATOR_BACKEND", "bria")


@pytest.mark.parametrize("variable", ["BRIA_API_TOKEN", "BRIA_API_KEY"])
def test_either_name_gives_the_token(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "bria-token")
    token = GeneratorSettings.load().bria_api_token
    assert token is not None
    assert token.get_secret_value() == "bria-token"


def test_two_different_tokens_stop_the_start_naming_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIA_API_TOKEN", "bria-token-one")
    monkeypatch.setenv("BRIA_API_KEY", "bria-token-two")
    with pytest.raises(ConfigurationError, match="BRIA_API_TOKEN and BRIA_API_KEY") as info:
        GeneratorSettings.load()
    assert "bria-token" not in str(info.value)


def test_no_token_names_our_variable() -> None:
    with pytest.raises(ConfigurationError, match="BRIA_API_TOKEN: the bria backend needs"):
        GeneratorSettings.load()
