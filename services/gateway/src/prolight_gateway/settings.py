"""The gateway's configuration, read from `PROLIGHT_*` variables (see `ServiceSettings`).

PROLIGHT_GATEWAY_PORT            8000   port on 127.0.0.1
PROLIGHT_STREAM_TOKEN_SECRET     required, ≥ 32 bytes; the notifier verifies with the same
                                 (or SECRET_KEY, the seed's name:
                                 prolight.platform.settings.SEED_ALIASES)
PROLIGHT_NOTIFIER_PUBLIC_URL     http://127.0.0.1:8001  base of the stream and ws links
PROLIGHT_GATEWAY_PUBLIC_URL      http://127.0.0.1:8000  base of status and artifact links
PROLIGHT_GATEWAY_MAX_BODY_BYTES  1048576  larger request bodies are 413 (edge.DRAIN_BYTES: how
                                 much more is read first, so a client still sending gets it)
PROLIGHT_STREAM_TOKEN_TTL_S      60     seconds a client has to connect with a token
PROLIGHT_PUBLISH_TIMEOUT_S       5      seconds to wait for JetStream's publish ack
PROLIGHT_API_KEYS_FILE           unset  hashed API keys (`prolight keys new`); set → keys required
PROLIGHT_GENERATE_RATE_PER_MIN   30     runs each key may start per minute (keys on)
PROLIGHT_GENERATE_BURST          10     runs a key may start at once before that rate applies
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator

from prolight.platform.settings import StreamTokenSettings, base_url

__all__ = ["DEFAULT_MAX_BODY_BYTES", "GatewaySettings"]

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
"""Request bodies above this many bytes (1 MiB) are answered 413."""


class GatewaySettings(StreamTokenSettings):
    """Everything the gateway reads at start-up; `GatewaySettings.load()` fails fast."""

    # The plain-language translator (the gateway's natural-language endpoint).
    translator: Literal["rules", "gemini"] = Field(
        "rules",
        description="Plain language → setup: rules (built in) or gemini (needs GEMINI_API_KEY; "
        "falls back to rules when Gemini's answer is unusable).",
    )
    gemini_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("GEMINI_API_KEY", "gemini_api_key"),
        validate_default=True,
        description="Gemini API key; required with PROLIGHT_TRANSLATOR=gemini; never logged.",
    )
    gemini_base_url: str = Field(
        "https://generativelanguage.googleapis.com/v1beta", description="Gemini API base URL."
    )
    gemini_model: str = Field("gemini-2.5-flash", max_length=80)
    gemini_timeout_s: float = Field(20.0, gt=0, description="Seconds per Gemini call.")
    gateway_host: str = "127.0.0.1"
    gateway_port: int = Field(8000, ge=1, le=65535)
    stream_token_ttl_s: float = Field(60.0, gt=0, description="Token lifetime, seconds.")
    notifier_public_url: str = Field(
        "http://127.0.0.1:8001", description="Base URL clients reach the notifier at."
    )
    gateway_max_body_bytes: int = Field(DEFAULT_MAX_BODY_BYTES, ge=1024, description="Bytes.")
    publish_timeout_s: float = Field(
        5.0, gt=0, description="Seconds to wait for each publish attempt's ack."
    )
    api_keys_file: Path | None = Field(
        None, description="Hashed API keys file; when set, every /api request needs X-API-Key."
    )
    generate_rate_per_min: float = Field(
        30.0, gt=0, description="Runs each API key may start per minute (keys on)."
    )
    generate_burst: int = Field(
        10, ge=1, description="Runs an API key may start at once before the rate applies."
    )

    @field_validator("gemini_api_key")
    @classmethod
    def _key_for_gemini(cls, v: object, info: ValidationInfo) -> object:
        if info.data.get("translator") == "gemini" and (
            not isinstance(v, SecretStr) or not v.get_secret_value().strip()
        ):
            raise ValueError("PROLIGHT_TRANSLATOR=gemini needs Gemini's API key")
        return v

    @field_validator("notifier_public_url")
    @classmethod
    def _http(cls, v: str) -> str:
        return base_url(v)

    @property
    def notifier_ws_url(self) -> str:
        """The notifier's base URL with ws:// (or wss:// behind https)."""
        return "ws" + self.notifier_public_url.removeprefix("http")
