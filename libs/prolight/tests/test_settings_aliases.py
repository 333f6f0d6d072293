"""ServiceSettings.env_name and load() for fields read from an alias (no PROLIGHT_ prefix)."""

from __future__ import annotations

import pytest
from pydantic import AliasChoices, Field

from prolight.settings import ConfigurationError, ServiceSettings


class AliasedSettings(ServiceSettings):
    bria_api_token: int = Field(0, validation_alias="BRIA_API_TOKEN")
    gateway_port: int = Field(0, validation_alias="PROLIGHT_GATEWAY_PORT")
    gemini_api_key: int = Field(0, validation_alias=AliasChoices("GEMINI_API_KEY", "GOOGLE_KEY"))


@pytest.mark.parametrize(
    ("field", "variable"),
    [
        pytest.param("store_url", "PROLIGHT_STORE_URL", id="plain"),
        pytest.param("bria_api_token", "BRIA_API_TOKEN", id="alias"),
        pytest.param("gateway_port", "PROLIGHT_GATEWAY_PORT", id="alias-with-prefix"),
        pytest.param("gemini_api_key", "GEMINI_API_KEY", id="alias-choices"),
        pytest.param("BRIA_API_TOKEN", "BRIA_API_TOKEN", id="by-alias"),
        pytest.param("PROLIGHT_GATEWAY_PORT", "PROLIGHT_GATEWAY_PORT", id="by-prefixed-alias"),
        pytest.param("GOOGLE_KEY", "GEMINI_API_KEY", id="by-second-choice"),
    ],
)
def test_env_name_is_the_variable_that_is_read(field: str, variable: str) -> None:
    assert AliasedSettings.env_name(field) == variable


@pytest.mark.parametrize(
    ("variable", "named"),
    [
        pytest.param("BRIA_API_TOKEN", "BRIA_API_TOKEN", id="alias"),
        pytest.param("PROLIGHT_GATEWAY_PORT", "PROLIGHT_GATEWAY_PORT", id="alias-with-prefix"),
        pytest.param("GOOGLE_KEY", "GEMINI_API_KEY", id="alias-choices"),
    ],
)
def test_a_bad_aliased_value_names_the_variable_once(
    monkeypatch: pytest.MonkeyPatch, variable: str, named: str
) -> None:
    monkeypatch.setenv(variable, "not-a-number")
    with pytest.raises(ConfigurationError) as info:
        AliasedSettings.load()
    message = str(info.value)
    assert f"configuration: {named}: " in message
    assert "PROLIGHT_PROLIGHT_" not in message
    assert "PROLIGHT_BRIA" not in message
