"""Settings for a gateway under test."""

from __future__ import annotations

from pathlib import Path

from prolight_gateway.settings import GatewaySettings

SECRET = "test-stream-token-secret-of-at-least-32-bytes"
"""≥ 32 bytes: PyJWT warns on shorter HS256 keys, and warnings are errors here."""


def gateway_settings(nats_url: str, tmp_path: Path) -> GatewaySettings:
    """Settings for a gateway on `nats_url` with its stores under `tmp_path`: keys off (a
    local development run; tests that need keys set `api_keys_file`), /metrics off (a test
    that reads it gives the gateway a free port: many gateways run at once here)."""
    return GatewaySettings(
        nats_url=nats_url,
        store_url=f"sqlite:///{tmp_path}/runs.db",
        blob_url=f"file://{tmp_path}/blobs",
        stream_token_secret=SECRET,  # type: ignore[arg-type]
        notifier_public_url="http://notifier.test:8001",
        gateway_public_url="http://gateway.test",
        gateway_metrics_port=0,
        local_dev=True,
    )
