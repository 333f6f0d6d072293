"""The gateway's configuration, read from `PROLIGHT_*` variables (see `ServiceSettings`).

PROLIGHT_GATEWAY_PORT            8000   port on 127.0.0.1
PROLIGHT_GATEWAY_METRICS_PORT    8014   /metrics (and /healthz, /readyz) on their own port, on
                                 PROLIGHT_GATEWAY_HOST, so no Ingress routes them; 0: off
PROLIGHT_GATEWAY_DOCS            true   serve /docs and /redoc (/openapi.json is always served)
PROLIGHT_STREAM_TOKEN_SECRET     required, ≥ 32 bytes; the notifier verifies with the same
                                 (or SECRET_KEY, the seed's name:
                                 prolight.platform.settings.SEED_ALIASES)
PROLIGHT_NOTIFIER_PUBLIC_URL     http://127.0.0.1:8001  base of the stream and ws links
PROLIGHT_GATEWAY_PUBLIC_URL      http://127.0.0.1:8000  base of status and artifact links
PROLIGHT_GATEWAY_MAX_BODY_BYTES  1048576  larger request bodies are 413 (edge.DRAIN_BYTES: how
                                 much more is read first, so a client still sending gets it)
PROLIGHT_STREAM_TOKEN_TTL_S      60     seconds a client has to connect with a token
PROLIGHT_PUBLISH_TIMEOUT_S       5      seconds to wait for JetStream's publish ack
PROLIGHT_API_KEYS_FILE           unset  hashed API keys (`prolight keys new`); set → keys required;
                                 re-read when it changes (`prolight keys revoke|rotate`)
PROLIGHT_LOCAL_DEV               false  true: a local development run may go without keys
                                 (`make run` sets it); unset keys and false: refuses to start
PROLIGHT_GENERATE_RATE_PER_MIN   30     runs each key may start per minute (keys on)
PROLIGHT_GENERATE_BURST          10     runs a key may start at once before that rate applies
PROLIGHT_IDEMPOTENCY_TTL_S       86400  seconds an Idempotency-Key answers its first run again
                                 (from the run's acceptance; idempotency.py)
PROLIGHT_IDEMPOTENCY_WAIT_S      10     seconds a request waits for the same key's request in
                                 flight before 409 idempotency_in_progress
PROLIGHT_WEBHOOK_ALLOWED_HOSTS   empty  hosts a run's webhook_url may name, comma-separated:
                                 exact names or IPs, `*.example.com`, `*` (any public host);
                                 empty: webhooks off (webhook_targets.py)
PROLIGHT_WEBHOOK_ALLOW_HTTP      false  accept http:// webhook URLs (local development)
PROLIGHT_WEBHOOK_SECRET          unset  ≥ 32 bytes; required with allowed hosts; each owner's
                                 signing secret is derived from it (webhook_signing.py)
PROLIGHT_WEBHOOK_RETRY_S         3600   seconds after the first attempt a delivery is retried
PROLIGHT_WEBHOOK_BACKOFF_S       2      seconds before the first retry; doubles, ≤ 300 s
PROLIGHT_WEBHOOK_TIMEOUT_S       10     seconds an attempt may take
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator

from prolight.platform.settings import MIN_SECRET_BYTES, StreamTokenSettings, base_url
from prolight_gateway.webhook_targets import allowed_hosts

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
    gateway_metrics_port: int = Field(
        8014,
        ge=0,
        le=65535,
        description="Port of /metrics (with /healthz and /readyz) on the gateway host, apart "
        "from the API's so no Ingress routes it; 0 turns it off.",
    )
    gateway_docs: bool = Field(
        True, description="Serve the API's pages /docs and /redoc (/openapi.json is always on)."
    )
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
    local_dev: bool = Field(
        False,
        validate_default=True,
        description="A local development run: the gateway may then start with keys off "
        "(`make run` sets it); without it and without a keys file it refuses to start.",
    )
    generate_rate_per_min: float = Field(
        30.0, gt=0, description="Runs each API key may start per minute (keys on)."
    )
    generate_burst: int = Field(
        10, ge=1, description="Runs an API key may start at once before the rate applies."
    )
    idempotency_ttl_s: float = Field(
        86400.0,
        gt=0,
        description="Seconds an Idempotency-Key answers its first run again (NATS KV TTL; "
        "the bucket keeps the TTL it was created with).",
    )
    idempotency_wait_s: float = Field(
        10.0,
        ge=0,
        le=60,
        description="Seconds a request waits for the same key's request in flight before 409.",
    )
    webhook_allowed_hosts: str = Field(
        "",
        description="Hosts a run's webhook_url may name, comma-separated: exact names or IPs, "
        "*.example.com, * (any public host). Empty: webhooks off. Internal addresses only "
        "when listed exactly.",
    )
    webhook_allow_http: bool = Field(False, description="Accept http:// webhook URLs.")
    webhook_secret: SecretStr | None = Field(
        None,
        validate_default=True,
        description="≥ 32 bytes; owners' webhook signing secrets derive from it; never logged.",
    )
    webhook_retry_s: float = Field(
        3600.0, gt=0, description="Seconds after its first attempt a delivery is retried."
    )
    webhook_backoff_s: float = Field(
        2.0, gt=0, description="Seconds before a delivery's first retry; doubles, ≤ 300 s."
    )
    webhook_timeout_s: float = Field(10.0, gt=0, description="Seconds an attempt may take.")

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

    @field_validator("api_keys_file", mode="before")
    @classmethod
    def _empty_is_unset(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("local_dev")
    @classmethod
    def _keys_or_local(cls, v: bool, info: ValidationInfo) -> bool:
        # Secure by default: an open API is something a deployment has to say it wants. (A
        # keys file that failed its own validation is missing from info.data: reported there.)
        if not v and "api_keys_file" in info.data and info.data["api_keys_file"] is None:
            raise ValueError(
                "API keys are off (PROLIGHT_API_KEYS_FILE is unset), so anyone who reaches "
                "this gateway could start and read every run. Set PROLIGHT_API_KEYS_FILE to a "
                "keys file (`prolight keys new OWNER` makes one), or set PROLIGHT_LOCAL_DEV=true "
                "for a local development run (`make run` does)"
            )
        return v

    @field_validator("webhook_allowed_hosts")
    @classmethod
    def _webhook_hosts(cls, v: str) -> str:
        return ",".join(allowed_hosts(v))

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, v: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if v is None or not v.get_secret_value():
            if info.data.get("webhook_allowed_hosts"):
                raise ValueError(
                    "PROLIGHT_WEBHOOK_ALLOWED_HOSTS turns webhooks on; they are signed with "
                    f"this secret (at least {MIN_SECRET_BYTES} bytes)"
                )
            return None  # `PROLIGHT_WEBHOOK_SECRET=` in an env file: unset
        if len(v.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"must be at least {MIN_SECRET_BYTES} bytes")
        return v

    @property
    def webhooks_on(self) -> bool:
        """Whether runs may name a webhook_url (allowed hosts set; the secret then is too)."""
        return bool(self.webhook_allowed_hosts)

    @property
    def notifier_ws_url(self) -> str:
        """The notifier's base URL with ws:// (or wss:// behind https)."""
        return "ws" + self.notifier_public_url.removeprefix("http")
