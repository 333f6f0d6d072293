"""The notifier's configuration, read from `PROLIGHT_*` variables (see `ServiceSettings`).

PROLIGHT_NOTIFIER_HOST            127.0.0.1   interface to listen on
PROLIGHT_NOTIFIER_PORT            8001
PROLIGHT_STREAM_TOKEN_SECRET      required, ≥ 32 bytes; the gateway signs with the same one
                                  (or SECRET_KEY, the seed's name:
                                  prolight.platform.settings.SEED_ALIASES)
PROLIGHT_GATEWAY_PUBLIC_URL       http://127.0.0.1:8000  base of artifact and thumbnail URLs
PROLIGHT_NOTIFIER_HEARTBEAT_S     15    WebSocket ping / SSE `: ping` interval, seconds
PROLIGHT_NOTIFIER_CLIENT_BUFFER   256   events queued for one client before it is evicted
"""

from __future__ import annotations

from pydantic import Field

from prolight.platform.settings import StreamTokenSettings

__all__ = ["NotifierSettings"]


class NotifierSettings(StreamTokenSettings):
    """Everything the notifier reads at start-up; `NotifierSettings.load()` fails fast."""

    notifier_host: str = "127.0.0.1"
    notifier_port: int = Field(8001, ge=1, le=65535)
    notifier_heartbeat_s: float = Field(15.0, gt=0, description="Seconds between heartbeats.")
    notifier_client_buffer: int = Field(
        256, ge=1, description="Events queued for one client before it is disconnected."
    )
