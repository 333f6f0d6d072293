"""ServiceSettings.env_name and load() for fields read from an alias (no PROLIGHT_ prefix), and
the original README's names read as ours (SEED_ALIASES)."""

from __future__ import annotations

import pytest
from pydantic import AliasChoices, Field, SecretStr

from prolight.platform.settings import (
    SEED_ALIASES,
    ConfigurationError,
    ServiceSettings,
    StreamTokenSettings,
)


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


# -- the seed README's names (SEED_ALIASES) ---------------------------------------------------

OURS = "PROLIGHT_STREAM_TOKEN_SECRET"
SEED = "SECRET_KEY"
ONE = "one-stream-token-secret-of-at-least-32-bytes"
TWO = "two-stream-token-secret-of-at-least-32-bytes"


class TokenSettings(StreamTokenSettings):
    bria_api_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("BRIA_API_TOKEN", "bria_api_token")
    )  # as the bria-generator declares it


@pytest.fixture(autouse=True)
def _no_secrets_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (OURS, SEED, "BRIA_API_TOKEN", "BRIA_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_the_seed_names_are_aliases_of_ours() -> None:
    assert SEED_ALIASES == {OURS: SEED, "BRIA_API_TOKEN": "BRIA_API_KEY"}


@pytest.mark.parametrize(
    "env",
    [
        pytest.param({SEED: ONE}, id="only-the-seed-name"),
        pytest.param({SEED: ONE, OURS: ""}, id="ours-empty"),
        pytest.param({SEED: ONE, OURS: ONE}, id="both-the-same"),
        pytest.param({SEED: "", OURS: ONE}, id="seed-name-empty"),
    ],
)
def test_the_seed_name_is_read(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert TokenSettings.load().stream_token_secret.get_secret_value() == ONE


def test_bria_api_key_is_read_as_bria_api_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SEED, ONE)
    monkeypatch.setenv("BRIA_API_KEY", "bria-key")
    token = TokenSettings.load().bria_api_token
    assert token is not None
    assert token.get_secret_value() == "bria-key"


@pytest.mark.parametrize(
    ("ours", "seed"),
    [
        pytest.param(OURS, SEED, id="stream-token-secret"),
        pytest.param("BRIA_API_TOKEN", "BRIA_API_KEY", id="bria-token"),
    ],
)
def test_both_names_set_to_different_values_fail_naming_both(
    monkeypatch: pytest.MonkeyPatch, ours: str, seed: str
) -> None:
    monkeypatch.setenv(SEED, ONE)
    monkeypatch.setenv(ours, ONE)
    monkeypatch.setenv(seed, TWO)
    with pytest.raises(ConfigurationError) as info:
        TokenSettings.load()
    message = str(info.value)
    assert f"{ours} and {seed} are both set, to different values" in message
    assert ONE not in message
    assert TWO not in message
    with pytest.raises(ConfigurationError):
        TokenSettings()  # not only load(): constructing the settings refuses it too


def test_a_bad_value_names_the_seed_variable_it_came_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SEED, "short")
    with pytest.raises(ConfigurationError, match=f"configuration: {SEED}: must be at least"):
        TokenSettings.load()


def test_a_value_given_in_code_wins_over_the_seed_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SEED, ONE)
    secret = TokenSettings(stream_token_secret=TWO).stream_token_secret  # type: ignore[arg-type]
    assert secret.get_secret_value() == TWO
