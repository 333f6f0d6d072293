"""The notifier's configuration, read from `PROLIGHT_*` variables (see `ServiceSettings`).

PROLIGHT_NOTIFIER_HOST            127.0.0.1   interface to listen on
PROLIGHT_NOTIFIER_PORT            8001
PROLIGHT_STREAM_TOKEN_SECRET      required, ≥ 32 bytes; the gateway signs with the same one
PROLIGHT_GATEWAY_PUBLIC_URL       http://127.0.0.1:8000  base of artifact and thumbnail URLs
PROLIGHT_NOTIFIER_HEARTBEAT_S     15    WebSocket ping / SSE `: ping` interval, seconds
PROLIGHT_NOTIFIER_CLIENT_BUFFER   256   events queued for one client before it is evicted
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from prolight.settings import ServiceSettings

__all__ = ["MIN_SECRET_BYTES", "NotifierSettings"]

MIN_SECRET_BYTES = 32
"""HS256 keys shorter than the hash are weak (RFC 7518 §3.2); PyJWT warns below this."""


class NotifierSettings(ServiceSettings):
    """Everything the notifier reads at start-up; `NotifierSettings.load()` fails fast."""

    notifier_host: str = "127.0.0.1"
    notifier_port: int = Field(8001, ge=1, le=65535)
    stream_token_secret: SecretStr = Field(
        description="HS256 secret shared with the gateway; never logged."
    )
    gateway_public_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL clients reach the gateway at."
    )
    notifier_heartbeat_s: float = Field(15.0, gt=0, description="Seconds between heartbeats.")
    notifier_client_buffer: int = Field(
        256, ge=1, description="Events queued for one client before it is disconnected."
    )

    @field_validator("stream_token_secret")
    @classmethod
    def _long_enough(cls, v: SecretStr) -> SecretStr:
        if len(v.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"must be at least {MIN_SECRET_BYTES} bytes")
        return v

    @field_validator("gateway_public_url")
    @classmethod
    def _http(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("expected http://host:port or https://host")
        return v.rstrip("/")
